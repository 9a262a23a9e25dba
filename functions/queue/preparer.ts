/** Prepare queue consumer: runs (or resumes) a preparation, handing over to a continuation before its timeout. */
import { runPreparationJob } from '../../shared/use-cases/preparation.ts';
import { preparerAdapters } from '../lib/adapters.ts';
import { logger } from '../lib/http.ts';
import { budget, queueConsumer } from '../lib/queue.ts';
import { prepareJob } from './jobs.ts';

const deps = preparerAdapters();

export const handler = queueConsumer(prepareJob, async (job, context) => {
  const result = await runPreparationJob(deps, job, budget(context, 60_000));
  logger.info('Preparation job', {
    ...job,
    result: typeof result === 'string' || result === null ? result : result.state,
  });
});
