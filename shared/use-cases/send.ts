/**
 * The sender: one send job (up to 25 recipient ids of one delivery) at a time.
 * Primary course, per recipient:
 *  1. claim it with a conditional write (pending and unclaimed); a refused claim is skipped, or, if abandoned
 *     past its lease without an SES message id, made in-doubt: never sent again;
 *  2. wait for a send slot (all senders together stay under the configured rate);
 *  3. send one SES message through the configuration set, tagged with the delivery and recipient ids, from the
 *     prepared snapshot;
 *  4. record the outcome: sent with its SES message id; throttled → retried with backoff and jitter, never a
 *     failure (given back and the job retried later if it lasts); daily quota exceeded or sending paused → the
 *     delivery pauses; rejected → that recipient fails (error); unknown (the call may have reached SES) → the
 *     claim is left to become in-doubt, and the job is retried.
 * Before each recipient the delivery's state is checked (at most once a second): pause stops new SES calls
 * promptly; stop cancels what is left. When every recipient has settled, the delivery finishes.
 */
import { type Delivery, finishDelivery, suspendDelivery } from '#domain/delivery.ts';
import { isDomainError } from '#domain/errors.ts';
import type { Profile } from '#domain/profiles.ts';
import {
  backoffDelay,
  DEFAULT_LEASE_MS,
  messageTags,
  onRefusedClaim,
  type Pacer,
  personalize,
} from '#domain/sending.ts';
import { allShards, shardOf } from '#domain/shards.ts';
import { CounterBatch, type Deltas } from './counter-batch.ts';
import type {
  Claim,
  Clock,
  Counters,
  DeliveryRepository,
  EmailSender,
  ProfileRepository,
  RecipientLedger,
  SendJob,
  UnsubscribeConfig,
} from '#ports/index.ts';
import type { Metrics } from '#ports/metrics.ts';
import { unsubscribeHeaderField } from './unsubscribe.ts';

export interface SendDeps {
  deliveries: DeliveryRepository;
  profiles: ProfileRepository;
  ledger: RecipientLedger;
  counters: Counters;
  email: EmailSender;
  pacer: Pacer;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Identifies this sender in claims. */
  owner: string;
  leaseMs?: number;
  /** Throttled attempts of one recipient before the job is given back to the queue. */
  maxThrottleRetries?: number;
  /** Time left in this invocation; below `reserveMs` the rest of the job is given back to the queue. */
  remainingMs?: () => number;
  reserveMs?: number;
  /** EmailsSent, SesThrottles, SesSendErrors, RecipientsFailed, RecipientsInDoubt (shared/ports/metrics.ts). */
  metrics?: Metrics;
  /** One-click unsubscribe headers on every message (shared/use-cases/unsubscribe.ts). */
  unsubscribe?: UnsubscribeConfig;
}

/** The job must be retried later (the queue redelivers it); recipients already settled are skipped then. */
export class RetryLater extends Error {
  override name = 'RetryLater';
}

export interface SendReport {
  sent: number;
  failed: number;
  inDoubt: number;
  canceled: number;
  skipped: number;
  outcome: 'done' | 'paused' | 'dropped';
}

const STATE_RECHECK_MS = 1000;
const COUNTER_FLUSH_MS = 1000;

