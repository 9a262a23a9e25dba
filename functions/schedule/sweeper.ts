/**
 * The sweeper, every few minutes (an EventBridge rule in AWS, an interval locally): abandoned claims become
 * in-doubt, in-doubt recipients fail after the reconciliation window, stalled sends are re-driven, settled sends
 * finish (shared/use-cases/sweep.ts). The event (a scheduled event) carries nothing it needs.
 */
import { sweep } from '#use-cases/sweep.ts';
import { sweeperAdapters } from '#functions/lib/adapters.ts';
import { directHandler } from '#functions/lib/direct.ts';
import { logger, metrics } from '#functions/lib/observability.ts';
import { budget } from '#functions/lib/queue.ts';

const deps = sweeperAdapters();

export const handler = directHandler(async (_event, context) => {
  const report = await sweep(deps, budget(context, 30_000));
  for (const d of report.deliveries) {
    if (d.madeInDoubt || d.expired || d.redriven || d.finished || d.released) logger.info('Swept', { ...d });
  }
  for (const { deliveryId, error } of report.errors) logger.error('Sweep failed', { deliveryId, error });
  if (report.errors.length > 0) metrics.count('SweepErrors', report.errors.length);
  return { swept: report.deliveries.length, more: report.more, failed: report.errors.length };
});
