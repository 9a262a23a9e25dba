/**
 * Send queue consumer: one SES message per recipient, paced so that all senders together (the event source's
 * maximum concurrency) stay under a fraction of the SES account's max send rate.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createPacer, type Pacer, senderRate } from '#domain/sending.ts';
import { sendJobSchema } from '#ports/index.ts';
import { sendJob } from '#use-cases/send.ts';
import { senderAdapters } from '#functions/lib/adapters.ts';
import { pacingFromEnv } from '#functions/lib/config.ts';
import { logger, metrics } from '#functions/lib/observability.ts';
import { queueConsumer } from '#functions/lib/queue.ts';

const deps = senderAdapters();
const pacing = pacingFromEnv();

/**
 * This invocation's pacer. In Lambda one execution environment runs one invocation at a time, so each concurrent
 * sender paces itself at rate / maxConcurrency; the local runtime runs several invocations in one process, which
 * is why the pacer belongs to the invocation, not to the module. The quota read is cached for a minute.
 */
const invocationPacer = async (): Promise<Pacer> => {
  const quota = await deps.account.quota();
  const rate = senderRate(quota.maxSendRate, pacing.fraction, pacing.concurrency, pacing.limit);
  // The target of all senders together (each paces at rate / maxConcurrency), beside EmailsSent on the dashboard.
  metrics.gauge('SendRateTarget', rate * pacing.concurrency);
  return createPacer(
    rate,
    () => Date.now(),
    (ms) => sleep(ms),
  );
};

export const handler = queueConsumer(sendJobSchema, async (job, context) => {
  const report = await sendJob(
    {
      ...deps,
      pacer: await invocationPacer(),
      sleep: (ms) => sleep(ms),
      random: Math.random,
      owner: context.awsRequestId,
      remainingMs: () => context.getRemainingTimeInMillis(),
      ...(pacing.leaseMs === undefined ? {} : { leaseMs: pacing.leaseMs }),
    },
    job,
  );
  logger.info('Send job', { deliveryId: job.deliveryId, recipients: job.recipientIds.length, ...report });
});