export const sendJob = async (deps: SendDeps, job: SendJob): Promise<SendReport> => {
  const report: SendReport = { sent: 0, failed: 0, inDoubt: 0, canceled: 0, skipped: 0, outcome: 'done' };
  const ref = { deliveryId: job.deliveryId, version: job.version };
  const batch = new CounterBatch();
  const count = (recipientId: string, d: Deltas) => batch.add(job.deliveryId, recipientId, d);
  let delivery = await deps.deliveries.get(job.deliveryId);
  let checkedAt = deps.clock.now().getTime();
  if (!delivery?.preparation?.snapshot || delivery.preparation.version !== job.version) {
    return { ...report, outcome: 'dropped' };
  }
  const profiles = new Map((await deps.profiles.getMany(job.recipientIds)).map((p) => [p.id, p]));
  // Counter deltas are ADDed per shard at most once a second, and at the end: Sent and Processed move as
  // recipients are sent, for about one write per second per sender instead of one per recipient.
  let flushedAt = deps.clock.now().getTime();
  const flush = async () => {
    flushedAt = deps.clock.now().getTime();
    await batch.flush(deps.counters);
  };
  try {
    for (const recipientId of job.recipientIds) {
      if (batch.size > 0 && deps.clock.now().getTime() - flushedAt >= COUNTER_FLUSH_MS) await flush();
      if (deps.remainingMs && deps.remainingMs() < (deps.reserveMs ?? 10_000)) {
        throw new RetryLater('Out of time: the rest of the job goes back to the queue');
      }
      if (deps.clock.now().getTime() - checkedAt >= STATE_RECHECK_MS) {
        delivery = (await deps.deliveries.get(job.deliveryId)) ?? delivery;
        checkedAt = deps.clock.now().getTime();
      }
      if (delivery.state === 'stopped') {
        if (await deps.ledger.cancel(ref, recipientId, deps.clock.now().toISOString())) {
          report.canceled++;
          count(recipientId, { settled: 1 });
        }
        continue;
      }
      if (delivery.state !== 'sending') {
        report.outcome = delivery.state === 'paused' ? 'paused' : 'dropped';
        break;
      }
      const result = await sendOne(deps, delivery, ref, recipientId, profiles.get(recipientId));
      if (result === 'paused') {
        report.outcome = 'paused';
        break;
      }
      if (result === 'sent') {
        report.sent++;
        deps.metrics?.count('EmailsSent', 1);
        count(recipientId, { sent: 1, processed: 1, settled: 1 });
      } else if (result === 'failed') {
        report.failed++;
        deps.metrics?.count('RecipientsFailed', 1, { FailureType: 'error' });
        count(recipientId, { processed: 1, bouncesAndErrors: 1, settled: 1 });
      } else if (result === 'in-doubt') {
        report.inDoubt++;
        deps.metrics?.count('RecipientsInDoubt', 1);
        count(recipientId, { settled: 1 });
      } else report.skipped++;
    }
  } finally {
    await flush();
  }
  if (report.outcome === 'done') {
    await finishIfSettled(deps, job.deliveryId, [...new Set(job.recipientIds.map((r) => shardOf(r)))]);
  }
  return report;
};

type OneResult = 'sent' | 'failed' | 'in-doubt' | 'skipped' | 'paused';

