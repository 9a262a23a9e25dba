/**
 * Local-only identity: signs ID tokens shaped like those of the Cognito user pool (the claims the console and the
 * handlers read) and verifies them as the HTTP API's JWT authorizer does (signature, issuer, audience, expiry).
 * The RS256 key pair is generated on first start and kept in the data folder, so tokens survive a restart; it
 * exists only in the local runtime and is never deployed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';

export const LOCAL_ISSUER = 'urn:confirm-and-send:local-identity';
export const LOCAL_AUDIENCE = 'confirm-and-send-local-console';
/** Tokens last a working day locally (Cognito's default is one hour; nothing here refreshes them). */
export const DEFAULT_TOKEN_SECONDS = 12 * 60 * 60;
const ALG = 'RS256';
export const KEY_FILE = 'identity-key.json';

export interface IdTokenClaims extends JWTPayload {
  sub: string;
  'cognito:username': string;
  'cognito:groups'?: string[];
  token_use: 'id';
}

export interface SignInOptions {
  /** Lifetime in seconds (default DEFAULT_TOKEN_SECONDS). */
  expiresInSeconds?: number;
  /** Issue time (default now); with a short lifetime, makes an expired token for tests. */
  issuedAt?: Date;
}

export interface Identity {
  readonly issuer: string;
  readonly audience: string;
  signIn(username: string, groups: readonly string[], options?: SignInOptions): Promise<string>;
  /** The verified claims, or null for a missing, malformed, wrongly signed, expired or foreign token. */
  verify(token: string): Promise<IdTokenClaims | null>;
}

/** A fixed namespace for the UUIDv5 of local users. */
const NAMESPACE = Buffer.from('6f1c3a52f0b44c8e9d7a3b2e5c4d1a09', 'hex');

/** A stable `sub` per username: a UUIDv5 (SHA-1, RFC 9562) of the username in the project's namespace. */
export const subFor = (username: string): string => {
  const bytes = createHash('sha1').update(NAMESPACE).update(username, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

interface KeyFile {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** Reads the key pair from the data folder, or generates and writes it (atomically) on first start. */
export const loadOrCreateKey = async (dataDir: string): Promise<KeyFile> => {
  const file = join(dataDir, KEY_FILE);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = randomUUID();
  const key: KeyFile = {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALG, use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' },
  };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600, flush: true });
  renameSync(tmp, file);
  return key;
};

export const createIdentity = async (dataDir: string): Promise<Identity> => {
  const key = await loadOrCreateKey(dataDir);
  const privateKey = await importJWK(key.privateJwk, ALG);
  const publicKey = await importJWK(key.publicJwk, ALG);
  return {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    async signIn(username, groups, options = {}) {
      const issuedAt = Math.floor((options.issuedAt ?? new Date()).getTime() / 1000);
      const claims: Record<string, unknown> = {
        'cognito:username': username,
        origin_jti: randomUUID(),
        event_id: randomUUID(),
        token_use: 'id',
        auth_time: issuedAt,
      };
      // Cognito leaves the claim out for a user in no group.
      if (groups.length > 0) claims['cognito:groups'] = [...groups];
      return new SignJWT(claims)
        .setProtectedHeader({ alg: ALG, kid: key.kid })
        .setSubject(subFor(username))
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + (options.expiresInSeconds ?? DEFAULT_TOKEN_SECONDS))
        .setJti(randomUUID())
        .sign(privateKey);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          algorithms: [ALG],
          issuer: LOCAL_ISSUER,
          audience: LOCAL_AUDIENCE,
          requiredClaims: ['sub', 'exp', 'iat'],
        });
        return payload as IdTokenClaims;
      } catch {
        return null;
      }
    },
  };
};
