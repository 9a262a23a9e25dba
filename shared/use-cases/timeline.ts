/**
 * The timeline of a delivery's send (the dashboard's chart): reads the sending log of the prepared version, as
 * compute-stats does, and buckets its times (shared/domain/timeline.ts). Before preparation it is empty.
 */
import { buildTimeline, type Timeline, type TimelineFacts } from '#domain/timeline.ts';
import type { DeliveryRepository, RecipientLogRepository } from '#ports/index.ts';
import { loadDelivery } from './deliveries.ts';

export const deliveryTimeline = async (
  deps: { deliveries: DeliveryRepository; recipientLog: RecipientLogRepository },
  id: string,
): Promise<Timeline & { deliveryId: string }> => {
  const delivery = await loadDelivery(deps, id);
  const facts: TimelineFacts[] = [];
  if (delivery.preparation && !delivery.preparation.errors) {
    const ref = { deliveryId: id, version: delivery.preparation.version };
    let cursor: string | undefined;
    do {
      const page = await deps.recipientLog.listSending(ref, {}, { cursor, limit: 1000 });
      facts.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return { deliveryId: id, ...buildTimeline(facts) };
};
