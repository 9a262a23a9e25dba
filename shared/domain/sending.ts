/**
 * Sending rules (DESIGN section 5, "Sending"): claims and leases, the in-doubt decision, pacing, backoff,
 * personalization and message tags. Pure code: time and randomness are passed in.
 */
import type { Content } from './delivery.ts';
import type { Profile } from './profiles.ts';

/**
 * How long a sender's page lease protects its window of recipients. It must exceed a window's SES calls with their
 * timeouts (the sender extends it as it goes); it must stay below the send queue's visibility timeout, so a
 * redelivered job finds an abandoned lease expired and makes its window in-doubt instead of waiting.
 */
export const DEFAULT_LEASE_MS = 2 * 60 * 1000;
/** Recipients of one lease window: one lease write for this many recipients. */
export const WINDOW_SIZE = 25;
/** Bytes of recipient ids in one window at most, so the lease item stays under 1 KB (one write unit). */
export const WINDOW_ID_BYTES = 900;

/** Splits recipient ids into lease windows: at most WINDOW_SIZE and WINDOW_ID_BYTES each, in order. */
export const leaseWindows = (ids: readonly string[], size: number = WINDOW_SIZE): string[][] => {
  const windows: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const id of ids) {
    const b = id.length + 1;
    if (current.length > 0 && (current.length >= size || bytes + b > WINDOW_ID_BYTES)) {
      windows.push(current);
      current = [];
      bytes = 0;
    }
    current.push(id);
    bytes += b;
  }
  if (current.length > 0) windows.push(current);
  return windows;
};

/** SES answers a SendEmail in about 60 ms, 250 ms at the 99th percentile (AWS): what senders are sized for. */
export const SES_LATENCY_P99_MS = 250;
/** SES calls one sender invocation keeps in flight at most. */
export const MAX_IN_FLIGHT = 32;
/** Calls in flight are sized for this many times the p99 latency's worth of sends (room for slow answers). */
export const CAPACITY_HEADROOM = 1.5;

/** SES events per message sent while a send runs: its Send and its Delivery (or Bounce); opens come later, spread. */
export const EVENTS_PER_SEND = 2;
/**
 * How long an ingester invocation takes for a full batch of 100 events ingested concurrently, in AWS: a batch read,
 * the conditional writes, the quarantine lookups and the counter ADD, each a DynamoDB round trip of about 10 ms,
 * plus SQS and Lambda overhead (an assumption with margin: the local runtime shares two cores and is no measure).
 */
export const INGEST_BATCH_SECONDS = 0.25;

/** The rate all senders together aim at: `fraction` of the account's max send rate, under `limit` when set. */
export const targetSendRate = (maxSendRate: number, fraction: number, limit?: number | undefined): number =>
  Math.min(maxSendRate * fraction, limit ?? Number.POSITIVE_INFINITY);

/**
 * The send event source's maximum concurrency for a target rate: enough invocations that their calls in flight
 * (MAX_IN_FLIGHT each) carry rate × p99 latency × headroom, and no more (each invocation's share then stays large,
 * which keeps the rounding of the pacing guarantee small). Lambda takes 2 to 1,000.
 */
export const senderConcurrency = (
  rate: number,
  latencyP99Ms: number = SES_LATENCY_P99_MS,
  inFlight: number = MAX_IN_FLIGHT,
): number => {
  const needed = Math.ceil((rate * latencyP99Ms * CAPACITY_HEADROOM) / 1000 / inFlight);
  return Math.min(1000, Math.max(2, needed));
};

/**
 * Each sender invocation's pace, so that all of them together never exceed the target in any one-second window,
 * as SES counts: an invocation releases its sends at least 1/r apart, so a window holds at most r of them, or
 * r + 1 if a send is late on its way (a stall between its release and its arrival at SES). With r = ⌊rate /
 * concurrency⌋ − 1, concurrency × (r + 1) ≤ rate. Below two sends a second each, the share is taken at 90 %
 * and the guarantee is only on average (the event source's concurrency is then too high for the account: the
 * sender says so).
 */
export const senderRate = (
  maxSendRate: number,
  fraction: number,
  concurrency: number,
  limit?: number | undefined,
): number => {
  const share = targetSendRate(maxSendRate, fraction, limit) / Math.max(1, concurrency);
  return share >= 3 ? Math.floor(share) - 1 : Math.max(share * 0.9, 0.01);
};

/** The SES calls one invocation keeps in flight to hold its pace through SES's latency (at least 4). */
export const inFlightFor = (rate: number, latencyP99Ms: number = SES_LATENCY_P99_MS): number =>
  Math.min(MAX_IN_FLIGHT, Math.max(4, Math.ceil((rate * latencyP99Ms * CAPACITY_HEADROOM) / 1000)));

