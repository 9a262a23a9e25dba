/**
 * The sweeper's in-doubt recipients (DESIGN section 5, "Sending"; the policy: shared/domain/in-doubt.ts). For each
 * recipient of a delivery in doubt longer than the reconciliation window:
 *  1. the delivery's event path is healthy (its Send events cover what it had sent a window ago), the ingesters' lag
 *     has been waited out too (`resendWaitMs`: its own Send event may be behind a backlog), and the send goes on
 *     (or finished with it in doubt): the recipient is sent **once** more. The arming is a conditional write
 *     made before the SES call (`armResend`: only an in-doubt recipient never resent, and it starts a new window),
 *     so a crash between the call and its record leaves it in doubt and armed: its Send event reconciles it, or
 *     the next expiry fails it; it is never sent a third time. SES accepted → sent with its message id
 *     (`markResent`, only under this run's arming); rejected → failed (error); throttled → the arming is withdrawn
 *     while it backs off (a crash then leaves it to a later sweep: SES took nothing) and made again before the next
 *     attempt; throttled too long, the daily quota or sending paused → the arming is withdrawn (a later sweep
 *     resends it) and this run resends no more; unknown → left armed, in doubt;
 *  2. a recipient resent before (the arming is refused) fails "in doubt: no SES record";
 *  3. the path is unhealthy, or gave no verdict for a second window: it fails the same way, and `InDoubtResendWithheld`
 *     (an alarm) counts it;
 *  4. a paused delivery's in-doubt recipients wait for its resume; a stopped (or failed) one's fail.
 * Every sweep also records the delivery's `sent` counter (a mark), against which the path is judged a window later.
 */
import { type Delivery } from '#domain/delivery.ts';
import {
  type EventPathVerdict,
  eventPathVerdict,
  inDoubtDecision,
  inEvidenceSample,
  type LagMinute,
  minuteOf,
  nextMarks,
  resendWaitMs,
  type SentMark,
} from '#domain/in-doubt.ts';
import { IN_DOUBT_FAILURE } from '#domain/resend.ts';
import { backoffDelay, messageTags, type Pacer, personalize } from '#domain/sending.ts';
import type {
  Clock,
  CounterName,
  Counters,
  EmailSender,
  IngestLag,
  LogRef,
  RecipientLedger,
  SweepEntry,
  SweepRegistry,
  UnsubscribeConfig,
} from '#ports/index.ts';
import type { Metrics } from '#ports/metrics.ts';
import type { CounterBatch } from './counter-batch.ts';
import { unsubscribeHeaderField } from './unsubscribe.ts';

/** What the sweeper needs to resend an in-doubt recipient; without it, in-doubt recipients fail after the window. */
export interface ResendDeps {
  email: EmailSender;
  /** Paces the resends (the sweeper's share of the send rate). */
  pacer: Pacer;
  unsubscribe?: UnsubscribeConfig;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** This sweep run: the arming's owner (unique per run). */
  owner: string;
  /** Throttled attempts of one resend before this run gives up resending (default 5). */
  maxThrottleRetries?: number;
}

export interface InDoubtDeps {
  ledger: RecipientLedger;
  counters: Counters;
  /** The time of each resend's arming and record (the sweep's start is older, by as long as it ran). */
  clock: Clock;
  inDoubtWindowMs: number;
  resend?: ResendDeps;
  metrics?: Metrics;
  /**
   * The ingesters' lag and the events queue's visibility timeout: a resend waits them out too
   * (shared/domain/in-doubt.ts `resendWaitMs`). Without it, the window alone.
   */
  ingestLag?: { lag: IngestLag; redeliveryMs: number };
}

export interface InDoubtReport {
  /** Failed "in doubt: no SES record" (or what SES said of a resend it rejected). */
  expired: number;
  /** Sent once more, SES accepted (or its outcome unknown: still in doubt, armed). */
  resent: number;
  /** Of the expired: failed because the event path was not demonstrably healthy. */
  withheld: number;
  /** Still in doubt (inside the window, waiting, or resent and waiting for its event). */
  left: number;
}

const PAGE = 250;
/**
 * Resends of one page in flight at once (under the one pacer): a crash between a resend's arming and SES's answer
 * leaves that recipient without a message (it is never sent a third time), so the resends of a crash's many
 * in-doubt recipients are kept short, not one after another for minutes.
 */
const RESENDS_IN_FLIGHT = 16;

/**
 * Runs `work` on every item, at most `limit` at once; a failure stops its worker, the others finish what they hold
 * and take no more, and the first failure is thrown once all have stopped (nothing is left running after it).
 */
const inParallel = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) => {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
};

