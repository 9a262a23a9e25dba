/**
 * Target of the deliveries' EventBridge Scheduler schedules: the event is the schedule's input (no envelope).
 * An invalid input is logged and dropped (retrying it cannot help); other failures throw. Scheduler invokes the
 * function asynchronously, so Lambda retries a failure (twice) and then sends the invocation record, the input in
 * its requestPayload, to the function's on-failure destination, the schedules' DLQ (alarmed; `npm run redrive --
 * schedules` invokes the function again with each input). What Scheduler itself cannot hand to Lambda lands in the
 * same queue, the input as the body.
 */
import { scheduleInputSchema } from '#ports/index.ts';
import { onSchedule } from '#use-cases/scheduled-start.ts';
import { scheduledStartAdapters } from '#functions/lib/adapters.ts';
import { directHandler } from '#functions/lib/direct.ts';
import { logger, metrics } from '#functions/lib/observability.ts';

const deps = scheduledStartAdapters();

export const handler = directHandler(
  async (event): Promise<{ result: string }> => {
    const input = scheduleInputSchema.safeParse(event);
    if (!input.success) {
      logger.error('Invalid schedule input: dropped', { issues: input.error.issues });
      metrics.count('ScheduledStarts', 1, { Result: 'invalid' });
      return { result: 'invalid' };
    }
    const result = await onSchedule(deps, input.data);
    logger.info('Schedule fired', { ...input.data, result });
    metrics.count('ScheduledStarts', 1, { Result: result });
    return { result };
  },
  { logEvent: true },
);
