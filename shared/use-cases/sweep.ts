/**
 * The sweeper (every few minutes): nothing is left unaccounted after a crash (DESIGN section 5, "Sending").
 * For each delivery registered when its send started:
 *  1. a recipient in the window of a page lease that expired, with no entry (its SES call may have been accepted),
 *     becomes in-doubt (not sent again while SES may have accepted it); the window is emptied;
 *  2. an in-doubt recipient no SES event named within the reconciliation window is sent once more while the
 *     delivery's event path is healthy, else (or when it was resent already) fails (error, "in doubt: no SES
 *     record"): shared/use-cases/in-doubt.ts, which also records the sent counter the path is judged against;
 *  3. a send (or a stop) whose pending recipients made no progress since the previous sweep (its settled counter
 *     did not move) is checked against the ledger and re-driven if some wait for a sender: a new start (or cancel)
 *     run enqueues them again (the page leases and the entries' conditional writes make a duplicate harmless);
 *  4. a sending delivery with nothing pending finishes;
 *  5. a delivery that is over (finished, stopped, failed or expired) with no in-doubt recipient left is no longer
 *     watched; its statistics are computed one last time from the logs, which also repairs counters a crash left
 *     behind (shared/use-cases/stats.ts).
 */
import { IN_DOUBT_FAILURE } from '#domain/resend.ts';
import { allShards } from '#domain/shards.ts';
import type {
  Clock,
  Counters,
  DeliveryRepository,
  JobQueue,
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
import { countPending } from './pending.ts';
import { type InDoubtDeps, recordSentMark, type ResendDeps, settleInDoubt } from './in-doubt.ts';
import { finishIfSettled } from './send.ts';
import { computeStats, healCounters } from './stats.ts';

export const IN_DOUBT_REASON = IN_DOUBT_FAILURE;

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
  /**
   * RecipientsInDoubt, InDoubtExpired, InDoubtResent, InDoubtResendWithheld, RecipientsFailed, SendsRedriven,
   * KpiRepairs (shared/ports/metrics.ts).
   */
  metrics?: Metrics;
  /** The tracking log, for the human open rate and CTR of the statistics computed when a send is let go. */
  tracking?: TrackingLog;
  /** What the once-only resend of an in-doubt recipient needs; without it, they fail after the window. */
  resend?: ResendDeps;
  /** The ingesters' lag a resend waits out (InDoubtDeps in ./in-doubt.ts). */
  ingestLag?: InDoubtDeps['ingestLag'];
  /** How long after a sending-log write its ADD may still land (topology/topology.ts `counterSettleSeconds`). */
  counterSettleMs: number;
}

export interface DeliverySweep {
  deliveryId: string;
  madeInDoubt: number;
  expired: number;
  /** In-doubt recipients sent once more (shared/use-cases/in-doubt.ts). */
  resent: number;
  /** Of the expired: failed because the event path was not demonstrably healthy (an alarm). */
  withheld: number;
  inDoubtLeft: number;
  unclaimedPending: number;
  redriven: boolean;
  finished: boolean;
  released: boolean;
  /** Over, but kept: its counters differ from its log and their repair waits until then. */
  repairAfter: string | null;
}

export interface SweepReport {
  deliveries: DeliverySweep[];
  /** Deliveries whose sweep failed (retried next run); the others were swept regardless. */
  errors: Array<{ deliveryId: string; error: Error }>;
  /** More deliveries were left for the next run (out of time). */
  more: boolean;
}

/** Makes the recipients of expired lease windows in-doubt (those without an entry), then empties the windows. */
const settleAbandonedWindows = async (
  deps: SweepDeps,
  ref: LogRef,
  now: Date,
  batch: CounterBatch,
): Promise<number> => {
  let made = 0;
  for (const shard of allShards()) {
    for (const [pageId, lease] of await deps.ledger.leases(ref, shard)) {
      if (lease.window.length === 0 || Date.parse(lease.leaseUntil) > now.getTime()) continue;
      const [page] = await deps.ledger.pagesOf(ref, [pageId]);
      if (!page) continue;
      const entries = await deps.ledger.entriesOf(ref, page);
      for (const target of page.targets) {
        if (!lease.window.includes(target.recipientId) || entries.has(target.recipientId)) continue;
        if (await deps.ledger.markInDoubt(ref, target, now.toISOString())) {
          made++;
          deps.metrics?.count('RecipientsInDoubt', 1);
          batch.add(ref.deliveryId, { settled: 1 });
        }
      }
      // Emptied under the lease as read: a sender that took the page over meanwhile keeps its own window, and so
      // does a late holder that wrote its lease since (its calls waited for the pacer past its lease): emptied, its
      // new recipients would be no suspects to the next sender of the page, which would send them too.
      await deps.ledger.release(ref, page, lease, now);
    }
  }
  return made;
};

