/** Start and preparation checkpoints against DynamoDB Local: a checkpoint of another run or version reads as fresh. */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoPreparationCheckpoints, DynamoStartCheckpoints } from '#adapters/dynamodb/checkpoints.ts';
import { prepareJobKey, startJobKey } from '#adapters/dynamodb/keys.ts';
import type { PreparationState } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';

const client = documentClient();
const options = () => ({ client, tableName: sharedTables().deliveries });
const FRESH = { after: null, done: false };

describe('DynamoStartCheckpoints (DynamoDB Local)', () => {
  it('keeps one position per run and shard; another run, version or shard starts afresh', async () => {
    const checkpoints = new DynamoStartCheckpoints(options());
    const ref = { deliveryId: `d-${randomUUID()}`, version: 4 };
    expect(await checkpoints.get(ref, 'run-1', 3)).toEqual(FRESH);

    await checkpoints.put(ref, 'run-1', 3, { after: 'p0042', done: false });
    expect(await checkpoints.get(ref, 'run-1', 3)).toEqual({ after: 'p0042', done: false });
    expect(await checkpoints.get(ref, 'run-2', 3)).toEqual(FRESH);
    expect(await checkpoints.get({ ...ref, version: 5 }, 'run-1', 3)).toEqual(FRESH);
    expect(await checkpoints.get(ref, 'run-1', 4)).toEqual(FRESH);
    expect(
      (
        await client.send(
          new GetCommand({ TableName: sharedTables().deliveries, Key: startJobKey(ref.deliveryId, 3) }),
        )
      ).Item,
    ).toEqual({
      ...startJobKey(ref.deliveryId, 3),
      entity: 'checkpoint',
      version: 4,
      run: 'run-1',
      after: 'p0042',
      done: false,
    });

    await checkpoints.put(ref, 'run-1', 3, { after: 'p0099', done: true });
    expect(await checkpoints.get(ref, 'run-1', 3)).toEqual({ after: 'p0099', done: true });

    // A new run (a stop after a start) takes the shard over; the older run then reads the start of the shard.
    await checkpoints.put(ref, 'run-2', 3, { after: null, done: true });
    expect(await checkpoints.get(ref, 'run-2', 3)).toEqual({ after: null, done: true });
    expect(await checkpoints.get(ref, 'run-1', 3)).toEqual(FRESH);
  });
});

describe('DynamoPreparationCheckpoints (DynamoDB Local)', () => {
  it('round-trips the state of the prepared version; another version reads as none', async () => {
    const checkpoints = new DynamoPreparationCheckpoints(options());
    const ref = { deliveryId: `d-${randomUUID()}`, version: 2 };
    expect(await checkpoints.get(ref)).toBeNull();

    const state: PreparationState = {
      memberShard: 6,
      cursor: 'p-0815',
      targeted: 1200,
      toDeliver: 1100,
      exclusions: { 'address-missing': 40, 'duplicate-address': 60 },
    };
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
    expect(
      (
        await client.send(
          new GetCommand({ TableName: sharedTables().deliveries, Key: prepareJobKey(ref.deliveryId) }),
        )
      ).Item,
    ).toMatchObject({ entity: 'checkpoint', version: 2, memberShard: 7, cursor: null });

    // A re-preparation (new version) replaces it.
    await checkpoints.put({ ...ref, version: 3 }, state);
    expect(await checkpoints.get(ref)).toBeNull();
    expect(await checkpoints.get({ ...ref, version: 3 })).toEqual(state);
  });
});
