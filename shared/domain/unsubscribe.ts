/**
 * One-click unsubscribe (RFC 8058, and Gmail's and Yahoo's bulk-sender rules): every marketing message carries
 * `List-Unsubscribe` (an HTTPS URL, and a mailto when one is configured) and `List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click`. The URL holds a token that names the delivery and the recipient (or the proof) and
 * is signed with HMAC-SHA256 under a key made at deploy time, so nobody can unsubscribe someone else by guessing.
 *
 * Token format (URL-safe, no padding): `u1.<payload>.<mac>` where
 * - `payload` is base64url of the JSON `{"d": deliveryId, "v": version, "r": recipientId}` (a recipient of the
 *   send) or `{"d": deliveryId, "p": proofId}` (a proof: its unsubscribe opts nobody out);
 * - `mac` is base64url of HMAC-SHA256(key, "u1." + payload), compared in constant time.
 * Tokens do not expire: a message may be read months later, and RFC 8058 wants the link to keep working. Changing
 * the key invalidates every link already sent.
 *
 * Pure code: node:crypto only, the key is passed in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOKEN_VERSION = 'u1';

export type UnsubscribeSubject =
  | { kind: 'recipient'; deliveryId: string; version: number; recipientId: string }
  | { kind: 'proof'; deliveryId: string; proofId: string };

const b64 = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

const mac = (key: Buffer, signed: string): Buffer => createHmac('sha256', key).update(signed).digest();

/** The key must carry at least 128 bits. */
export const MIN_KEY_BYTES = 16;

const checkKey = (key: Buffer): void => {
  if (key.length < MIN_KEY_BYTES)
    throw new RangeError(`The unsubscribe key needs ${MIN_KEY_BYTES} bytes or more`);
};

export const signUnsubscribeToken = (key: Buffer, subject: UnsubscribeSubject): string => {
  checkKey(key);
  const body =
    subject.kind === 'recipient'
      ? { d: subject.deliveryId, v: subject.version, r: subject.recipientId }
      : { d: subject.deliveryId, p: subject.proofId };
  const signed = `${TOKEN_VERSION}.${b64(JSON.stringify(body))}`;
  return `${signed}.${b64(mac(key, signed))}`;
};

const TOKEN = /^u1\.([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/;
const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= 256;

/**
 * What a token names, or null when it is malformed or its signature does not match (tampered with, or signed under
 * another key): the caller answers both the same way, so a forger learns nothing.
 */
export const verifyUnsubscribeToken = (key: Buffer, token: string): UnsubscribeSubject | null => {
  checkKey(key);
  const match = TOKEN.exec(token);
  if (!match) return null;
  const expected = mac(key, `${TOKEN_VERSION}.${match[1]}`);
  const given = Buffer.from(match[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  // One spelling per token: base64url's last character carries unused low bits, which decoding ignores.
  if (given.toString('base64url') !== match[2]) return null;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!isId(body.d)) return null;
  if (isId(body.p)) return { kind: 'proof', deliveryId: body.d, proofId: body.p };
  if (isId(body.r) && Number.isInteger(body.v) && (body.v as number) > 0)
    return { kind: 'recipient', deliveryId: body.d, version: body.v as number, recipientId: body.r };
  return null;
};

/** The path of the public route, under the API's base URL. */
export const unsubscribePath = (token: string): string => `/unsubscribe/${token}`;

/**
 * The two headers of RFC 8058 for one message: `List-Unsubscribe` with the HTTPS URL first (what Gmail and Yahoo
 * POST to), then a mailto when one is configured (clients without one-click fall back to it), and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
 */
export const unsubscribeHeaders = (
  baseUrl: string,
  token: string,
  mailto?: string,
): Record<string, string> => {
  const url = `${baseUrl.replace(/\/+$/, '')}${unsubscribePath(token)}`;
  const links = [`<${url}>`];
  if (mailto) links.push(`<mailto:${mailto}?subject=${encodeURIComponent(`unsubscribe ${token}`)}>`);
  return { 'List-Unsubscribe': links.join(', '), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
};
