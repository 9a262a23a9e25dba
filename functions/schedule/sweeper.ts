/**
 * The sweeper, every few minutes (an EventBridge rule in AWS, an interval locally): abandoned claims become
 * in-doubt, in-doubt recipients are resent once or fail after the reconciliation window, stalled sends are
 * re-driven, settled sends finish (shared/use-cases/sweep.ts). The event (a scheduled event) carries nothing it
 * needs. Resends are paced at one sender's share of the rate (the quota is read only when a run resends).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createPacer, senderRate } from '#domain/sending.ts';
import type { Pacer } from '#domain/sending.ts';
import { sweep } from '#use-cases/sweep.ts';
import { sweeperAdapters } from '#functions/lib/adapters.ts';
import { settingsFromEnv } from '#functions/lib/config.ts';
import { directHandler } from '#functions/lib/direct.ts';
import { logger, metrics } from '#functions/lib/observability.ts';
import { budget } from '#functions/lib/queue.ts';

const { account, email, unsubscribe, ...deps } = sweeperAdapters();
const pacing = settingsFromEnv(['SEND_RATE_FRACTION', 'SEND_RATE_LIMIT', 'SENDER_MAX_CONCURRENCY']);

/** A pacer made on the run's first resend, at one sender's share of the account's rate. */
const lazyPacer = (): Pacer => {
  let pacer: Promise<Pacer> | undefined;
  return {
    take: async () => {
      pacer ??= account.quota().then((quota) =>
        createPacer(
          senderRate(
            quota.maxSendRate,
            pacing.SEND_RATE_FRACTION,
            pacing.SENDER_MAX_CONCURRENCY,
            pacing.SEND_RATE_LIMIT,
          ),
          () => Date.now(),
          (ms) => sleep(ms),
        ),
      );
      await (await pacer).take();
    },
  };
};

export const handler = directHandler(async (_event, context) => {
  const resend = {
    email,
    unsubscribe,
    pacer: lazyPacer(),
    sleep: (ms: number) => sleep(ms),
    random: Math.random,
    owner: `sweep:${context.awsRequestId}`,
  };
  const report = await sweep({ ...deps, resend }, budget(context, 30_000));
  for (const d of report.deliveries) {
    if (d.madeInDoubt || d.expired || d.resent || d.redriven || d.finished || d.released)
      logger.info('Swept', { ...d });
    if (d.withheld > 0)
      logger.warn(
        "In-doubt recipients failed, not resent: the delivery's event path is not demonstrably healthy",
        {
          deliveryId: d.deliveryId,
          withheld: d.withheld,
        },
      );
  }
  for (const { deliveryId, error } of report.errors) logger.error('Sweep failed', { deliveryId, error });
  if (report.errors.length > 0) metrics.count('SweepErrors', report.errors.length);
  return { swept: report.deliveries.length, more: report.more, failed: report.errors.length };
});
