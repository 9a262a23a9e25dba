/**
 * Compute stats: recomputes every KPI of a delivery from its logs and writes both snapshots as absolute values,
 * each stamped with the time its read started (an older computation never overwrites a newer one).
 *
 * The recount reads each sending-log entry once (`RecipientLedger.scanEntries`), the 16 shards in parallel, folding
 * each page into its shard's tally (shared/domain/kpis.ts `addToTally`): it holds counts, never the entries, so its
 * memory does not grow with the log. A recount that runs out of time (`outOfTime`) saves where each shard stands
 * (`RecountCheckpoints`) and the next run continues from there.
 *
 * It also repairs the counters the Deployment block reads once a send is confirmed: they drift only when a
 * handler died between a ledger write and its ADD (docs/data-model.md). A writer ADDs what it wrote at the end of
 * its batch, so a difference between a recount and the counters is a lost ADD only once the log's last write is
 * older than the longest a writer takes (`counterSettleMs`); before that it may be an ADD still on its way, and
 * repairing it would count that write twice. So the difference is ADDed to the adjustment item only when the
 * counters did not move during the recount and the log has settled; otherwise the repair waits (`pendingRepair`
 * says until when). `healCounters` is the same repair without the snapshots, that the sweeper runs for a delivery
 * it keeps for its in-doubt recipients; it keeps every finished delivery until its repair no longer waits
 * (shared/use-cases/sweep.ts).
 */
import type { DeliveryState } from '#domain/delivery.ts';
import {
  addToTally,
  computeKpis,
  emptyTally,
  humanCounts,
  type Kpis,
  type LogTally,
  mergeTallies,
  tallyCounts,
} from '#domain/kpis.ts';
import { allShards } from '#domain/shards.ts';
import type {
  Clock,
  CounterName,
  Counters,
  DeliveryRepository,
  LogRef,
  RecipientLedger,
  RecountCheckpoints,
  ShardPosition,
  StatsRepository,
  TrackingLog,
} from '#ports/index.ts';
import type { Metrics } from '#ports/metrics.ts';
import { loadDelivery } from './deliveries.ts';
import { humanEngagement } from './engagement.ts';

export interface ComputeStatsResult {
  deliveryId: string;
  kpis: Kpis;
  computedAt: { realTime: string; tracking: string };
  /** The corrections ADDed to the counters (empty when they agreed, or the repair waited). */
  repaired: Partial<Record<CounterName, number>>;
  /**
   * Set when the counters differ from the log (or moved during the recount) and the repair waits; null when they
   * agree, were repaired, or the recount is not complete.
   */
  pendingRepair: PendingRepair | null;
  /** False when the recount ran out of time: it continues from its checkpoint at the next run. */
  complete: boolean;
  /** Recipients read so far (those with an entry) against To deliver. */
  progress: { read: number; toDeliver: number };
}

/**
 * Why a repair waits, and from when it can be tried again: `moving`, the counters moved during the recount (events
 * are being counted); `settling`, the log's last write is more recent than the settle time (its ADD may be on its
 * way).
 */
export interface PendingRepair {
  reason: 'moving' | 'settling';
  retryAfter: string;
}

/** A recount continues from a checkpoint at most this old. */
const CHECKPOINT_MAX_AGE_MS = 3_600_000;

/** Entries read per Query (about 150 bytes each as projected: well under the 1 MB a Query answers). */
const SCAN_PAGE = 1000;

export interface RecountOptions {
  /** Checked before each read: true stops the recount where it is (the positions say where). */
  outOfTime?: () => boolean;
  /** Called after each page with the recipients read so far (all shards). */
  onProgress?: (read: number) => void;
  pageSize?: number;
}

/**
 * Reads a log's entries, the 16 shards in parallel, from `from` (a checkpoint's positions) or the start, until done
 * or out of time. Each entry is read once and folded into its shard's tally.
 */
export const recountLog = async (
  ledger: RecipientLedger,
  ref: LogRef,
  from: readonly ShardPosition[] | null,
  options: RecountOptions = {},
): Promise<{ complete: boolean; shards: ShardPosition[]; tally: LogTally; lastChangeMs: number }> => {
  const shards: ShardPosition[] = allShards().map((shard) => {
    const saved = from?.[shard];
    return saved
      ? { after: saved.after, done: saved.done, tally: { ...saved.tally }, lastChangeMs: saved.lastChangeMs }
      : { after: null, done: false, tally: emptyTally(), lastChangeMs: 0 };
  });
  const readSoFar = () => shards.reduce((n, s) => n + s.tally.settled, 0);
  await Promise.all(
    shards.map(async (position, shard) => {
      while (!position.done && !options.outOfTime?.()) {
        const page = await ledger.scanEntries(ref, shard, position.after, options.pageSize ?? SCAN_PAGE);
        for (const entry of page.entries) {
          addToTally(position.tally, entry);
          position.lastChangeMs = Math.max(position.lastChangeMs, Date.parse(entry.updatedAt) || 0);
        }
        position.after = page.last ?? position.after;
        position.done = page.last === null;
        options.onProgress?.(readSoFar());
      }
    }),
  );
  return {
    complete: shards.every((s) => s.done),
    shards,
    tally: mergeTallies(...shards.map((s) => s.tally)),
    lastChangeMs: Math.max(...shards.map((s) => s.lastChangeMs)),
  };
};

