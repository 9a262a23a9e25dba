/**
 * The in-doubt policy (DESIGN section 5, "Sending"; README "Crash safety"). A recipient whose SES call may have been
 * accepted with no record of it is in doubt. SES publishes a Send event for every message it accepts, durably (SNS
 * retries into the events queue for days), so one that no SES event names within the reconciliation window was,
 * with high confidence, never accepted: it is sent **once** more, but only while the delivery's event path is
 * demonstrably healthy; otherwise, or when it was resent already, it fails ("in doubt: no SES record") and, for an
 * unhealthy path, an alarm goes off (a broken configuration set would otherwise have every in-doubt recipient sent
 * twice). Pure code: the sweeper (shared/use-cases/sweep.ts) applies it.
 *
 * The event path is healthy when the distinct Send events the delivery's recipients got (the `sendEvents` counter;
 * ingestion notes each on its entry once, so a duplicate adds nothing) are at
 * least as many as the messages it had sent a whole window before (its `evidenceSent` counter as a sweep saw it
 * then, a **mark**): every message sent that long ago had the window to get its Send event. The check is meant to
 * catch a path that carries nothing, or lags behind, not one event lost in thousands (README: residual risk). A
 * path behind that still moves (more Send events than at that mark) is waited for: it is working through a backlog,
 * and the alarm is for one that stalled. Being over the delivery, the check cannot see one recipient's Send event
 * kept behind the others: a resend also waits out the ingesters' lag (`resendWaitMs`).
 *
 * Both counts are taken over the delivery's **evidence sample**: every recipient of a delivery of up to 2,047, and
 * one in 2^k of a larger one, so that at least EVIDENCE_SAMPLE_MIN recipients are in it (one in 8 of 10,000, one in
 * 64 of 100,000). Noting a Send event costs a write unit on the recipient's entry; the sample keeps that to about
 * 1,000 to 2,000 writes a delivery, whatever its size, and a path that lags or carries nothing lags or carries
 * nothing for the sample too. A sampled message carries the `evidence` tag (messageTags), so its events say so.
 */

/** The fewest recipients of a delivery in its evidence sample (all of them below twice this). */
export const EVIDENCE_SAMPLE_MIN = 1024;

/** One recipient in this many (a power of two) is in the evidence sample of a delivery of `toDeliver`. */
export const evidenceModulus = (toDeliver: number): number =>
  2 ** Math.max(0, Math.floor(Math.log2(Math.max(1, toDeliver) / EVIDENCE_SAMPLE_MIN)));

/** 32-bit FNV-1a of a string, its bits mixed (murmur3's finalizer) so that its low bits are even. */
const hash32 = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/** Whether a recipient is in the evidence sample of a delivery of `toDeliver` (the same answer every time). */
export const inEvidenceSample = (recipientId: string, toDeliver: number): boolean => {
  const modulus = evidenceModulus(toDeliver);
  return modulus === 1 || hash32(recipientId) % modulus === 0;
};

/** The delivery's evidence counters as a sweep saw them, and when. */
export interface SentMark {
  at: string;
  /** `evidenceSent`: messages sent to the evidence sample. */
  sent: number;
  /** `sendEvents`: their distinct Send events ingested (whether the path moves at all). */
  events: number;
}

export type EventPathVerdict =
  /** Every message sent a window ago had its Send event: an in-doubt recipient may be resent once. */
  | 'healthy'
  /**
   * Fewer Send events than messages sent a window ago, but more than a window ago: the path carries events, behind
   * (a loaded ingester working through a backlog): no resend yet, and no alarm while it keeps moving.
   */
  | 'lagging'
  /** Fewer Send events than messages sent a window ago, and none arrived in that window: no resend, an alarm. */
  | 'unhealthy'
  /** No mark old enough yet (nothing had been sent a window ago): wait, up to a second window. */
  | 'unknown';

const age = (mark: SentMark, now: Date): number => now.getTime() - Date.parse(mark.at);

/** The newest mark at least a window old with something sent by then: the one the verdict is taken against. */
const baseline = (marks: readonly SentMark[], now: Date, windowMs: number): SentMark | undefined =>
  marks.filter((m) => m.sent > 0 && age(m, now) >= windowMs).at(-1);

export const eventPathVerdict = (
  marks: readonly SentMark[],
  sendEvents: number,
  now: Date,
  windowMs: number,
): EventPathVerdict => {
  const base = baseline(marks, now, windowMs);
  if (!base) return 'unknown';
  if (sendEvents >= base.sent) return 'healthy';
  return sendEvents > base.events ? 'lagging' : 'unhealthy';
};