const WATCHED = new Set(['sending', 'paused']);
/** States in which a sender or a cancel run may have left a lease behind. */
const LIVE = new Set(['sending', 'paused', 'stopped']);

export const sweepDelivery = async (deps: SweepDeps, watched: SweepEntry): Promise<DeliverySweep> => {
  const report: DeliverySweep = {
    deliveryId: watched.deliveryId,
    madeInDoubt: 0,
    expired: 0,
    resent: 0,
    withheld: 0,
    inDoubtLeft: 0,
    unclaimedPending: 0,
    redriven: false,
    finished: false,
    released: false,
    repairAfter: null,
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
    if (LIVE.has(delivery.state)) report.madeInDoubt = await settleAbandonedWindows(deps, ref, now, batch);
    const inDoubt = await settleInDoubt(deps, delivery, watched, ref, now, batch);
    report.expired = inDoubt.expired;
    report.resent = inDoubt.resent;
    report.withheld = inDoubt.withheld;
    report.inDoubtLeft = inDoubt.left;
  } finally {
    await batch.flush(deps.counters);
  }
  // The counters say whether anything is pending; the ledger is read only when a send seems stalled.
  const counts = await deps.counters.read(delivery.id);
  const { settled } = counts;
  await recordSentMark(deps, watched, counts, now);
  const estimate = Math.max(0, delivery.preparation.toDeliver - settled);
  let checked = false;
  const stalledState = delivery.state === 'sending' || delivery.state === 'stopped';
  if (stalledState && estimate > 0) {
    const stalled = watched.sweptAt !== undefined && watched.settled === settled;
    report.unclaimedPending = estimate;
    if (stalled) {
      const pending = await countPending(deps.ledger, ref, now);
      checked = true;
      report.unclaimedPending = pending.waiting;
      if (pending.waiting > 0) {
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
      if (pending.inFlight > 0) report.unclaimedPending += pending.inFlight;
    }
    await deps.registry.update(delivery.id, { settled, sweptAt: at });
  }
  if (delivery.state === 'sending' && report.unclaimedPending === 0) {
    report.finished = await finishIfSettled(deps, delivery.id, { force: checked || estimate === 0 });
  }
  // Sending and paused deliveries stay watched; any other state is over (a sent delivery is never prepared again).
  const over = report.finished || !WATCHED.has(delivery.state);
  if (over) await settleCounters(deps, watched, ref, report, now);
  return report;
};

/** A delivery kept watched after it is over (in-doubt recipients wait out their window) is healed this often. */
const HEAL_EVERY_MS = 3_600_000;

/**
 * The counters of a delivery that is over: it is let go once they agree with its log (the statistics computed from
 * its logs repair them). A repair waits while the log's last writes are recent (their ADDs may be on their way:
 * shared/use-cases/stats.ts), and is tried again at the first sweep after it can succeed, not recounted at every
 * sweep before. A delivery kept for its in-doubt recipients (a day, by default) is not let go, but its live KPIs
 * are healed once its log settled, then every hour while it is kept.
 */
const settleCounters = async (
  deps: SweepDeps,
  watched: SweepEntry,
  ref: LogRef,
  report: DeliverySweep,
  now: Date,
): Promise<void> => {
  if (watched.repairAfter !== undefined && Date.parse(watched.repairAfter) > now.getTime()) {
    report.repairAfter = watched.repairAfter;
    return;
  }
  // A sweep that resent someone keeps watching: its events are still to come.
  if (report.inDoubtLeft === 0 && report.unclaimedPending === 0 && report.resent === 0) {
    const { pendingRepair } = await computeStats(deps, ref.deliveryId);
    if (pendingRepair) {
      await deps.registry.noteRepair(ref.deliveryId, { repairAfter: pendingRepair.retryAfter });
      report.repairAfter = pendingRepair.retryAfter;
      return;
    }
    await deps.registry.remove(ref.deliveryId);
    report.released = true;
    return;
  }
  if (watched.healedAt !== undefined && now.getTime() - Date.parse(watched.healedAt) < HEAL_EVERY_MS) return;
  const { pendingRepair } = await healCounters(deps, ref);
  if (pendingRepair) report.repairAfter = pendingRepair.retryAfter;
  await deps.registry.noteRepair(
    ref.deliveryId,
    pendingRepair ? { repairAfter: pendingRepair.retryAfter } : { healedAt: now.toISOString() },
  );
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
