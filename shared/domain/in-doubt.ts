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
 * least as many as the messages it had sent a whole window before (its `sent` counter as a sweep saw it then, a
 * **mark**): every message sent that long ago had the window to get its Send event. The check is meant to catch a
 * path that carries nothing, or lags behind, not one event lost in thousands (README: residual risk).
 */

/** The delivery's `sent` counter as a sweep saw it, and when. */
export interface SentMark {
  at: string;
  sent: number;
}

export type EventPathVerdict =
  /** Every message sent a window ago had its Send event: an in-doubt recipient may be resent once. */
  | 'healthy'
  /** Fewer Send events than messages sent a window ago: no resend, and an alarm. */
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
  return sendEvents >= base.sent ? 'healthy' : 'unhealthy';
};

export type InDoubtDecision = 'wait' | 'resend' | 'fail' | 'fail-and-alarm';

/**
 * What the sweeper does with an in-doubt recipient in doubt since `since`, of a delivery in `state`: wait within the
 * window; past it, resend it once (the caller's conditional arming refuses a recipient resent before, which then
 * fails) when the path is healthy and the send goes on (a paused delivery makes no SES call: its in-doubt recipients
 * wait for the resume); fail it when the send is over otherwise (stopped, failed, expired) or the resend is not
 * possible; fail it with an alarm when the path is unhealthy, or has given no verdict for a second window.
 */
export const inDoubtDecision = (input: {
  since: string;
  now: Date;
  windowMs: number;
  state: string;
  verdict: () => EventPathVerdict;
  canResend: boolean;
}): InDoubtDecision => {
  const waited = input.now.getTime() - Date.parse(input.since);
  if (waited < input.windowMs) return 'wait';
  if (input.state === 'paused') return 'wait';
  if (!RESEND_STATES.has(input.state) || !input.canResend) return 'fail';
  const verdict = input.verdict();
  if (verdict === 'healthy') return 'resend';
  if (verdict === 'unknown' && waited < 2 * input.windowMs) return 'wait';
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