/** Exponential backoff with full jitter: a delay in [0, min(cap, base · 2^attempt)). */
export const backoffDelay = (attempt: number, random: () => number, baseMs = 100, capMs = 5_000): number =>
  Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));

/**
 * How much faster than its rate a pacer may release to catch up a late timer: 1 / this. A busy event loop fires
 * timers a few milliseconds late; at 49 a second (an interval of 20 ms) 0.8 absorbs 4 ms of lateness a release,
 * where 0.95 absorbed 1 ms and let the rest add up (the pacing bench's steady seconds at 87 of 98 on a loaded
 * machine). The one-second bound below holds whatever this is.
 */
export const PACER_CATCH_UP = 0.8;

/** A timer this much later than asked means the event loop stalled (a collection, a burst of other work). */
const STALL_MS = 10;
/** How long after its release a call may still be waiting for the loop before it is written to SES. */
const WIRE_MS = 25;

/**
 * A pacer: releases its callers one at a time, in order, on an even grid of 1 / rate, with three bounds that hold
 * by the release times this process sees, so that the invocations of a sender, one after another, never put more
 * than the rate's whole number (R) of calls into any one-second window, however late their timers fire:
 * - no one-second window holds more than R of its releases, a release of up to WIRE_MS before a stall of the event
 *   loop (a timer more than STALL_MS late) counting from the stall's end: its call is written to SES only then, and
 *   SES counts it with the releases that follow;
 * - a release comes at least PACER_CATCH_UP / rate after the previous one: after calls stopped coming for a while,
 *   or a late timer while the last second held fewer than R releases, the next ones come a little sooner than the
 *   grid; otherwise the first bound holds them, and a timer's lateness is lost (a debt of more than a second is
 *   forgiven);
 * - the first release comes 1 − (R − 2) · PACER_CATCH_UP / rate seconds after the pacer is made (two intervals and
 *   a little), and the first second's releases a full 1 / rate apart: whatever the invocation before it (another
 *   pacer, on this sender's share) released in its last second, at most R fall in any window across the two.
 * The sender's share is one above R (`senderRate`): one call that reaches SES later than released may still fall
 * into the next second.
 * `now` and `sleep` are injected, so tests drive it without waiting.
 */
export const createPacer = (
  ratePerSecond: number,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
) => {
  const interval = 1000 / ratePerSecond;
  const perSecond = Math.max(1, Math.floor(ratePerSecond));
  const minSpacing = interval * PACER_CATCH_UP;
  const startAt = now() + Math.max(0, 1000 - (perSecond - 2) * minSpacing);
  /** The next release's place on the grid. */
  let grid = startAt;
  /** The last `perSecond` release times, oldest first (a release before a stall counts from its end). */
  const recent: number[] = [];
  /** The same releases' own times (a stall moves each only while it is that recent). */
  const releasedAt: number[] = [];
  let queue: Promise<void> = Promise.resolve();
  return {
    /** Resolves at this caller's turn. */
    take(): Promise<void> {
      const turn = queue.then(async () => {
        for (;;) {
          const t = now();
          const last = recent.at(-1) ?? Number.NEGATIVE_INFINITY;
          const firstSecond = t < startAt + 1000;
          const earliest = Math.max(
            grid,
            last + (firstSecond ? interval : minSpacing),
            // One second after the release `perSecond` back.
            recent.length >= perSecond ? recent[0]! + 1000 : Number.NEGATIVE_INFINITY,
          );
          if (earliest <= t) break;
          // At least a millisecond: a clock of whole milliseconds (Date) would never move by a fraction of one.
          const asked = Math.max(1, earliest - t);
          await sleep(asked);
          const woke = now();
          if (woke - (t + asked) > STALL_MS) {
            // The loop stalled: what was released just before may reach SES only now, so it counts from now.
            for (let i = 0; i < recent.length; i++) if (releasedAt[i]! > t - WIRE_MS) recent[i] = woke;
          }
        }
        const released = now();
        recent.push(released);
        releasedAt.push(released);
        if (recent.length > perSecond) {
          recent.shift();
          releasedAt.shift();
        }
        grid = Math.max(grid, released - 1000) + interval;
      });
      queue = turn.catch(() => undefined);
      return turn;
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
  /** In the delivery's evidence sample (shared/domain/in-doubt.ts): its Send event is noted. */
  evidence = false,
): Record<string, string> => ({
  delivery: deliveryId,
  version: String(version),
  recipient: recipientId,
  ...(evidence ? { evidence: '1' } : {}),
});

/** A scheduled start that fires more than this late fails the delivery ("fired too late") instead of sending. */
export const MAX_START_DELAY_MS = 60 * 60 * 1000;