/** The counters that are not KPIs: the in-doubt resend's evidence (shared/domain/in-doubt.ts). */
const EVIDENCE: ReadonlySet<CounterName> = new Set(['sendEvents', 'evidenceSent']);

/**
 * The KPI counters did not move between two reads. The evidence counters are left out: ingestion ADDs
 * `sendEvents` for Send events, so counting it would keep a send's recount from ever being quiet and its repair
 * from ever running.
 */
const same = (a: Record<CounterName, number>, b: Record<CounterName, number>) =>
  (Object.keys(a) as CounterName[]).every((k) => EVIDENCE.has(k) || a[k] === b[k]);

/**
 * The counters a recount says are right (a tally's keys are the KPI counters' names). The evidence counters are not
 * KPIs and have no log to recount them from: they keep what the counters read, so they are never repaired.
 */
const truthOf = (tally: LogTally, before: Record<CounterName, number>): Record<CounterName, number> => ({
  ...tally,
  sendEvents: before.sendEvents,
  evidenceSent: before.evidenceSent,
});

/** What a repair needs: the counters, the clock, and how long a log write's ADD may take to land. */
export interface RepairDeps {
  counters: Counters;
  clock: Clock;
  /** How long after a sending-log write its ADD may still land (topology/topology.ts `counterSettleSeconds`). */
  counterSettleMs: number;
  metrics?: Metrics | undefined;
}

interface RepairOutcome {
  repaired: Partial<Record<CounterName, number>>;
  pendingRepair: PendingRepair | null;
}

/**
 * ADDs `truth − before` to the adjustment item when the counters still read `before` (nothing moved during the
 * recount) and the log's last write (`lastChangeMs`) is older than the settle time: every ADD of a write the recount
 * saw has landed by then, or never will (its writer died). Counters that agree with the log need nothing; otherwise
 * the repair waits (`pendingRepair`).
 */
const repairIfSettled = async (
  deps: RepairDeps,
  deliveryId: string,
  before: Record<CounterName, number>,
  truth: Record<CounterName, number>,
  lastChangeMs: number,
): Promise<RepairOutcome> => {
  const now = deps.clock.now().getTime();
  const settledAt = lastChangeMs + deps.counterSettleMs;
  const retryAfter = new Date(Math.max(now, settledAt)).toISOString();
  const after = await deps.counters.read(deliveryId);
  if (!same(before, after)) {
    // They moved, to what the log says: the ADDs of writes the recount saw landed meanwhile. Nothing to repair.
    if (same(after, truth)) return { repaired: {}, pendingRepair: null };
    return { repaired: {}, pendingRepair: { reason: 'moving', retryAfter } };
  }
  const difference: Partial<Record<CounterName, number>> = {};
  for (const k of Object.keys(truth) as CounterName[]) {
    if (truth[k] !== before[k]) difference[k] = truth[k] - before[k];
  }
  if (Object.keys(difference).length === 0) return { repaired: {}, pendingRepair: null };
  if (now < settledAt) return { repaired: {}, pendingRepair: { reason: 'settling', retryAfter } };
  await deps.counters.adjust(deliveryId, difference);
  deps.metrics?.count('KpiRepairs', 1);
  return { repaired: difference, pendingRepair: null };
};

/**
 * Makes a log's counters agree with the log: a recount between two reads of the counters, repaired when they did
 * not move and the log has settled (`repairIfSettled`). The sweeper runs it for a finished delivery it keeps for
 * its in-doubt recipients, so its live KPIs agree with its log while it waits for them; a repair that waits is
 * tried again at its `retryAfter` (shared/use-cases/sweep.ts).
 */
export const healCounters = async (
  deps: RepairDeps & { ledger: RecipientLedger },
  ref: LogRef,
): Promise<RepairOutcome> => {
  const before = await deps.counters.read(ref.deliveryId);
  const { tally, lastChangeMs } = await recountLog(deps.ledger, ref, null);
  return repairIfSettled(deps, ref.deliveryId, before, truthOf(tally, before), lastChangeMs);
};

/** A repair's needs (KpiRepairs counted in `metrics`), and the logs and snapshots. */
export interface ComputeStatsDeps extends RepairDeps {
  deliveries: DeliveryRepository;
  stats: StatsRepository;
  ledger: RecipientLedger;
  /** The tracking log: each open and click's classification gives the human open rate and CTR. */
  tracking?: TrackingLog | undefined;
  /** Where a recount too large for one run stands; without it a recount always runs to its end. */
  recountCheckpoints?: RecountCheckpoints | undefined;
}

