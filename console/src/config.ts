/**
 * What the console reads at start from /config.json: where the API is and how to sign in. The embedded runtime
 * serves the local one (local/console/config.ts, with the demo users); in AWS the deploy writes the Cognito one.
 */
export interface DemoUser {
  username: string;
  groups: string[];
  description: string;
}

export type AuthConfig =
  | { mode: 'local'; users: DemoUser[] }
  | {
      mode: 'cognito';
      /** The user pool's issuer: https://cognito-idp.<region>.amazonaws.com/<userPoolId>. */
      authority: string;
      clientId: string;
      /** The managed login domain (https://<prefix>.auth.<region>.amazoncognito.com), for signing out. */
      domain: string;
      scope?: string;
      /** The callback URL the app client allows (default: this origin's /console/auth/callback). */
      redirectUri?: string;
      /** Where managed login returns after signing out (default: this origin's /console/sign-in). */
      signOutUri?: string;
    };

export interface ConsoleConfig {
  /** The API's base URL; empty when it shares the console's origin. */
  apiUrl: string;
  auth: AuthConfig;
}

const isConfig = (value: unknown): value is ConsoleConfig => {
  const v = value as ConsoleConfig | null;
  if (!v || typeof v.apiUrl !== 'string' || !v.auth) return false;
  if (v.auth.mode === 'local') return Array.isArray(v.auth.users);
  return (
    v.auth.mode === 'cognito' && typeof v.auth.authority === 'string' && typeof v.auth.clientId === 'string'
  );
};

export const loadConfig = async (): Promise<ConsoleConfig> => {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const value: unknown = await response.json();
  if (!isConfig(value)) throw new Error('/config.json does not say where the API is and how to sign in');
  return { ...value, apiUrl: value.apiUrl.replace(/\/$/, '') };
};
