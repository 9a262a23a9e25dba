/**
 * Sending rules (DESIGN section 5, "Sending"): claims and leases, the in-doubt decision, pacing, backoff,
 * personalization and message tags. Pure code: time and randomness are passed in.
 */
import type { Content } from './delivery.ts';
import type { Profile } from './profiles.ts';

/**
 * How long a claim protects a recipient between its claim and its "sent" mark. It must exceed one SES call with
 * its timeout; it must stay below the send queue's visibility timeout, so a redelivered message finds an
 * abandoned claim expired and makes it in-doubt instead of waiting.
 */
export const DEFAULT_LEASE_MS = 2 * 60 * 1000;

/** What to do with a recipient whose claim was refused. */
export type RefusedClaim = 'skip-done' | 'skip-busy' | 'in-doubt' | 'skip-missing';

export const onRefusedClaim = (
  entry: { status: string; sesMessageId?: string; claim?: { leaseUntil: string } } | null,
  now: Date,
): RefusedClaim => {
  if (!entry) return 'skip-missing';
  if (entry.status !== 'pending' || entry.sesMessageId) return 'skip-done';
  if (entry.claim && Date.parse(entry.claim.leaseUntil) <= now.getTime()) return 'in-doubt';
  return 'skip-busy';
};

/**
 * Each sender's share of the send rate: all senders together stay under `fraction` of the account's max send
 * rate (and under `limit` when one is configured), split evenly across the event source's maximum concurrency.
 */
export const senderRate = (
  maxSendRate: number,
  fraction: number,
  concurrency: number,
  limit?: number | undefined,
): number => {
  const total = Math.min(maxSendRate * fraction, limit ?? Number.POSITIVE_INFINITY);
  return Math.max(total / Math.max(1, concurrency), 0.01);
};

/** Exponential backoff with full jitter: a delay in [0, min(cap, base · 2^attempt)). */
export const backoffDelay = (attempt: number, random: () => number, baseMs = 100, capMs = 5_000): number =>
  Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));

/**
 * A pacer: hands out one send slot every 1/rate seconds, never bursting above the rate (a token bucket of size
 * one). `now` and `sleep` are injected, so tests drive it without waiting.
 */
export const createPacer = (
  ratePerSecond: number,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
) => {
  const interval = 1000 / ratePerSecond;
  let next = 0;
  return {
    async take(): Promise<void> {
      const at = now();
      const slot = Math.max(at, next);
      next = slot + interval;
      if (slot > at) await sleep(slot - at);
    },
  };
};
export type Pacer = ReturnType<typeof createPacer>;

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

type Field = 'firstName' | 'lastName' | 'email';

/** Replaces {{firstName}}, {{lastName}} and {{email}} with the profile's values (HTML-escaped in the HTML part). */
export const personalize = (content: Content, profile: Pick<Profile, Field>) => {
  const fill = (template: string, escape: (s: string) => string) =>
    template.replace(/\{\{\s*(firstName|lastName|email)\s*\}\}/g, (_, name: Field) =>
      escape(profile[name] ?? ''),
    );
  return {
    subject: fill(content.subject, (s) => s),
    html: fill(content.html, escapeHtml),
    text: fill(content.text, (s) => s),
  };
};

/** SES message tags: they carry the attribution of every SES event back to the ledger ([A-Za-z0-9_-]). */
export const messageTags = (
  deliveryId: string,
  version: number,
  recipientId: string,
): Record<string, string> => ({
  delivery: deliveryId,
  version: String(version),
  recipient: recipientId,
});

/** A scheduled start that fires more than this late fails the delivery ("fired too late") instead of sending. */
export const MAX_START_DELAY_MS = 60 * 60 * 1000;
