/**
 * The KPI use cases on fakes: the Deployment block within its definitional bounds, lists without a read per
 * delivery, compute stats continued from its checkpoint, the hourly aggregation reading only active deliveries.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { boundedRealTime, buildDeployment } from '#domain/kpis.ts';
import { aggregateStats } from '#use-cases/aggregation.ts';
import { listDeliveries } from '#use-cases/deliveries.ts';
import { computeStats, computeStatsFor, recountLog } from '#use-cases/stats.ts';
import { readyDelivery } from '#test/helpers/deliveries.ts';
import { type FakeDeps, fakeDeps } from '#test/helpers/fakes/index.ts';
import { logEntry, seedLog } from '#test/helpers/sending-log.ts';

let deps: FakeDeps;
beforeEach(() => {
  deps = fakeDeps();
  deps.clock.current = new Date('2026-11-22T10:00:00Z');
});

/** A sending delivery `id` of `n` recipients, the first `sent` of them delivered. */
const sending = async (id: string, n: number, delivered: number) => {
  const d = readyDelivery({}, n);
  const delivery = {
    ...d,
    id,
    state: 'sending' as const,
    confirmedAt: '2026-11-22T09:30:00Z',
    preparation: { ...d.preparation!, version: 1, toDeliver: n },
  };
  await deps.deliveries.create(delivery);
  const ref = { deliveryId: id, version: 1 };
  await seedLog(
    deps.ledger,
    deps.recipientLog,
    Array.from({ length: n }, (_, i) =>
      logEntry(
        ref,
        `r${String(i).padStart(4, '0')}`,
        i < delivered ? 'delivered' : 'pending',
        i < delivered ? '2026-11-22T09:40:00Z' : undefined,
      ),
    ),
  );
  return delivery;
};

describe('the Deployment block stays within the bounds its definitions imply', () => {
  it('never shows Delivered above Sent, Sent above Processed, Processed above To deliver, nor a rate above 1', () => {
    const d = buildDeployment(
      'sending',
      {
        counts: { toDeliver: 10, sent: 12, processed: 3, delivered: 11, bouncesAndErrors: 4 },
        computedAt: '2026-11-22T10:00:00Z',
      },
      {
        counts: { opens: 1, uniqueOpens: 5, clicks: 0, uniqueClicks: 2, delivered: 3 },
        computedAt: '2026-11-22T10:00:00Z',
      },
      10,
    );
    expect(d.kpis).toMatchObject({
      toDeliver: 10,
      sent: 10,
      processed: 10,
      delivered: 10,
      bouncesAndErrors: 0,
    });
    expect(d.kpis.openRate).toBe(1);
    expect(d.kpis.opens).toBeGreaterThanOrEqual(d.kpis.uniqueOpens);
    expect(d.kpis.clicks).toBeGreaterThanOrEqual(d.kpis.uniqueClicks);
    expect(d.progress).toEqual({ processed: 10, toDeliver: 10 });
  });

  it('leaves counts that respect the bounds as they are', () => {
    const counts = { toDeliver: 10, sent: 6, processed: 7, delivered: 4, bouncesAndErrors: 2 };
    expect(boundedRealTime(counts)).toEqual(counts);
  });
});

describe('GET /deliveries: a page of Deployment blocks from batched reads', () => {
  it('reads the snapshots once and the counters once for the whole page, not per delivery', async () => {
    for (let i = 0; i < 5; i++) await sending(`d${i}`, 3, i % 3);
    deps.stats.calls.get = 0;
    deps.counters.calls.read = 0;
    const page = await listDeliveries(deps, {}, { limit: 50 });
    expect(page.items).toHaveLength(5);
    expect(deps.stats.calls).toEqual({ get: 0, getMany: 1 });
    expect(deps.counters.calls).toEqual({ read: 0, readMany: 1 });
  });
});

