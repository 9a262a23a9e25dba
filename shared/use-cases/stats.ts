/**
 * Compute stats: recomputes every KPI of a delivery from its logs and writes both snapshots as absolute values,
 * each stamped with the time its read started (an older computation never overwrites a newer one).
 */
import { computeKpis, type Kpis, type RecipientFacts, recount } from '../domain/kpis.ts';
import type { Clock, DeliveryRepository, RecipientLogRepository, StatsRepository } from '../ports/index.ts';
import { loadDelivery } from './deliveries.ts';

export interface ComputeStatsResult {
  deliveryId: string;
  kpis: Kpis;
  computedAt: { realTime: string; tracking: string };
}

export const computeStats = async (
  deps: {
    deliveries: DeliveryRepository;
    stats: StatsRepository;
    recipientLog: RecipientLogRepository;
    clock: Clock;
  },
  id: string,
): Promise<ComputeStatsResult> => {
  const delivery = await loadDelivery(deps, id);
  const startedAt = deps.clock.now().toISOString();
  const facts: RecipientFacts[] = [];
  const toDeliver = delivery.preparation?.toDeliver ?? 0;
  if (delivery.preparation && !delivery.preparation.errors) {
    const ref = { deliveryId: id, version: delivery.preparation.version };
    let cursor: string | undefined;
    do {
      const page = await deps.recipientLog.listSending(ref, {}, { cursor, limit: 1000 });
      for (const e of page.items) {
        facts.push({
          status: e.status,
          hasMessageId: !!e.sesMessageId,
          opens: e.opens ?? 0,
          clicks: e.clicks ?? 0,
        });
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  const { realTime, tracking } = recount(facts, toDeliver);
  await Promise.all([
    deps.stats.putRealTime(id, { counts: realTime, computedAt: startedAt }),
    deps.stats.putTracking(id, { counts: tracking, computedAt: startedAt }),
  ]);
  return {
    deliveryId: id,
    kpis: computeKpis(realTime, tracking),
    computedAt: { realTime: startedAt, tracking: startedAt },
  };
};
