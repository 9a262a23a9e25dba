/**
 * The KPI work items' contract: the same cases against the fakes and the DynamoDB adapters (DynamoDB Local):
 * the recount checkpoint of compute stats, and the stats aggregation's activity registry.
 */
import { describe, expect, it } from 'vitest';
import { DynamoActivityRegistry, DynamoRecountCheckpoints } from '#adapters/dynamodb/kpis.ts';
import { emptyTally } from '#domain/kpis.ts';
import type { ActivityRegistry, RecountCheckpoint, RecountCheckpoints } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeActivityRegistry, FakeRecountCheckpoints } from '#test/helpers/fakes/index.ts';
import { type Implementation, unique } from './support.ts';

const client = documentClient();

const checkpoints: Array<Implementation<RecountCheckpoints>> = [
  { name: 'FakeRecountCheckpoints', make: () => new FakeRecountCheckpoints() },
  {
    name: 'DynamoRecountCheckpoints',
    make: () => new DynamoRecountCheckpoints({ client, tableName: sharedTables().deliveries }),
  },
];

const checkpoint = (version: number): RecountCheckpoint => ({
  version,
  startedAt: '2026-11-22T10:00:00.000Z',
  countersBefore: { ...emptyTally(), sent: 3, sendEvents: 2, evidenceSent: 3 },
  shards: Array.from({ length: 16 }, (_, i) => ({
    after: i % 2 === 0 ? `r${i}` : null,
    done: i % 3 === 0,
    tally: { ...emptyTally(), settled: i },
    lastChangeMs: i === 0 ? 0 : Date.parse('2026-11-22T09:59:00.000Z') + i,
  })),
});

describe.each(checkpoints)('RecountCheckpoints contract: $name', ({ make }) => {
  it('keeps one checkpoint per delivery, read back for its version only, until removed', async () => {
    const store = make();
    const id = unique('d');
    expect(await store.get(id, 1)).toBeNull();
    await store.put(id, checkpoint(1));
    expect(await store.get(id, 1)).toEqual(checkpoint(1));
    expect(await store.get(id, 2)).toBeNull();
    await store.put(id, { ...checkpoint(2), countersBefore: null });
    expect(await store.get(id, 2)).toEqual({ ...checkpoint(2), countersBefore: null });
    expect(await store.get(id, 1)).toBeNull();
    await store.remove(id);
    expect(await store.get(id, 2)).toBeNull();
  });
});

const registries: Array<Implementation<ActivityRegistry>> = [
  { name: 'FakeActivityRegistry', make: () => new FakeActivityRegistry() },
  {
    name: 'DynamoActivityRegistry',
    make: () => new DynamoActivityRegistry({ client, tableName: sharedTables().events }),
  },
];

describe.each(registries)('ActivityRegistry contract: $name', ({ make }) => {
  // The registry is one per table: a far-off year keeps these hours to this test.
  const year = 2100 + Math.floor(Math.random() * 800);
  const at = (hhmm: string) => new Date(`${year}-03-04T${hhmm}:00Z`);

  it('lists the deliveries marked in an hour, each once, by the hour of the mark', async () => {
    const registry = make();
    const [a, b, c] = [unique('d'), unique('d'), unique('d')];
    await registry.mark([a, b], at('10:05'));
    await registry.mark([b, a], at('10:59'));
    await registry.mark([c], at('11:00'));
    await registry.mark([], at('11:30'));
    expect((await registry.active(`${year}-03-04T10`)).sort()).toEqual([a, b].sort());
    expect(await registry.active(`${year}-03-04T11`)).toEqual([c]);
    expect(await registry.active(`${year}-03-04T12`)).toEqual([]);
  });

  it('moves `through` forward only', async () => {
    const registry = make();
    const start = await registry.through();
    const hour = `${year}-03-04T10`;
    await registry.advance(hour);
    expect(await registry.through()).toBe(start !== null && start > hour ? start : hour);
    await registry.advance(`${year}-03-04T09`);
    expect((await registry.through())! >= hour).toBe(true);
  });
});