/** Applies the in-doubt policy to every in-doubt recipient of a delivery (counter deltas go to `batch`). */
export const settleInDoubt = async (
  deps: InDoubtDeps,
  delivery: Delivery,
  watched: SweepEntry,
  ref: LogRef,
  now: Date,
  batch: CounterBatch,
): Promise<InDoubtReport> => {
  const report: InDoubtReport = { expired: 0, resent: 0, withheld: 0, left: 0 };
  const at = now.toISOString();
  let verdict: EventPathVerdict | undefined;
  const judge = () => verdict ?? 'unknown';
  // Read once, and only when a recipient's window has passed.
  const ensureVerdict = async () => {
    verdict ??= eventPathVerdict(
      watched.marks ?? [],
      (await deps.counters.read(ref.deliveryId)).sendEvents,
      now,
      deps.inDoubtWindowMs,
    );
  };
  // The ingesters' lag, read once from the earliest minute a resend candidate needs (again if an older one does).
  let lag: { from: string; minutes: LagMinute[] } | undefined;
  const ensureLag = async (since: string) => {
    if (!deps.ingestLag || (lag && lag.from <= minuteOf(since))) return;
    lag = { from: minuteOf(since), minutes: await deps.ingestLag.lag.since(new Date(since)) };
  };
  const lagWait = (since: string) =>
    deps.ingestLag && lag ? resendWaitMs(lag.minutes, since, deps.ingestLag.redeliveryMs) : 0;
  let resending = deps.resend !== undefined;
  let after: string | null = null;
  do {
    const page: Awaited<ReturnType<RecipientLedger['inDoubt']>> = await deps.ledger.inDoubt(ref, after, PAGE);
    const resends: string[] = [];
    for (const { recipientId, since } of page.entries) {
      const expiredWindow = now.getTime() - Date.parse(since) >= deps.inDoubtWindowMs;
      if (expiredWindow && resending) {
        await ensureVerdict();
        if (verdict === 'healthy') await ensureLag(since);
      }
      const decision = inDoubtDecision({
        since,
        now,
        windowMs: deps.inDoubtWindowMs,
        state: delivery.state,
        verdict: judge,
        canResend: resending,
        lagWaitMs: () => lagWait(since),
      });
      if (decision === 'wait') {
        report.left++;
        continue;
      }
      if (decision === 'resend') {
        resends.push(recipientId);
        continue;
      }
      if (!(await expire(deps, ref, recipientId, IN_DOUBT_FAILURE, at, batch))) continue; // reconciled meanwhile
      report.expired++;
      if (decision === 'fail-and-alarm') {
        report.withheld++;
        deps.metrics?.count('InDoubtResendWithheld', 1);
      }
    }
    await inParallel(resends, RESENDS_IN_FLIGHT, async (recipientId) => {
      if (!resending) {
        report.left++; // SES stopped taking them: a later sweep resends it
        return;
      }
      const outcome = await resendOnce(deps, deps.resend!, delivery, ref, recipientId, batch);
      if (outcome === 'resent' || outcome === 'resent-unknown') report.resent++;
      if (outcome === 'resent-unknown' || outcome === 'stop' || outcome === 'left') report.left++;
      if (outcome === 'stop') resending = false;
      if (outcome === 'failed') report.expired++;
      // Resent once already, and no event named it since: it fails.
      if (outcome === 'resent-before' && (await expire(deps, ref, recipientId, IN_DOUBT_FAILURE, at, batch)))
        report.expired++;
    });
    after = page.last;
  } while (after !== null);
  return report;
};

/** In doubt → failed (error) with `reason`, once; its counters and metrics. */
const expire = async (
  deps: InDoubtDeps,
  ref: LogRef,
  recipientId: string,
  reason: string,
  at: string,
  batch: CounterBatch,
): Promise<boolean> => {
  const failed = await deps.ledger.expireInDoubt(ref, recipientId, {
    failureType: 'error',
    failureReason: reason,
    at,
  });
  if (failed) {
    deps.metrics?.count('InDoubtExpired', 1);
    deps.metrics?.count('RecipientsFailed', 1, { FailureType: 'error' });
    batch.add(ref.deliveryId, { processed: 1, bouncesAndErrors: 1 });
  }
  return failed;
};

type ResendOutcome =
  /** SES accepted it: recorded sent (or an event recorded it first). */
  | 'resent'
  /** Its answer was lost (it may have been accepted): in doubt, armed. */
  | 'resent-unknown'
  /** It was resent before (the arming was refused while it is still in doubt): it fails. */
  | 'resent-before'
  /** It is in doubt no more (an event reconciled it meanwhile). */
  | 'moved'
  /** SES rejected it: failed with SES's reason. */
  | 'failed'
  /** SES did not take it (throttled too long, the daily quota, sending paused): disarmed, no more resends this run. */
  | 'stop'
  /** Throttled, then armed by another run while it waited unarmed: that run's to resend. */
  | 'left';

