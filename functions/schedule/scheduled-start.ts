/**
 * Target of the deliveries' EventBridge Scheduler schedules: the event is the schedule's input (no envelope).
 * An invalid input is logged and dropped (retrying it cannot help); other failures throw, so Scheduler retries
 * and then sends the input to the schedules' DLQ.
 */
import { scheduleInputSchema } from '#ports/index.ts';
import { onSchedule } from '#use-cases/scheduled-start.ts';
import { scheduledStartAdapters } from '#functions/lib/adapters.ts';
import { directHandler } from '#functions/lib/direct.ts';
import { logger } from '#functions/lib/http.ts';

const deps = scheduledStartAdapters();

export const handler = directHandler(
  async (event): Promise<{ result: string }> => {
    const input = scheduleInputSchema.safeParse(event);
    if (!input.success) {
      logger.error('Invalid schedule input: dropped', { issues: input.error.issues });
      return { result: 'invalid' };
    }
    const result = await onSchedule(deps, input.data);
    logger.info('Schedule fired', { ...input.data, result });
    return { result };
  },
  { logEvent: true },
);
