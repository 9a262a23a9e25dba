import type { RealTimeCounts, Snapshot, TrackingCounts } from '#domain/kpis.ts';

export interface StatsRepository {
  get(deliveryId: string): Promise<{
    realTime: Snapshot<RealTimeCounts> | null;
    tracking: Snapshot<TrackingCounts> | null;
  }>;
  /** Conditional on being newer than the stored snapshot: returns false when an older computation lost. */
  putRealTime(deliveryId: string, snapshot: Snapshot<RealTimeCounts>): Promise<boolean>;
  putTracking(deliveryId: string, snapshot: Snapshot<TrackingCounts>): Promise<boolean>;
}
