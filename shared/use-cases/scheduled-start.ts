/**
 * The target of the deliveries' schedules (EventBridge Scheduler hands over the schedule's input).
 * One-time: a scheduled delivery starts sending (or fails if the schedule fired more than an hour late); firing
 * twice changes nothing.
 * Recurring: one execution per occurrence, keyed by the occurrence time (a repeated firing finds it): the previous
 * executions still waiting for a confirm expire; the new one is prepared at once (and, without
 * requestConfirmation, sent after preparation by the preparer).
 */
import {
  createExecution,
  expireExecution,
  failDelivery,
  fireSchedule,
  startPreparation,
} from '#domain/delivery.ts';
import { isDomainError } from '#domain/errors.ts';
import { MAX_START_DELAY_MS } from '#domain/sending.ts';
import type { Clock, DeliveryRepository, PreparationStarter, ScheduleInput } from '#ports/index.ts';
import type { SendStarter } from './control.ts';

export interface ScheduledStartDeps {
  deliveries: DeliveryRepository;
  preparer: PreparationStarter;
  sendStarter: SendStarter;
  clock: Clock;
}

const ignoreConflict = async <T>(work: () => Promise<T>): Promise<T | null> => {
  try {
    return await work();
  } catch (error) {
    if (isDomainError(error) && error.kind === 'conflict') return null;
    throw error;
  }
};

/** The id of the execution of one occurrence: stable, so a repeated firing creates nothing new. */
export const executionId = (parentId: string, occurrence: Date): string =>
  `${parentId}-${occurrence.toISOString().replace(/[-:]/g, '').slice(0, 13)}`;

export const onSchedule = async (
  deps: ScheduledStartDeps,
  input: ScheduleInput,
): Promise<'started' | 'failed' | 'execution-created' | 'ignored'> => {
  const now = deps.clock.now();
  const delivery = await deps.deliveries.get(input.deliveryId);
  if (!delivery) return 'ignored';
  const occurrence = new Date(input.scheduledTime);
  const scheduledAt = Number.isNaN(occurrence.getTime()) ? now : occurrence;
  if (input.kind === 'once') {
    if (delivery.state !== 'scheduled' || delivery.recurrence) return 'ignored';
    if (now.getTime() - scheduledAt.getTime() > MAX_START_DELAY_MS) {
      const reason = `Fired too late: scheduled for ${scheduledAt.toISOString()}, started at ${now.toISOString()}.`;
      return (await ignoreConflict(() => deps.deliveries.apply(failDelivery(delivery, reason, now))))
        ? 'failed'
        : 'ignored';
    }
    const sending = await ignoreConflict(() => deps.deliveries.apply(fireSchedule(delivery, now)));
    if (!sending) return 'ignored';
    await deps.sendStarter.start(sending);
    return 'started';
  }
  if (delivery.state !== 'scheduled' || !delivery.recurrence) return 'ignored';
  const id = executionId(delivery.id, scheduledAt);
  let cursor: string | undefined;
  do {
    const page = await deps.deliveries.list({ parentId: delivery.id }, { cursor, limit: 100 });
    for (const execution of page.items) {
      if (execution.id !== id && ['ready', 'preparing', 'preparation-failed'].includes(execution.state)) {
        await ignoreConflict(() => deps.deliveries.apply(expireExecution(execution, now)));
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const execution = createExecution(delivery, id, scheduledAt, now);
  const created = await ignoreConflict(() => deps.deliveries.create(execution).then(() => execution));
  const stored = created ?? (await deps.deliveries.get(execution.id));
  if (stored?.state !== 'editing') return 'ignored';
  const preparing = await ignoreConflict(() => deps.deliveries.apply(startPreparation(stored, null, now)));
  if (!preparing) return 'ignored';
  await deps.preparer.start({ deliveryId: preparing.id, version: preparing.version });
  return 'execution-created';
};