describe('compute stats at scale', () => {
  it('reads each entry once, shard by shard, and adds up to the same as one whole recount', async () => {
    await sending('big', 300, 120);
    const ref = { deliveryId: 'big', version: 1 };
    const whole = await recountLog(deps.ledger, ref, null);
    const reads: number[] = [];
    const paged = await recountLog(deps.ledger, ref, null, { pageSize: 7, onProgress: (n) => reads.push(n) });
    expect(paged.tally).toEqual(whole.tally);
    expect(whole.tally.settled).toBe(120);
    expect(reads.at(-1)).toBe(120);
  });

  it('continues a recount that ran out of time from its checkpoint, then stores the snapshots', async () => {
    await sending('big', 300, 120);
    let reads = 0;
    const first = await computeStats(deps, 'big', { pageSize: 5, outOfTime: () => reads++ >= 10 });
    expect(first.complete).toBe(false);
    expect(first.progress.read).toBeGreaterThan(0);
    expect(first.progress.read).toBeLessThan(120);
    expect(deps.recountCheckpoints.items.get('big')?.startedAt).toBe('2026-11-22T10:00:00.000Z');
    expect((await deps.stats.get('big')).realTime).toBeNull();
    deps.clock.advance(5_000);
    const second = await computeStats(deps, 'big', { pageSize: 5 });
    expect(second).toMatchObject({ complete: true, progress: { read: 120, toDeliver: 300 } });
    expect(second.kpis).toMatchObject({ sent: 120, delivered: 120, processed: 120 });
    // Stamped with the time the recount started, in its first run.
    expect(second.computedAt.realTime).toBe('2026-11-22T10:00:00.000Z');
    expect(deps.recountCheckpoints.items.has('big')).toBe(false);
    expect((await deps.stats.get('big')).realTime?.counts.sent).toBe(120);
  });

  it('starts afresh from a checkpoint that does not say when its shards last changed (the repair needs it)', async () => {
    await sending('big', 300, 120);
    let reads = 0;
    await computeStats(deps, 'big', { pageSize: 5, outOfTime: () => reads++ >= 10 });
    const saved = deps.recountCheckpoints.items.get('big')!;
    const older = { ...saved, shards: saved.shards.map(({ lastChangeMs: _, ...rest }) => rest) };
    deps.recountCheckpoints.items.set('big', older as unknown as typeof saved);
    deps.clock.advance(5_000);
    const second = await computeStats(deps, 'big', { pageSize: 5 });
    expect(second).toMatchObject({ complete: true, progress: { read: 120, toDeliver: 300 } });
    // Stamped with this run's start, not the older checkpoint's.
    expect(second.computedAt.realTime).toBe('2026-11-22T10:00:05.000Z');
  });

  it('repairs several deliveries at once, reporting an unknown one beside the others', async () => {
    await sending('a', 3, 2);
    await sending('b', 3, 1);
    const out = await computeStatsFor(deps, { deliveryIds: ['a', 'nope', 'b'] });
    expect('results' in out && out.results.map((r) => [r.deliveryId, r.kpis.delivered])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect('errors' in out && out.errors.map((e) => e.deliveryId)).toEqual(['nope']);
    const bySate = await computeStatsFor(deps, { state: 'sending', since: '2026-01-01T00:00:00Z' });
    expect('results' in bySate && bySate.results.map((r) => r.deliveryId).sort()).toEqual(['a', 'b']);
  });
});

describe('the hourly stats aggregation', () => {
  it('refreshes only the deliveries sending or marked active since its last run, then moves its cursor', async () => {
    const live = await sending('live', 3, 2);
    await deps.deliveries.create({ ...live, id: 'old', state: 'finished' });
    await deps.deliveries.create({ ...live, id: 'late', state: 'finished' });
    await deps.counters.add('late', 0, { delivered: 2, sent: 2, processed: 2, opens: 3, uniqueOpens: 1 });
    await deps.activity.mark(['late'], deps.clock.now());
    const first = await aggregateStats(deps);
    expect(first.refreshed).toEqual(['late', 'live']);
    expect(first.hours).toEqual(['2026-11-22T09', '2026-11-22T10']);
    const late = await deps.stats.get('late');
    expect(late.tracking).toEqual({
      counts: {
        opens: 3,
        uniqueOpens: 1,
        clicks: 0,
        uniqueClicks: 0,
        delivered: 2,
        humanOpens: 0,
        uniqueHumanOpens: 0,
        humanClicks: 0,
        uniqueHumanClicks: 0,
      },
      computedAt: '2026-11-22T10:00:00.000Z',
    });
    expect(await deps.activity.through()).toBe('2026-11-22T09');
    // Each bucket is read by two runs (a mark may land just after a run read it); then a finished delivery with
    // no new event is not read again, while the sending one is.
    deps.clock.advance(3_600_000);
    const second = await aggregateStats(deps);
    expect(second.hours).toEqual(['2026-11-22T09', '2026-11-22T10', '2026-11-22T11']);
    expect(second.refreshed).toEqual(['late', 'live']);
    deps.clock.advance(3_600_000);
    const third = await aggregateStats(deps);
    expect(third.hours).toEqual(['2026-11-22T10', '2026-11-22T11', '2026-11-22T12']);
    expect(third.refreshed).toEqual(['late', 'live']);
    deps.clock.advance(3_600_000);
    expect((await aggregateStats(deps)).refreshed).toEqual(['live']);
  });

  it('never leaves a snapshot older than it found, and keeps its cursor when a delivery failed', async () => {
    await sending('live', 3, 2);
    await deps.stats.putTracking('live', {
      counts: { opens: 9, uniqueOpens: 2, clicks: 0, uniqueClicks: 0, delivered: 2 },
      computedAt: '2026-11-22T10:30:00.000Z',
    });
    const report = await aggregateStats(deps);
    expect(report.refreshed).toEqual(['live']);
    expect((await deps.stats.get('live')).tracking?.computedAt).toBe('2026-11-22T10:30:00.000Z');
    const failing = {
      ...deps,
      counters: { ...deps.counters, read: async () => Promise.reject(new Error('boom')) },
    };
    deps.clock.advance(3_600_000);
    const failed = await aggregateStats(failing as unknown as FakeDeps);
    expect(failed.errors.map((e) => e.deliveryId)).toEqual(['live']);
    expect(await deps.activity.through()).toBe('2026-11-22T09');
  });
});