export type InDoubtDecision = 'wait' | 'resend' | 'fail' | 'fail-and-alarm';

/**
 * What the sweeper does with an in-doubt recipient in doubt since `since`, of a delivery in `state`: wait within the
 * window; past it, resend it once (the caller's conditional arming refuses a recipient resent before, which then
 * fails) when the path is healthy and the send goes on (a paused delivery makes no SES call: its in-doubt recipients
 * wait for the resume); fail it when the send is over otherwise (stopped, failed, expired) or the resend is not
 * possible. A path that is not demonstrably healthy but moves (lagging) is waited for; one with no verdict yet, or
 * that carried no Send event in the last window, gets up to a second window; after it, the recipient fails with an
 * alarm.
 */
export const inDoubtDecision = (input: {
  since: string;
  now: Date;
  windowMs: number;
  state: string;
  verdict: () => EventPathVerdict;
  canResend: boolean;
  /**
   * How long past `since` a resend must wait while the ingester lags (`resendWaitMs`); a healthy path's recipient
   * waits for it too, before it is resent. Default: the window alone.
   */
  lagWaitMs?: () => number;
}): InDoubtDecision => {
  const waited = input.now.getTime() - Date.parse(input.since);
  if (waited < input.windowMs) return 'wait';
  if (input.state === 'paused') return 'wait';
  if (!RESEND_STATES.has(input.state) || !input.canResend) return 'fail';
  const verdict = input.verdict();
  if (verdict === 'healthy') return waited < (input.lagWaitMs?.() ?? 0) ? 'wait' : 'resend';
  if (verdict === 'lagging' || waited < 2 * input.windowMs) return 'wait';
  return 'fail-and-alarm';
};

/** The states in which an in-doubt recipient may be resent: the send goes on, or it finished with it in doubt. */
const RESEND_STATES: ReadonlySet<string> = new Set(['sending', 'finished']);

/** At most this many marks a window: a new one only when the last is older than a tenth of the window. */
const MARKS_PER_WINDOW = 10;

/**
 * The marks kept after a sweep that saw `sent` at `now`: the baseline (the newest mark a window old) and every
 * younger one, plus the new one unless the last is younger than a tenth of the window.
 */
export const nextMarks = (
  marks: readonly SentMark[],
  mark: SentMark,
  now: Date,
  windowMs: number,
): SentMark[] => {
  const base = baseline(marks, now, windowMs);
  const kept = marks.filter((m) => m === base || age(m, now) < windowMs);
  const last = kept.at(-1);
  if (last && Date.parse(mark.at) - Date.parse(last.at) < windowMs / MARKS_PER_WINDOW) return kept;
  return [...kept, mark];
};

/** The longest an SES event waited in the events queue before an ingester took it, in one minute (`minute`: ISO). */
export interface LagMinute {
  minute: string;
  worstWaitMs: number;
}

/** The minute (ISO, `YYYY-MM-DDTHH:MM`) a time falls in: the ingester's lag is kept per minute. */
export const minuteOf = (at: Date | string): string => new Date(at).toISOString().slice(0, 16);

/** SES → SNS → the events queue: what an event may take before it is queued at all (seconds as a rule). */
export const EVENT_HOP_MS = 10_000;

/**
 * How long past `since` an in-doubt recipient waits, at least, before it may be resent, whatever the window: the
 * delivery-wide health check proves that Send events of a window ago arrived, not that this recipient's did, and one
 * can be far behind the others. A Send event naming it was queued by `since` + EVENT_HOP_MS; it waits in the events
 * queue about as long as the others wait (the worst wait the ingesters saw since, `lag`); an ingester that took it
 * and died hides it for the queue's visibility timeout (`redeliveryMs`), and then it waits in the queue again. So
 * EVENT_HOP_MS + `redeliveryMs` + twice the worst wait: while the ingesters work through a backlog (a restart after a
 * crash, a burst), the wait grows with it, and the recipient is resent only once its own event, if there was one,
 * has had its turn. The worst wait is kept per minute (the ingesters note it: `IngestLag`), so `lag`'s minutes from
 * the one `since` falls in count.
 */
export const resendWaitMs = (lag: readonly LagMinute[], since: string, redeliveryMs: number): number => {
  const from = minuteOf(since);
  const worst = Math.max(0, ...lag.filter((m) => m.minute >= from).map((m) => m.worstWaitMs));
  return EVENT_HOP_MS + redeliveryMs + 2 * worst;
};
