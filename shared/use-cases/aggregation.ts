/**
 * The hourly stats aggregation (DESIGN section 5, the tracking snapshot): for every delivery that is sending or
 * that SES events touched since the last run, it refreshes both snapshots from the delivery's counters (one batched
 * read) and the tracking log's human opens and clicks: the tracking snapshot (opens, unique opens, clicks, unique
 * clicks, human figures, with the Delivered count of that moment: open rate and CTR's denominator) and the
 * real-time one.
 *
 * Its cost grows with the deliveries active since its last run, never with every log written: ingestion marks the
 * deliveries it touched in an hourly bucket (`ActivityRegistry`), and a run reads the buckets from the last hour it
 * completed (read again: a mark may land just after a run read its bucket) to the current one. Runs are idempotent
 * and may overlap: a snapshot is written only if its read started later than the stored one's, so a run that fails
 * part-way leaves every snapshot as new as it found it or newer; `through` moves forward only after every delivery
 * of a run was refreshed (a failed one is read again next run), and never back.
 */
import { boundedRealTime, boundedTracking, humanCounts } from '#domain/kpis.ts';
import type {
  ActivityRegistry,
  Clock,
  Counters,
  DeliveryRepository,
  StatsRepository,
  TrackingLog,
} from '#ports/index.ts';
import { humanEngagement } from './engagement.ts';

/** Events arrive for 60 days after a send (opens, clicks): buckets older than that are never read. */
export const REPORTING_WINDOW_HOURS = 60 * 24;
const HOUR_MS = 3_600_000;

/** The bucket of an instant: `YYYY-MM-DDTHH` (UTC). */
export const hourOf = (at: Date): string => at.toISOString().slice(0, 13);
const hourStart = (hour: string): number => Date.parse(`${hour}:00:00Z`);

export interface AggregationDeps {
  activity: ActivityRegistry;
  deliveries: DeliveryRepository;
  counters: Counters;
  stats: StatsRepository;
  clock: Clock;
  /** The tracking log: the human opens and clicks (shared/domain/engagement.ts). */
  tracking?: TrackingLog | undefined;
}

export interface AggregationReport {
  /** The hourly buckets read. */
  hours: string[];
  refreshed: string[];
  errors: Array<{ deliveryId: string; error: Error }>;
}

/** Refreshes one delivery's snapshots from its counters and tracking log; false when it has none to show. */
export const refreshSnapshots = async (deps: AggregationDeps, deliveryId: string): Promise<boolean> => {
  const delivery = await deps.deliveries.get(deliveryId);
  if (!delivery?.preparation || !delivery.confirmedAt || delivery.recurrence) return false;
  const ref = { deliveryId, version: delivery.preparation.version };
  const computedAt = deps.clock.now().toISOString();
  const [c, human] = await Promise.all([
    deps.counters.read(deliveryId),
    deps.tracking ? humanEngagement(deps.tracking, ref).then((m) => humanCounts(m.values())) : undefined,
  ]);
  const realTime = boundedRealTime({
    toDeliver: delivery.preparation.toDeliver,
    sent: c.sent,
    processed: c.processed,
    delivered: c.delivered,
    bouncesAndErrors: c.bouncesAndErrors,
  });
  const tracking = boundedTracking({
    opens: c.opens,
    uniqueOpens: c.uniqueOpens,
    clicks: c.clicks,
    uniqueClicks: c.uniqueClicks,
    delivered: realTime.delivered,
    ...(human ?? {}),
  });
  await Promise.all([
    deps.stats.putRealTime(deliveryId, { counts: realTime, computedAt }),
    deps.stats.putTracking(deliveryId, { counts: tracking, computedAt }),
  ]);
  return true;
};

/** The deliveries a run refreshes: those marked active from `through` to now, and those sending. */
const activeDeliveries = async (deps: AggregationDeps, hours: readonly string[]): Promise<Set<string>> => {
  const ids = new Set<string>();
  for (const hour of hours) for (const id of await deps.activity.active(hour)) ids.add(id);
  let cursor: string | undefined;
  do {
    const page = await deps.deliveries.list({ state: 'sending' }, { cursor, limit: 100 });
    for (const d of page.items) ids.add(d.id);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
};

export const aggregateStats = async (
  deps: AggregationDeps,
  options: { concurrency?: number } = {},
): Promise<AggregationReport> => {
  const now = deps.clock.now();
  const current = hourOf(now);
  const oldest = now.getTime() - REPORTING_WINDOW_HOURS * HOUR_MS;
  const through = await deps.activity.through();
  // From the last hour completed (read again), or the previous hour on a first run; never past the window.
  const first = Math.max(
    through ? hourStart(through) : hourStart(current) - HOUR_MS,
    hourStart(hourOf(new Date(oldest))),
  );
  const hours: string[] = [];
  for (let t = first; t <= hourStart(current); t += HOUR_MS) hours.push(hourOf(new Date(t)));
  const ids = [...(await activeDeliveries(deps, hours))].sort();
  const report: AggregationReport = { hours, refreshed: [], errors: [] };
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        if (await refreshSnapshots(deps, id)) report.refreshed.push(id);
      } catch (error) {
        // One delivery's trouble never stops the others; its bucket is read again next run.
        report.errors.push({ deliveryId: id, error: error as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  // The current hour is still being marked: the next run reads it again.
  if (report.errors.length === 0) await deps.activity.advance(hourOf(new Date(hourStart(current) - HOUR_MS)));
  report.refreshed.sort();
  return report;
};
