/**
 * The sweeper (every few minutes): nothing is left unaccounted after a crash (DESIGN section 5, "Sending").
 * For each delivery registered when its send started:
 *  1. a pending recipient whose claim outlived its lease with no SES message id becomes in-doubt (never resent);
 *  2. an in-doubt recipient no SES event named within the reconciliation window fails (error,
 *     "in doubt: no SES record");
 *  3. a send (or a stop) whose unclaimed pending recipients made no progress since the previous sweep is
 *     re-driven: a new start (or cancel) run enqueues them again (the senders' claims make a duplicate harmless);
 *  4. a sending delivery with nothing pending finishes;
 *  5. a delivery that is over (finished, stopped, failed or expired) with no in-doubt recipient left is no longer
 *     watched; its statistics are computed one last time from the logs, which also repairs counters a crash left
 *     behind (shared/use-cases/stats.ts).
 */
import type { RecipientStatus } from '#domain/kpis.ts';
import { IN_DOUBT_FAILURE } from '#domain/resend.ts';
import { allShards } from '#domain/shards.ts';
import type {
  Clock,
  Counters,
  DeliveryRepository,
  JobQueue,
  LedgerEntry,
  LogRef,
  RecipientLedger,
  RecipientLogRepository,
  StartJob,
  StatsRepository,
  SweepEntry,
  SweepRegistry,
  TrackingLog,
} from '#ports/index.ts';
import type { Metrics } from '#ports/metrics.ts';
import { CounterBatch } from './counter-batch.ts';
import { finishIfSettled } from './send.ts';
import { computeStats } from './stats.ts';

export const IN_DOUBT_REASON = IN_DOUBT_FAILURE;
const PAGE = 250;

export interface SweepDeps {
  registry: SweepRegistry;
  deliveries: DeliveryRepository;
  ledger: RecipientLedger;
  counters: Counters;
  startQueue: JobQueue<StartJob>;
  stats: StatsRepository;
  recipientLog: RecipientLogRepository;
  clock: Clock;
  /** How long an in-doubt recipient waits for an SES event naming it. */
  inDoubtWindowMs: number;
  /** RecipientsInDoubt, InDoubtExpired, RecipientsFailed, SendsRedriven, KpiRepairs (shared/ports/metrics.ts). */
  metrics?: Metrics;
  /** The tracking log, for the human open rate and CTR of the statistics computed when a send is let go. */
  tracking?: TrackingLog;
}

export interface DeliverySweep {
  deliveryId: string;
  madeInDoubt: number;
  expired: number;
  inDoubtLeft: number;
  unclaimedPending: number;
  redriven: boolean;
  finished: boolean;
  released: boolean;
}

export interface SweepReport {
  deliveries: DeliverySweep[];
  /** Deliveries whose sweep failed (retried next run); the others were swept regardless. */
  errors: Array<{ deliveryId: string; error: Error }>;
  /** More deliveries were left for the next run (out of time). */
  more: boolean;
}

/** Every entry of one status in a shard, page by page. */
const eachOfStatus = async function* (
  ledger: RecipientLedger,
  ref: LogRef,
  shard: number,
  status: RecipientStatus,
): AsyncGenerator<LedgerEntry> {
  let after: string | null = null;
  do {
    const page = await ledger.entriesByStatus(ref, shard, status, after, PAGE);
    yield* page.entries;
    after = page.last;
  } while (after !== null);
};

const WATCHED = new Set(['sending', 'paused']);

export const sweepDelivery = async (deps: SweepDeps, watched: SweepEntry): Promise<DeliverySweep> => {
  const report: DeliverySweep = {
    deliveryId: watched.deliveryId,
    madeInDoubt: 0,
    expired: 0,
    inDoubtLeft: 0,
    unclaimedPending: 0,
    redriven: false,
    finished: false,
    released: false,
  };
  const delivery = await deps.deliveries.get(watched.deliveryId);
  if (!delivery?.preparation) {
    await deps.registry.remove(watched.deliveryId);
    return { ...report, released: true };
  }
  const ref = { deliveryId: delivery.id, version: delivery.preparation.version };
  const now = deps.clock.now();
  const at = now.toISOString();
  const batch = new CounterBatch();
  try {
    for (const shard of allShards()) {
      for await (const entry of eachOfStatus(deps.ledger, ref, shard, 'pending')) {
        const id = entry.recipientId;
        if (!entry.claim) {
          report.unclaimedPending++;
          continue;
        }
        if (Date.parse(entry.claim.leaseUntil) <= now.getTime() && !entry.sesMessageId) {
          if (await deps.ledger.markInDoubt(ref, id, entry.claim, at)) {
            report.madeInDoubt++;
            deps.metrics?.count('RecipientsInDoubt', 1);
            batch.add(ref.deliveryId, id, { settled: 1 });
          }
        }
      }
      for await (const entry of eachOfStatus(deps.ledger, ref, shard, 'in-doubt')) {
        const id = entry.recipientId;
        if (now.getTime() - Date.parse(entry.updatedAt) < deps.inDoubtWindowMs) {
          report.inDoubtLeft++;
          continue;
        }
        const failed = await deps.ledger.markFailed(ref, id, null, {
          failureType: 'error',
          failureReason: IN_DOUBT_REASON,
          at,
        });
        if (failed) {
          report.expired++;
          deps.metrics?.count('InDoubtExpired', 1);
          deps.metrics?.count('RecipientsFailed', 1, { FailureType: 'error' });
          batch.add(ref.deliveryId, id, { processed: 1, bouncesAndErrors: 1 });
        } else report.inDoubtLeft++;
      }
    }
  } finally {
    await batch.flush(deps.counters);
  }
  const stalledState = delivery.state === 'sending' || delivery.state === 'stopped';
  if (stalledState && report.unclaimedPending > 0) {
    const { settled } = await deps.counters.read(delivery.id);
    const stalled = watched.sweptAt !== undefined && watched.settled === settled;
    if (stalled) {
      await deps.startQueue.send([
        {
          kind: delivery.state === 'sending' ? 'start' : 'cancel',
          deliveryId: delivery.id,
          version: ref.version,
          run: `sweep-${at}`,
        },
      ]);
      report.redriven = true;
      deps.metrics?.count('SendsRedriven', 1);
    }
    await deps.registry.update(delivery.id, { settled, sweptAt: at });
  }
  if (delivery.state === 'sending' && report.unclaimedPending === 0) {
    report.finished = await finishIfSettled(deps, delivery.id);
  }
  // Sending and paused deliveries stay watched; any other state is over (a sent delivery is never prepared again).
  const over = report.finished || !WATCHED.has(delivery.state);
  if (over && report.inDoubtLeft === 0 && report.unclaimedPending === 0) {
    await computeStats(deps, delivery.id);
    await deps.registry.remove(delivery.id);
    report.released = true;
  }
  return report;
};

/** Sweeps every watched delivery, within a time budget (the rest waits for the next run). */
export const sweep = async (deps: SweepDeps, budgetMs: number): Promise<SweepReport> => {
  const startedAt = deps.clock.now().getTime();
  const deliveries: DeliverySweep[] = [];
  const errors: SweepReport['errors'] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.registry.list({ cursor, limit: 100 });
    for (const watched of page.items) {
      if (deps.clock.now().getTime() - startedAt > budgetMs) return { deliveries, errors, more: true };
      try {
        deliveries.push(await sweepDelivery(deps, watched));
      } catch (error) {
        // One delivery's trouble never stops the others' sweep; it is retried next run.
        errors.push({ deliveryId: watched.deliveryId, error: error as Error });
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { deliveries, errors, more: false };
};