/** The resend of one in-doubt recipient: armed, then one SES call (retried only while throttled), then recorded. */
const resendOnce = async (
  deps: InDoubtDeps,
  resend: ResendDeps,
  delivery: Delivery,
  ref: LogRef,
  recipientId: string,
  batch: CounterBatch,
): Promise<ResendOutcome> => {
  const [page] = await deps.ledger.pagesOf(ref, [recipientId]);
  const target = page?.targets.find((t) => t.recipientId === recipientId);
  const snapshot = delivery.preparation?.snapshot;
  if (!target || !snapshot) return 'resent-before'; // nothing to send it from: it fails
  // Everything that may wait comes before the arming (the signing, the pacer's slot), so that a crash after it is
  // one SES call away at most: an armed recipient is never sent again, so a crash that came between the arming
  // and a call never made would leave it with no message.
  const unsubscribe = await unsubscribeHeaderField(resend.unsubscribe, ref, recipientId);
  const sampled = inEvidenceSample(recipientId, delivery.preparation?.toDeliver ?? 0);
  // Armed once its pacer slot has come; its new window starts then, not when the sweep started.
  const arm = async (): Promise<ResendOutcome | null> => {
    await resend.pacer.take();
    const armedAt = deps.clock.now().toISOString();
    if (await deps.ledger.armResend(ref, recipientId, { at: armedAt, by: resend.owner })) return null;
    const now = await deps.ledger.get(ref, recipientId, { consistent: true });
    return now?.status === 'in-doubt' ? 'resent-before' : 'moved';
  };
  for (let attempt = 0; ; attempt++) {
    const refused = await arm();
    // Armed by another run while this one waited unarmed after a throttled attempt: that run's to resend now.
    if (refused === 'resent-before' && attempt > 0) return 'left';
    if (refused) return refused;
    const outcome = await resend.email.send({
      from: snapshot.content.from,
      to: target.email,
      ...personalize(snapshot.content, target),
      tags: messageTags(ref.deliveryId, ref.version, recipientId, sampled),
      ...unsubscribe,
    });
    if (outcome.kind === 'throttled') deps.metrics?.count('SesThrottles', 1);
    else if (outcome.kind !== 'accepted') deps.metrics?.count('SesSendErrors', 1, { SesError: outcome.kind });
    switch (outcome.kind) {
      case 'accepted': {
        deps.metrics?.count('InDoubtResent', 1);
        const recorded = await deps.ledger.markResent(ref, recipientId, {
          sesMessageId: outcome.messageId,
          at: deps.clock.now().toISOString(),
          by: resend.owner,
        });
        // false: its Send event recorded it first (ingestion counted it).
        if (recorded) {
          deps.metrics?.count('EmailsSent', 1);
          batch.add(ref.deliveryId, sampled ? { ...SENT, evidenceSent: 1 } : SENT);
        }
        return 'resent';
      }
      case 'rejected':
        return (await expire(deps, ref, recipientId, outcome.reason, deps.clock.now().toISOString(), batch))
          ? 'failed'
          : 'moved';
      case 'unknown':
        // It may have been accepted: in doubt, armed (never sent again); its event, or the next expiry, decides.
        deps.metrics?.count('InDoubtResent', 1);
        return 'resent-unknown';
      case 'throttled':
        // Not accepted: it waits unarmed, so that a crash during the backoff leaves it to the next run, not failed.
        await deps.ledger.disarmResend(ref, recipientId, resend.owner);
        if (attempt + 1 < (resend.maxThrottleRetries ?? 5)) {
          await resend.sleep(backoffDelay(attempt, resend.random));
          continue;
        }
        return 'stop';
      case 'daily-quota':
      case 'paused':
        await deps.ledger.disarmResend(ref, recipientId, resend.owner);
        return 'stop';
    }
  }
};

const SENT: Partial<Record<CounterName, number>> = { sent: 1, processed: 1 };

/**
 * Records the delivery's `evidenceSent` and `sendEvents` counters as this sweep saw them: the marks the event path
 * is judged against.
 */
export const recordSentMark = async (
  deps: { registry: SweepRegistry; inDoubtWindowMs: number },
  watched: SweepEntry,
  counts: { evidenceSent: number; sendEvents: number },
  now: Date,
): Promise<void> => {
  const marks = watched.marks ?? [];
  const next = nextMarks(
    marks,
    { at: now.toISOString(), sent: counts.evidenceSent, events: counts.sendEvents } satisfies SentMark,
    now,
    deps.inDoubtWindowMs,
  );
  if (next.length === marks.length && next.every((m, i) => m === marks[i])) return;
  await deps.registry.mark(watched.deliveryId, next);
};
