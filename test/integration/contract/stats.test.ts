/**
 * StatsRepository contract: the same cases against FakeStats and DynamoStatsRepository (the `deliveries` table on
 * DynamoDB Local). Each snapshot is kept only if it is newer than the stored one, compared as instants.
 */
import { describe, expect, it } from 'vitest';
import { DynamoStatsRepository } from '#adapters/dynamodb/stats.ts';
import { EMPTY_REAL_TIME, EMPTY_TRACKING, type RealTimeCounts, type TrackingCounts } from '#domain/kpis.ts';
import type { StatsRepository } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeStats } from '#test/helpers/fakes/index.ts';
import { type Implementation, rejection, unique } from './support.ts';

const implementations: Array<Implementation<StatsRepository>> = [
  { name: 'FakeStats', make: () => new FakeStats() },
  {
    name: 'DynamoStatsRepository',
    make: () => new DynamoStatsRepository({ client: documentClient(), tableName: sharedTables().deliveries }),
  },
];

const realTime = (sent: number): RealTimeCounts => ({ ...EMPTY_REAL_TIME, sent, processed: sent });
const tracking = (opens: number): TrackingCounts => ({ ...EMPTY_TRACKING, opens });

describe.each(implementations)('StatsRepository contract: $name', ({ make }) => {
  it('has no snapshot before the first computation', async () => {
    expect(await make().get(unique('d'))).toEqual({ realTime: null, tracking: null });
  });

  it('keeps the newest snapshot: an older or equal time loses, compared as instants, not as text', async () => {
    const stats = make();
    const id = unique('d');
    expect(await stats.putRealTime(id, { counts: realTime(5), computedAt: '2026-11-22T10:00:00.000Z' })).toBe(
      true,
    );
    expect(await stats.putRealTime(id, { counts: realTime(3), computedAt: '2026-11-22T09:59:59.999Z' })).toBe(
      false,
    );
    expect(await stats.putRealTime(id, { counts: realTime(4), computedAt: '2026-11-22T10:00:00Z' })).toBe(
      false,
    );
    expect(await stats.putRealTime(id, { counts: realTime(6), computedAt: '2026-11-22T10:00:00.001Z' })).toBe(
      true,
    );
    // Without milliseconds, yet later.
    expect(await stats.putRealTime(id, { counts: realTime(7), computedAt: '2026-11-22T10:00:01Z' })).toBe(
      true,
    );
    expect(await stats.get(id)).toEqual({
      realTime: { counts: realTime(7), computedAt: '2026-11-22T10:00:01Z' },
      tracking: null,
    });
  });

  it('keeps the tracking snapshot apart from the real-time one, with the same rule', async () => {
    const stats = make();
    const id = unique('d');
    await stats.putRealTime(id, { counts: realTime(5), computedAt: '2026-11-22T10:00:00.000Z' });
    expect(await stats.putTracking(id, { counts: tracking(2), computedAt: '2026-11-22T09:00:00.000Z' })).toBe(
      true,
    );
    expect(await stats.putTracking(id, { counts: tracking(1), computedAt: '2026-11-22T08:00:00.000Z' })).toBe(
      false,
    );
    expect(await stats.get(id)).toEqual({
      realTime: { counts: realTime(5), computedAt: '2026-11-22T10:00:00.000Z' },
      tracking: { counts: tracking(2), computedAt: '2026-11-22T09:00:00.000Z' },
    });
  });

  it('lets exactly one of many concurrent writers with the same newest time win', async () => {
    const stats = make();
    const id = unique('d');
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        stats.putRealTime(id, { counts: realTime(n), computedAt: '2026-11-22T10:00:00.000Z' }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('refuses a computedAt that is not a date-time (a 400 on computedAt), storing nothing', async () => {
    const stats = make();
    const id = unique('d');
    const error = await rejection(stats.putRealTime(id, { counts: realTime(1), computedAt: 'yesterday' }));
    expect(error.kind).toBe('invalid');
    expect(error.details?.fields).toEqual([{ field: 'computedAt', message: expect.any(String) }]);
    expect(await stats.get(id)).toEqual({ realTime: null, tracking: null });
  });
});

describe.each(implementations)('StatsRepository contract, batched reads: $name', ({ make }) => {
  it('getMany answers what get answers for each delivery, nulls for one never computed', async () => {
    const stats = make();
    const [a, b, none] = [unique('d'), unique('d'), unique('d')];
    await stats.putRealTime(a, { counts: realTime(5), computedAt: '2026-11-22T10:00:00.000Z' });
    await stats.putTracking(a, { counts: tracking(2), computedAt: '2026-11-22T10:00:01.000Z' });
    await stats.putTracking(b, { counts: tracking(7), computedAt: '2026-11-22T11:00:00.000Z' });
    const many = await stats.getMany([a, b, none]);
    expect(many.get(a)).toEqual(await stats.get(a));
    expect(many.get(b)).toEqual({
      realTime: null,
      tracking: { counts: tracking(7), computedAt: '2026-11-22T11:00:00.000Z' },
    });
    expect(many.get(none)).toEqual({ realTime: null, tracking: null });
  });
});
