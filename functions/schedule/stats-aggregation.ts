/**
 * The hourly stats aggregation (an EventBridge rule `rate(1 hour)` in AWS, an interval locally): refreshes the
 * snapshots of every delivery sending or active since the last run (shared/use-cases/aggregation.ts). The event (a
 * scheduled event) carries nothing it needs.
 */
import { aggregateStats } from '#use-cases/aggregation.ts';
import { statsAggregationAdapters } from '#functions/lib/adapters.ts';
import { directHandler } from '#functions/lib/direct.ts';
import { logger, metrics } from '#functions/lib/observability.ts';

const deps = statsAggregationAdapters();

export const handler = directHandler(async () => {
  const report = await aggregateStats(deps);
  for (const { deliveryId, error } of report.errors)
    logger.error('Stats aggregation failed', { deliveryId, error });
  if (report.errors.length > 0) metrics.count('StatsAggregationErrors', report.errors.length);
  logger.info('Stats aggregated', { hours: report.hours.length, refreshed: report.refreshed.length });
  return { hours: report.hours, refreshed: report.refreshed, failed: report.errors.map((e) => e.deliveryId) };
});
