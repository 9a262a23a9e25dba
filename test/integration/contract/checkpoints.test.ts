/**
 * StartCheckpoints and PreparationCheckpoints contracts: the same cases against the fakes and the DynamoDB
 * adapters (the `deliveries` table on DynamoDB Local). One position per delivery shard and one preparation state
 * per delivery: a newer run or version takes it over, and an older one then reads as fresh. Stored items stay in
 * test/integration/checkpoints.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DynamoPreparationCheckpoints, DynamoStartCheckpoints } from '#adapters/dynamodb/checkpoints.ts';
import type { PreparationCheckpoints, PreparationState, StartCheckpoints } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakePreparationCheckpoints, FakeStartCheckpoints } from '#test/helpers/fakes/index.ts';
import { type Implementation, unique } from './support.ts';

const client = documentClient();
const options = () => ({ client, tableName: sharedTables().deliveries });
const FRESH = { after: null, done: false };

const starts: Array<Implementation<StartCheckpoints>> = [
  { name: 'FakeStartCheckpoints', make: () => new FakeStartCheckpoints() },
  { name: 'DynamoStartCheckpoints', make: () => new DynamoStartCheckpoints(options()) },
];

const preparations: Array<Implementation<PreparationCheckpoints>> = [
  { name: 'FakePreparationCheckpoints', make: () => new FakePreparationCheckpoints() },
  { name: 'DynamoPreparationCheckpoints', make: () => new DynamoPreparationCheckpoints(options()) },
];

describe.each(starts)('StartCheckpoints contract: $name', ({ make }) => {
  it('keeps one position per run and shard; another run, version or shard reads as the start', async () => {
    const checkpoints = make();
    const ref = { deliveryId: unique('d'), version: 4 };
    expect(await checkpoints.get(ref, 'run-1', 3)).toEqual(FRESH);
    await checkpoints.put(ref, 'run-1', 3, { after: 'p0042', done: false });
    expect(await checkpoints.get(ref, 'run-1', 3)).toEqual({ after: 'p0042', done: false });
    expect(await checkpoints.get(ref, 'run-2', 3)).toEqual(FRESH);
    expect(await checkpoints.get({ ...ref, version: 5 }, 'run-1', 3)).toEqual(FRESH);
    expect(await checkpoints.get(ref, 'run-1', 4)).toEqual(FRESH);
    expect(await checkpoints.get({ ...ref, deliveryId: unique('d') }, 'run-1', 3)).toEqual(FRESH);
    await checkpoints.put(ref, 'run-1', 3, { after: 'p0099', done: true });
    expect(await checkpoints.get(ref, 'run-1', 3)).toEqual({ after: 'p0099', done: true });
  });

  it('lets a new run take a shard over: the older run then reads the start of the shard', async () => {
    const checkpoints = make();
    const ref = { deliveryId: unique('d'), version: 4 };
    await checkpoints.put(ref, 'run-1', 3, { after: 'p0042', done: false });
    await checkpoints.put(ref, 'run-1', 5, { after: 'p0007', done: true });
    await checkpoints.put(ref, 'run-2', 3, { after: null, done: true });
    expect(await checkpoints.get(ref, 'run-2', 3)).toEqual({ after: null, done: true });
    expect(await checkpoints.get(ref, 'run-1', 3)).toEqual(FRESH);
    // Other shards keep their run's position.
    expect(await checkpoints.get(ref, 'run-1', 5)).toEqual({ after: 'p0007', done: true });
    // So does a re-preparation (a new version) of the same delivery.
    await checkpoints.put({ ...ref, version: 5 }, 'run-1', 5, { after: 'p0001', done: false });
    expect(await checkpoints.get(ref, 'run-1', 5)).toEqual(FRESH);
  });
});

describe.each(preparations)('PreparationCheckpoints contract: $name', ({ make }) => {
  const state: PreparationState = {
    memberShard: 6,
    cursor: 'p-0815',
    targeted: 1200,
    toDeliver: 1100,
    exclusions: { 'address-missing': 40, 'duplicate-address': 60 },
  };

  it('round-trips the state of the prepared version; another version reads as none', async () => {
    const checkpoints = make();
    const ref = { deliveryId: unique('d'), version: 2 };
    expect(await checkpoints.get(ref)).toBeNull();
    await checkpoints.put(ref, state);
    expect(await checkpoints.get(ref)).toEqual(state);
    expect(await checkpoints.get({ ...ref, version: 3 })).toBeNull();
    expect(await checkpoints.get({ ...ref, version: 1 })).toBeNull();
    const next: PreparationState = {
      memberShard: 7,
      cursor: null,
      targeted: 1300,
      toDeliver: 1200,
      exclusions: {},
    };
    await checkpoints.put(ref, next);
    expect(await checkpoints.get(ref)).toEqual(next);
  });

  it('lets a re-preparation (a new version) replace the state: the older version then reads as none', async () => {
    const checkpoints = make();
    const ref = { deliveryId: unique('d'), version: 2 };
    await checkpoints.put(ref, state);
    await checkpoints.put({ ...ref, version: 3 }, { ...state, memberShard: 0, cursor: null });
    expect(await checkpoints.get(ref)).toBeNull();
    expect(await checkpoints.get({ ...ref, version: 3 })).toEqual({ ...state, memberShard: 0, cursor: null });
  });
});
