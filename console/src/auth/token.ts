/** Reads an ID token's claims (display and role checks only: the API verifies the signature). */
import { parseGroups, type Role } from '#domain/roles.ts';

export interface Session {
  token: string;
  username: string;
  roles: Role[];
  /** Epoch milliseconds. */
  expiresAt: number;
}

const decodePart = (part: string): Record<string, unknown> => {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const json = decodeURIComponent(
    Array.from(atob(base64), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
  );
  return JSON.parse(json) as Record<string, unknown>;
};

export const sessionFromToken = (token: string): Session | null => {
  try {
    const claims = decodePart(token.split('.')[1] ?? '');
    const username = String(
      claims['cognito:username'] ?? claims.username ?? claims.email ?? claims.sub ?? '',
    );
    const exp = Number(claims.exp ?? 0) * 1000;
    return { token, username, roles: parseGroups(claims['cognito:groups']), expiresAt: exp };
  } catch {
    return null;
  }
};