const sendOne = async (
  deps: SendDeps,
  delivery: Delivery,
  ref: { deliveryId: string; version: number },
  recipientId: string,
  profile: Profile | undefined,
): Promise<OneResult> => {
  const snapshot = delivery.preparation!.snapshot!;
  for (let attempt = 0; ; attempt++) {
    // The slot comes first: a claim is held for one SES call only, well inside its lease.
    await deps.pacer.take();
    const now = deps.clock.now();
    const claim: Claim = {
      owner: deps.owner,
      at: now.toISOString(),
      leaseUntil: new Date(now.getTime() + (deps.leaseMs ?? DEFAULT_LEASE_MS)).toISOString(),
    };
    const claimed = await deps.ledger.claim(ref, recipientId, claim);
    if (!claimed.claimed) {
      const decision = onRefusedClaim(claimed.entry, now);
      if (decision !== 'in-doubt' || !claimed.entry?.claim) return 'skipped';
      const marked = await deps.ledger.markInDoubt(ref, recipientId, claimed.entry.claim, now.toISOString());
      return marked ? 'in-doubt' : 'skipped';
    }
    const email = claimed.entry.email || profile?.email;
    if (!email) {
      const failed = await deps.ledger.markFailed(ref, recipientId, claim, {
        failureType: 'error',
        failureReason: 'No address',
        at: deps.clock.now().toISOString(),
      });
      return failed ? 'failed' : 'skipped';
    }
    const outcome = await deps.email.send({
      from: snapshot.content.from,
      to: email,
      ...personalize(snapshot.content, { ...profile, email }),
      tags: messageTags(ref.deliveryId, ref.version, recipientId),
      ...(await unsubscribeHeaderField(deps.unsubscribe, ref, recipientId)),
    });
    const at = deps.clock.now().toISOString();
    if (outcome.kind === 'throttled') deps.metrics?.count('SesThrottles', 1);
    else if (outcome.kind !== 'accepted') deps.metrics?.count('SesSendErrors', 1, { SesError: outcome.kind });
    switch (outcome.kind) {
      case 'accepted':
        // false: the claim was lost meanwhile (made in-doubt by another sender): that one counted it.
        return (await deps.ledger.markSent(ref, recipientId, claim, { sesMessageId: outcome.messageId, at }))
          ? 'sent'
          : 'skipped';
      case 'rejected':
        return (await deps.ledger.markFailed(ref, recipientId, claim, {
          failureType: 'error',
          failureReason: outcome.reason,
          at,
        }))
          ? 'failed'
          : 'skipped';
      case 'throttled':
        // Not accepted: give the claim back while backing off, so it is never held past its lease.
        await deps.ledger.release(ref, recipientId, claim);
        if (attempt + 1 >= (deps.maxThrottleRetries ?? 8)) {
          throw new RetryLater(`SES throttled ${attempt + 1} times: ${outcome.reason}`);
        }
        await deps.sleep(backoffDelay(attempt, deps.random));
        continue;
      case 'daily-quota':
      case 'paused':
        await deps.ledger.release(ref, recipientId, claim);
        await suspend(deps, ref.deliveryId, outcome.reason);
        return 'paused';
      case 'unknown':
        // The call may have reached SES: the claim stays, and becomes in-doubt once its lease is over.
        throw new RetryLater(`SES outcome unknown: ${outcome.reason}`);
    }
  }
};

const suspend = async (deps: SendDeps, deliveryId: string, reason: string): Promise<void> => {
  const delivery = await deps.deliveries.get(deliveryId);
  if (delivery?.state !== 'sending') return;
  try {
    await deps.deliveries.apply(suspendDelivery(delivery, reason, deps.clock.now()));
  } catch (error) {
    if (!(isDomainError(error) && error.kind === 'conflict')) throw error;
  }
};

/**
 * Finishes the delivery once no recipient is pending any more (each is sent, failed, in-doubt or canceled). The
 * ledger decides, not the counters, which a crash between a ledger write and its ADD can leave behind (compute
 * stats repairs them). The shards this job touched are checked first (one query each), so the 16-shard check runs
 * only when they are drained.
 */
export const finishIfSettled = async (
  deps: { deliveries: DeliveryRepository; ledger: RecipientLedger; clock: Clock },
  deliveryId: string,
  touchedShards: readonly number[] = [],
): Promise<boolean> => {
  const delivery = await deps.deliveries.get(deliveryId);
  if (delivery?.state !== 'sending' || !delivery.preparation) return false;
  const ref = { deliveryId, version: delivery.preparation.version };
  const hasPending = async (shard: number) =>
    (await deps.ledger.listByStatus(ref, shard, 'pending', null, 1)).recipientIds.length > 0;
  for (const shard of touchedShards) if (await hasPending(shard)) return false;
  for (const shard of allShards())
    if (!touchedShards.includes(shard) && (await hasPending(shard))) return false;
  try {
    await deps.deliveries.apply(finishDelivery(delivery, deps.clock.now()));
    return true;
  } catch (error) {
    if (isDomainError(error) && error.kind === 'conflict') return false;
    throw error;
  }
};
