/**
 * Compute stats: recomputes every KPI of a delivery from its logs and writes both snapshots as absolute values,
 * each stamped with the time its read started (an older computation never overwrites a newer one).
 * It also repairs the counters the Deployment block reads once a send is confirmed: they drift only when a
 * handler died between a ledger write and its ADD (docs/data-model.md). When the counters did not move during
 * the recount (nothing was being written), the difference between the recount and the counters is ADDed to the
 * adjustment item; while a send is moving, the repair waits for a quiet recount.
 */
import { computeKpis, type Kpis, type RecipientFacts, recount } from '#domain/kpis.ts';
import type {
  Clock,
  CounterName,
  Counters,
  DeliveryRepository,
  RecipientLogRepository,
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
  /** The corrections ADDed to the counters (empty when they agreed, or were moving and the repair waited). */
  repaired: Partial<Record<CounterName, number>>;
}

const same = (a: Record<CounterName, number>, b: Record<CounterName, number>) =>
  (Object.keys(a) as CounterName[]).every((k) => a[k] === b[k]);

export const computeStats = async (
  deps: {
    deliveries: DeliveryRepository;
    stats: StatsRepository;
    recipientLog: RecipientLogRepository;
    counters: Counters;
    clock: Clock;
    /** KpiRepairs (shared/ports/metrics.ts). */
    metrics?: Metrics;
    /** The tracking log: each open and click's classification gives the human open rate and CTR. */
    tracking?: TrackingLog;
  },
  id: string,
): Promise<ComputeStatsResult> => {
  const delivery = await loadDelivery(deps, id);
  const startedAt = deps.clock.now().toISOString();
  const countersBefore = delivery.confirmedAt ? await deps.counters.read(id) : null;
  const facts: RecipientFacts[] = [];
  let settled = 0;
  const toDeliver = delivery.preparation?.toDeliver ?? 0;
  if (delivery.preparation && !delivery.preparation.errors) {
    const ref = { deliveryId: id, version: delivery.preparation.version };
    const human = deps.tracking ? await humanEngagement(deps.tracking, ref) : null;
    let cursor: string | undefined;
    do {
      const page = await deps.recipientLog.listSending(ref, {}, { cursor, limit: 1000 });
      for (const e of page.items) {
        const engaged = human?.get(e.recipientId);
        facts.push({
          status: e.status,
          hasMessageId: !!e.sesMessageId,
          opens: e.opens ?? 0,
          clicks: e.clicks ?? 0,
          ...(human ? { humanOpens: engaged?.opens ?? 0, humanClicks: engaged?.clicks ?? 0 } : {}),
        });
        if (e.status !== 'pending') settled++;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  const { realTime, tracking } = recount(facts, toDeliver);
  const repaired: ComputeStatsResult['repaired'] = {};
  if (countersBefore && same(countersBefore, await deps.counters.read(id))) {
    const truth: Record<CounterName, number> = {
      sent: realTime.sent,
      processed: realTime.processed,
      delivered: realTime.delivered,
      bouncesAndErrors: realTime.bouncesAndErrors,
      settled,
      opens: tracking.opens,
      uniqueOpens: tracking.uniqueOpens,
      clicks: tracking.clicks,
      uniqueClicks: tracking.uniqueClicks,
      // Not a KPI (no log to recount it from): never repaired.
      sendEvents: countersBefore.sendEvents,
    };
    for (const k of Object.keys(truth) as CounterName[]) {
      if (truth[k] !== countersBefore[k]) repaired[k] = truth[k] - countersBefore[k];
    }
    if (Object.keys(repaired).length > 0) {
      await deps.counters.adjust(id, repaired);
      deps.metrics?.count('KpiRepairs', 1);
    }
  }
  await Promise.all([
    deps.stats.putRealTime(id, { counts: realTime, computedAt: startedAt }),
    deps.stats.putTracking(id, { counts: tracking, computedAt: startedAt }),
  ]);
  return {
    deliveryId: id,
    kpis: computeKpis(realTime, tracking),
    computedAt: { realTime: startedAt, tracking: startedAt },
    repaired,
  };
};
