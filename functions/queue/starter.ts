/** Start queue consumer: enqueues a delivery's pending recipients (start, resume) or cancels them (stop). */
import { startJobSchema } from '#ports/index.ts';
import { runStartJob } from '#use-cases/start.ts';
import { starterAdapters } from '#functions/lib/adapters.ts';
import { logger } from '#functions/lib/http.ts';
import { budget, queueConsumer } from '#functions/lib/queue.ts';

const deps = starterAdapters();

export const handler = queueConsumer(startJobSchema, async (job, context) => {
  logger.info('Start job', { ...job, result: await runStartJob(deps, job, budget(context, 60_000)) });
});
