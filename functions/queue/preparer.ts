/** Prepare queue consumer: runs (or resumes) a preparation, handing over to a continuation before its timeout. */
import { prepareJobSchema } from '#ports/index.ts';
import { runPreparationJob } from '#use-cases/preparation.ts';
import { preparerAdapters } from '#functions/lib/adapters.ts';
import { logger } from '#functions/lib/http.ts';
import { budget, queueConsumer } from '#functions/lib/queue.ts';

const deps = preparerAdapters();

export const handler = queueConsumer(prepareJobSchema, async (job, context) => {
  const result = await runPreparationJob(deps, job, budget(context, 60_000));
  logger.info('Preparation job', {
    ...job,
    result: typeof result === 'string' || result === null ? result : result.state,
  });
});
