import { isNewer, type RealTimeCounts, type Snapshot, type TrackingCounts } from '#domain/kpis.ts';
import type { StatsRepository } from '#ports/index.ts';

export class FakeStats implements StatsRepository {
  readonly realTime = new Map<string, Snapshot<RealTimeCounts>>();
  readonly tracking = new Map<string, Snapshot<TrackingCounts>>();
  async get(id: string) {
    return { realTime: this.realTime.get(id) ?? null, tracking: this.tracking.get(id) ?? null };
  }
  async putRealTime(id: string, s: Snapshot<RealTimeCounts>) {
    if (!isNewer(s.computedAt, this.realTime.get(id)?.computedAt)) return false;
    this.realTime.set(id, s);
    return true;
  }
  async putTracking(id: string, s: Snapshot<TrackingCounts>) {
    if (!isNewer(s.computedAt, this.tracking.get(id)?.computedAt)) return false;
    this.tracking.set(id, s);
    return true;
  }
}
