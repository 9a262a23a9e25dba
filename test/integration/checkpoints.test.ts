/**
 * Start and preparation checkpoints on DynamoDB Local: the items they store beside the delivery. The port's
 * cases (another run or version reads as fresh), held to the fakes as well, are in
 * test/integration/contract/checkpoints.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoPreparationCheckpoints, DynamoStartCheckpoints } from '#adapters/dynamodb/checkpoints.ts';
import { prepareJobKey, startJobKey } from '#adapters/dynamodb/keys.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';

const client = documentClient();
const options = () => ({ client, tableName: sharedTables().deliveries });
const stored = async (key: { pk: string; sk: string }) =>
  (
    await client.send(
      new GetCommand({ TableName: sharedTables().deliveries, Key: key, ConsistentRead: true }),
    )
  ).Item;

describe('DynamoStartCheckpoints (DynamoDB Local)', () => {
  it('stores one item per delivery shard: the version and run that own it, and the position', async () => {
    const ref = { deliveryId: `d-${randomUUID()}`, version: 4 };
    await new DynamoStartCheckpoints(options()).put(ref, 'run-1', 3, { after: 'p0042', done: false });
    expect(await stored(startJobKey(ref.deliveryId, 3))).toEqual({
      ...startJobKey(ref.deliveryId, 3),
      entity: 'checkpoint',
      version: 4,
      run: 'run-1',
      after: 'p0042',
      done: false,
    });
  });
});

describe('DynamoPreparationCheckpoints (DynamoDB Local)', () => {
  it('stores one item per delivery: the version that owns it and the state, a null cursor included', async () => {
    const ref = { deliveryId: `d-${randomUUID()}`, version: 2 };
    const state = {
      memberShard: 7,
      cursor: null,
      targeted: 1300,
      toDeliver: 1200,
      exclusions: { 'opted-out': 3 },
    };
    await new DynamoPreparationCheckpoints(options()).put(ref, state);
    expect(await stored(prepareJobKey(ref.deliveryId))).toEqual({
      ...prepareJobKey(ref.deliveryId),
      entity: 'checkpoint',
      version: 2,
      ...state,
    });
  });
});
