import type { RealTimeCounts, Snapshot, TrackingCounts } from '#domain/kpis.ts';

export interface StoredSnapshots {
  realTime: Snapshot<RealTimeCounts> | null;
  tracking: Snapshot<TrackingCounts> | null;
}

export interface StatsRepository {
  /** `get` for several deliveries in batched reads (a list's Deployment blocks), by delivery id. */
  getMany(deliveryIds: readonly string[]): Promise<Map<string, StoredSnapshots>>;
  get(deliveryId: string): Promise<{
    realTime: Snapshot<RealTimeCounts> | null;
    tracking: Snapshot<TrackingCounts> | null;
  }>;
  /** Conditional on being newer than the stored snapshot: returns false when an older computation lost. */
  putRealTime(deliveryId: string, snapshot: Snapshot<RealTimeCounts>): Promise<boolean>;
  putTracking(deliveryId: string, snapshot: Snapshot<TrackingCounts>): Promise<boolean>;
}
