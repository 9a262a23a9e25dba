import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DynamoStatsRepository } from '#adapters/dynamodb/stats.ts';
import { isDomainError } from '#domain/errors.ts';
import type { RealTimeCounts, TrackingCounts } from '#domain/kpis.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';

const realTime = (sent: number): RealTimeCounts => ({
  toDeliver: 200,
  sent,
  processed: sent + 2,
  delivered: sent - 8,
  bouncesAndErrors: 4,
});
const tracking = (opens: number): TrackingCounts => ({
  opens,
  uniqueOpens: opens - 9,
  clicks: 12,
  uniqueClicks: 9,
  delivered: 110,
});

describe('DynamoStatsRepository (DynamoDB Local)', () => {
  const stats = () =>
    new DynamoStatsRepository({ client: documentClient(), tableName: sharedTables().deliveries });

  it('has no snapshot before the first computation', async () => {
    expect(await stats().get(`none-${randomUUID()}`)).toEqual({ realTime: null, tracking: null });
  });

  it('keeps the newest real-time snapshot: an older or equal computedAt loses and returns false', async () => {
    const repo = stats();
    const id = `rt-${randomUUID()}`;
    expect(
      await repo.putRealTime(id, { counts: realTime(100), computedAt: '2026-11-22T10:00:04.000Z' }),
    ).toBe(true);
    expect(await repo.putRealTime(id, { counts: realTime(50), computedAt: '2026-11-22T10:00:03.999Z' })).toBe(
      false,
    );
    // The same instant written without milliseconds is not newer.
    expect(await repo.putRealTime(id, { counts: realTime(60), computedAt: '2026-11-22T10:00:04Z' })).toBe(
      false,
    );
    expect((await repo.get(id)).realTime).toEqual({
      counts: realTime(100),
      computedAt: '2026-11-22T10:00:04.000Z',
    });
    expect(await repo.putRealTime(id, { counts: realTime(118), computedAt: '2026-11-22T10:00:05Z' })).toBe(
      true,
    );
    expect((await repo.get(id)).realTime).toEqual({
      counts: realTime(118),
      computedAt: '2026-11-22T10:00:05Z',
    });
  });

  it('keeps the tracking snapshot apart from the real-time one, with the same rule', async () => {
    const repo = stats();
    const id = `tr-${randomUUID()}`;
    expect(await repo.putRealTime(id, { counts: realTime(10), computedAt: '2026-11-22T11:00:00Z' })).toBe(
      true,
    );
    // Older than the real-time snapshot but the first tracking one: it wins.
    expect(await repo.putTracking(id, { counts: tracking(40), computedAt: '2026-11-22T10:00:00Z' })).toBe(
      true,
    );
    expect(await repo.putTracking(id, { counts: tracking(20), computedAt: '2026-11-22T09:00:00Z' })).toBe(
      false,
    );
    expect(await repo.get(id)).toEqual({
      realTime: { counts: realTime(10), computedAt: '2026-11-22T11:00:00Z' },
      tracking: { counts: tracking(40), computedAt: '2026-11-22T10:00:00Z' },
    });
  });

  it('lets exactly one of many concurrent writers with the same newest time win', async () => {
    const repo = stats();
    const id = `race-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        repo.putRealTime(id, { counts: realTime(100 + i), computedAt: '2026-11-22T12:00:00Z' }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('refuses a computedAt that is not a date-time', async () => {
    const error = await stats()
      .putRealTime('x', { counts: realTime(1), computedAt: 'yesterday' })
      .catch((e: unknown) => e);
    expect(isDomainError(error) && error.kind).toBe('invalid');
  });
});
