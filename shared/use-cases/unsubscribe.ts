/**
 * One-click unsubscribe (RFC 8058; shared/domain/unsubscribe.ts for the token and headers).
 *
 * The senders put the headers on every message (unsubscribeHeadersFor). The public route `/unsubscribe/{token}`
 * (no sign-in) answers:
 * - GET: a small confirmation page (checkUnsubscribeLink) with a button that POSTs; a GET never unsubscribes, since
 *   link scanners and previewers follow GETs;
 * - POST (the mailbox provider's one-click request, or the page's button): oneClickUnsubscribe, primary course:
 *   1. verify the token's signature: a malformed, tampered or foreign token is refused, always the same way;
 *   2. a proof's token opts nobody out;
 *   3. find the recipient's sending-log entry (the token names delivery, version and recipient) and opt its profile
 *      out at once (the same write as a list unsubscribe: the first opt-out record is kept), which excludes it from
 *      every next preparation;
 *   4. append `opt-out` to the delivery's tracking log, the first time only. A repeated POST changes nothing.
 */
import { DomainError } from '#domain/errors.ts';
import {
  signUnsubscribeToken,
  type UnsubscribeSubject,
  unsubscribeHeaders,
  verifyUnsubscribeToken,
} from '#domain/unsubscribe.ts';
import type {
  Clock,
  ProfileRepository,
  RecipientLedger,
  SigningKey,
  TrackingLog,
  UnsubscribeConfig,
} from '#ports/index.ts';
import type { Metrics } from '#ports/metrics.ts';
import { EVENT_RETENTION_DAYS } from './ingest.ts';

/** The headers of one message, or undefined when the function has no unsubscribe configuration. */
export const unsubscribeHeadersFor = async (
  config: UnsubscribeConfig | undefined,
  subject: UnsubscribeSubject,
): Promise<Record<string, string> | undefined> =>
  config
    ? unsubscribeHeaders(config.baseUrl, signUnsubscribeToken(await config.key.get(), subject), config.mailto)
    : undefined;

/** The `headers` of a recipient's message (none without an unsubscribe configuration). */
export const unsubscribeHeaderField = async (
  config: UnsubscribeConfig | undefined,
  ref: { deliveryId: string; version: number },
  recipientId: string,
): Promise<{ headers?: Record<string, string> }> => {
  const headers = await unsubscribeHeadersFor(config, { kind: 'recipient', ...ref, recipientId });
  return headers ? { headers } : {};
};

/** 404 for any link that is not ours: malformed, tampered with, signed under another key, or naming nobody. */
export const invalidLink = (): DomainError =>
  new DomainError('not-found', 'UNSUBSCRIBE_LINK_INVALID', 'This unsubscribe link is not valid.');

/** What a valid token names (for the GET page); a 404 domain error otherwise. */
export const checkUnsubscribeLink = async (
  deps: { key: SigningKey },
  token: string,
): Promise<UnsubscribeSubject> => {
  const subject = verifyUnsubscribeToken(await deps.key.get(), token);
  if (!subject) throw invalidLink();
  return subject;
};

export interface UnsubscribeDeps {
  key: SigningKey;
  ledger: RecipientLedger;
  profiles: ProfileRepository;
  tracking: TrackingLog;
  clock: Clock;
  /** OneClickUnsubscribes (shared/ports/metrics.ts). */
  metrics?: Metrics;
}

export type UnsubscribeOutcome =
  | { kind: 'opted-out'; deliveryId: string; profileId: string }
  | { kind: 'already-opted-out'; deliveryId: string; profileId: string }
  | { kind: 'proof'; deliveryId: string };

/** The tracking log's event id of a one-click opt-out (one per recipient: the profile is opted out once). */
export const ONE_CLICK_EVENT_ID = 'one-click-unsubscribe';

export const oneClickUnsubscribe = async (
  deps: UnsubscribeDeps,
  token: string,
): Promise<UnsubscribeOutcome> => {
  const subject = await checkUnsubscribeLink(deps, token);
  if (subject.kind === 'proof') return { kind: 'proof', deliveryId: subject.deliveryId };
  const ref = { deliveryId: subject.deliveryId, version: subject.version };
  const entry = await deps.ledger.get(ref, subject.recipientId);
  if (!entry) throw invalidLink();
  const now = deps.clock.now();
  const at = now.toISOString();
  const optedOut = await deps.profiles.optOut(
    entry.profileId,
    { deliveryId: subject.deliveryId, sesMessageId: entry.sesMessageId ?? '' },
    at,
  );
  if (!optedOut) return { kind: 'already-opted-out', deliveryId: ref.deliveryId, profileId: entry.profileId };
  await deps.tracking.append(
    {
      deliveryId: ref.deliveryId,
      version: ref.version,
      recipientId: subject.recipientId,
      profileId: entry.profileId,
      sesMessageId: entry.sesMessageId ?? '',
      type: 'opt-out',
      at,
      eventId: ONE_CLICK_EVENT_ID,
    },
    Math.floor(now.getTime() / 1000) + EVENT_RETENTION_DAYS * 24 * 60 * 60,
  );
  deps.metrics?.count('OneClickUnsubscribes', 1);
  return { kind: 'opted-out', deliveryId: ref.deliveryId, profileId: entry.profileId };
};
