/** Sending and exclusion logs of a delivery's current preparation (administration role). */
import type { RecipientStatus } from '#domain/kpis.ts';
import { type Actor, assertCan } from '#domain/roles.ts';
import type {
  DeliveryRepository,
  ExclusionLogEntry,
  Page,
  PageRequest,
  RecipientLogRepository,
  SendingLogEntry,
  TrackingLog,
  TrackingLogEntry,
} from '#ports/index.ts';
import { loadDelivery } from './deliveries.ts';

const EMPTY = { items: [], nextCursor: null };

export const sendingLogs = async (
  deps: { deliveries: DeliveryRepository; recipientLog: RecipientLogRepository },
  actor: Actor,
  id: string,
  status: RecipientStatus | undefined,
  page: PageRequest,
): Promise<Page<SendingLogEntry>> => {
  assertCan(actor, 'logs:read');
  const delivery = await loadDelivery(deps, id);
  if (!delivery.preparation) return EMPTY;
  return deps.recipientLog.listSending(
    { deliveryId: id, version: delivery.preparation.version },
    { status },
    page,
  );
};

export const exclusionLogs = async (
  deps: { deliveries: DeliveryRepository; recipientLog: RecipientLogRepository },
  actor: Actor,
  id: string,
  page: PageRequest,
): Promise<Page<ExclusionLogEntry>> => {
  assertCan(actor, 'logs:read');
  const delivery = await loadDelivery(deps, id);
  if (!delivery.preparation) return EMPTY;
  return deps.recipientLog.listExclusions({ deliveryId: id, version: delivery.preparation.version }, page);
};

/** Opens, clicks and opt-outs of a delivery (its tracking log spans its preparations: events name their version). */
export const trackingLogs = async (
  deps: { deliveries: DeliveryRepository; tracking: TrackingLog },
  actor: Actor,
  id: string,
  type: TrackingLogEntry['type'] | undefined,
  page: PageRequest,
): Promise<Page<TrackingLogEntry>> => {
  assertCan(actor, 'logs:read');
  await loadDelivery(deps, id);
  return deps.tracking.list(id, { type }, page);
};
