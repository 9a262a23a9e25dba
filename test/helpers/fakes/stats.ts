import { isNewer, type RealTimeCounts, type Snapshot, type TrackingCounts } from '#domain/kpis.ts';
import { invalid } from '#domain/errors.ts';
import type { StatsRepository } from '#ports/index.ts';
import { clone } from './support.ts';

/** The adapter's check: a snapshot time that is not a date-time is a 400 on computedAt. */
const checkTime = (computedAt: string): void => {
  if (Number.isNaN(Date.parse(computedAt))) {
    throw invalid('The snapshot time is not valid.', [
      { field: 'computedAt', message: 'must be an ISO date-time' },
    ]);
  }
};

/** KPI snapshots, each kept only if newer than the stored one (compared as instants). */
export class FakeStats implements StatsRepository {
  readonly realTime = new Map<string, Snapshot<RealTimeCounts>>();
  readonly tracking = new Map<string, Snapshot<TrackingCounts>>();
  /** Calls to `get` and `getMany` (a list must batch its reads). */
  readonly calls = { get: 0, getMany: 0 };
  async getMany(ids: readonly string[]) {
    this.calls.getMany++;
    return new Map(
      ids.map((id) => [
        id,
        clone({ realTime: this.realTime.get(id) ?? null, tracking: this.tracking.get(id) ?? null }),
      ]),
    );
  }
  async get(id: string) {
    this.calls.get++;
    return clone({ realTime: this.realTime.get(id) ?? null, tracking: this.tracking.get(id) ?? null });
  }
  async putRealTime(id: string, s: Snapshot<RealTimeCounts>) {
    checkTime(s.computedAt);
    if (!isNewer(s.computedAt, this.realTime.get(id)?.computedAt)) return false;
    this.realTime.set(id, clone(s));
    return true;
  }
  async putTracking(id: string, s: Snapshot<TrackingCounts>) {
    checkTime(s.computedAt);
    if (!isNewer(s.computedAt, this.tracking.get(id)?.computedAt)) return false;
    this.tracking.set(id, clone(s));
    return true;
  }
}