export const computeStats = async (
  deps: ComputeStatsDeps,
  id: string,
  options: RecountOptions = {},
): Promise<ComputeStatsResult> => {
  const delivery = await loadDelivery(deps, id);
  const toDeliver = delivery.preparation?.toDeliver ?? 0;
  const prepared = delivery.preparation && !delivery.preparation.errors ? delivery.preparation : null;
  const ref = prepared ? { deliveryId: id, version: prepared.version } : null;
  const found = ref && deps.recountCheckpoints ? await deps.recountCheckpoints.get(id, ref.version) : null;
  // A checkpoint left long ago (its runs stopped) is started afresh: its snapshots would lose to newer ones. So is
  // one written before checkpoints kept when each shard's entries last changed (the repair needs it).
  const saved =
    found &&
    deps.clock.now().getTime() - Date.parse(found.startedAt) <= CHECKPOINT_MAX_AGE_MS &&
    found.shards.every((shard) => typeof shard.lastChangeMs === 'number')
      ? found
      : null;
  const startedAt = saved?.startedAt ?? deps.clock.now().toISOString();
  const countersBefore = saved
    ? saved.countersBefore
    : delivery.confirmedAt
      ? await deps.counters.read(id)
      : null;
  let tally = emptyTally();
  let lastChangeMs = 0;
  if (ref) {
    const run = await recountLog(deps.ledger, ref, saved?.shards ?? null, {
      ...options,
      // Without a place to keep its positions, a recount cannot stop part-way.
      outOfTime: deps.recountCheckpoints ? options.outOfTime : undefined,
    });
    tally = run.tally;
    lastChangeMs = run.lastChangeMs;
    if (!run.complete) {
      await deps.recountCheckpoints!.put(id, {
        version: ref.version,
        startedAt,
        countersBefore,
        shards: run.shards,
      });
      const partial = tallyCounts(tally, toDeliver);
      return {
        deliveryId: id,
        kpis: computeKpis(partial.realTime, partial.tracking),
        computedAt: { realTime: startedAt, tracking: startedAt },
        repaired: {},
        pendingRepair: null,
        complete: false,
        progress: { read: tally.settled, toDeliver },
      };
    }
  }
  const human =
    ref && deps.tracking ? humanCounts((await humanEngagement(deps.tracking, ref)).values()) : undefined;
  const { realTime, tracking } = tallyCounts(tally, toDeliver, human);
  const { repaired, pendingRepair } = countersBefore
    ? await repairIfSettled(deps, id, countersBefore, truthOf(tally, countersBefore), lastChangeMs)
    : { repaired: {}, pendingRepair: null };
  await Promise.all([
    deps.stats.putRealTime(id, { counts: realTime, computedAt: startedAt }),
    deps.stats.putTracking(id, { counts: tracking, computedAt: startedAt }),
  ]);
  if (saved) await deps.recountCheckpoints!.remove(id);
  return {
    deliveryId: id,
    kpis: computeKpis(realTime, tracking),
    computedAt: { realTime: startedAt, tracking: startedAt },
    repaired,
    pendingRepair,
    complete: true,
    progress: { read: tally.settled, toDeliver },
  };
};

/** What an operator asks compute stats for (the compute-stats function's event). */
export type ComputeStatsRequest =
  | { deliveryId: string }
  | { deliveryIds: readonly string[] }
  /** Every delivery in `state` created at or after `since` (bulk repair, e.g. all finished deliveries of a week). */
  | { state: DeliveryState; since: string };

export interface BulkComputeStatsResult {
  results: ComputeStatsResult[];
  errors: Array<{ deliveryId: string; message: string }>;
  /** Deliveries not reached (out of time), and those whose recount continues: invoke again with these ids. */
  more: string[];
}

/** The deliveries in `state` created at or after `since`, newest first (the byState index's order). */
const deliveriesSince = async (
  deps: ComputeStatsDeps,
  state: DeliveryState,
  since: string,
): Promise<string[]> => {
  const ids: string[] = [];
  const from = Date.parse(since);
  let cursor: string | undefined;
  do {
    const page = await deps.deliveries.list({ state }, { cursor, limit: 100 });
    for (const d of page.items) {
      if (Date.parse(d.createdAt) < from) return ids;
      ids.push(d.id);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
};

/**
 * Compute stats for one delivery (its result, as the HTTP route answers) or several (bulk repair): each in turn
 * until out of time; an unknown delivery or a failure is reported with the others, never stops them.
 */
export const computeStatsFor = async (
  deps: ComputeStatsDeps,
  request: ComputeStatsRequest,
  options: RecountOptions = {},
): Promise<ComputeStatsResult | BulkComputeStatsResult> => {
  if ('deliveryId' in request) return computeStats(deps, request.deliveryId, options);
  const ids =
    'deliveryIds' in request
      ? [...new Set(request.deliveryIds)]
      : await deliveriesSince(deps, request.state, request.since);
  const out: BulkComputeStatsResult = { results: [], errors: [], more: [] };
  for (const [i, id] of ids.entries()) {
    if (options.outOfTime?.()) {
      out.more.push(...ids.slice(i));
      break;
    }
    try {
      const result = await computeStats(deps, id, options);
      out.results.push(result);
      if (!result.complete) out.more.push(id);
    } catch (error) {
      out.errors.push({ deliveryId: id, message: (error as Error).message });
    }
  }
  return out;
};
