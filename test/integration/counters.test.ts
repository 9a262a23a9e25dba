/**
 * DynamoCounters against DynamoDB Local: ADDs per shard, summed over the 16 shards and the adjustment item.
 * The port's cases, held to the fake as well, are in test/integration/contract/counters.test.ts; here, the
 * stored items.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { COUNTER_NAMES, DynamoCounters, zeroCounters } from '#adapters/dynamodb/counters.ts';
import { counterAdjustmentKey, counterKey } from '#adapters/dynamodb/keys.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';

const client = documentClient();
const counters = () => new DynamoCounters({ client, tableName: sharedTables().deliveries });
const stored = async (key: { pk: string; sk: string }) =>
  (
    await client.send(
      new GetCommand({ TableName: sharedTables().deliveries, Key: key, ConsistentRead: true }),
    )
  ).Item;

describe('DynamoCounters (DynamoDB Local)', () => {
  it('reads every counter as 0 for a delivery with none', async () => {
    const read = await counters().read(`d-${randomUUID()}`);
    expect(read).toEqual(zeroCounters());
    expect(Object.keys(read).sort()).toEqual([...COUNTER_NAMES].sort());
    expect(COUNTER_NAMES).toHaveLength(11); // the KPI counters, settled, sendEvents and evidenceSent
  });

  it('keeps one item per shard, and sums an adjustment item written beside them', async () => {
    const deliveryId = `d-${randomUUID()}`;
    await counters().add(deliveryId, 7, { sent: 2, processed: 2, delivered: 1 });
    await counters().add(deliveryId, 7, { delivered: 1, bouncesAndErrors: 1, settled: 2 });
    // compute-stats' correction, as stored: an overcount taken back.
    await client.send(
      new PutCommand({
        TableName: sharedTables().deliveries,
        Item: { ...counterAdjustmentKey(deliveryId), entity: 'counter', sent: -1, opens: 2 },
      }),
    );
    expect(await counters().read(deliveryId)).toEqual({
      ...zeroCounters(),
      sent: 1,
      processed: 2,
      delivered: 2,
      bouncesAndErrors: 1,
      settled: 2,
      opens: 2,
    });
    expect(await stored(counterKey(deliveryId, 7))).toEqual({
      ...counterKey(deliveryId, 7),
      entity: 'counter',
      sent: 2,
      processed: 2,
      delivered: 2,
      bouncesAndErrors: 1,
      settled: 2,
    });
  });

  it('ADDs corrections to the adjustment item only, summed by read', async () => {
    const deliveryId = `d-${randomUUID()}`;
    await counters().add(deliveryId, 3, { sent: 5, processed: 5 });
    await counters().adjust(deliveryId, { sent: 2, delivered: -1 });
    await counters().adjust(deliveryId, { sent: 1 });
    expect(await stored(counterAdjustmentKey(deliveryId))).toMatchObject({
      entity: 'counter',
      sent: 3,
      delivered: -1,
    });
    expect(await stored(counterKey(deliveryId, 3))).toMatchObject({ sent: 5 });
    expect(await counters().read(deliveryId)).toMatchObject({ sent: 8, processed: 5, delivered: -1 });
  });

  it('writes nothing for zero deltas, and leaves zero deltas out of a write', async () => {
    const deliveryId = `d-${randomUUID()}`;
    await counters().add(deliveryId, 5, { sent: 0, opens: 0 });
    await counters().add(deliveryId, 5, {});
    expect(await stored(counterKey(deliveryId, 5))).toBeUndefined();

    await counters().add(deliveryId, 5, { sent: 1, opens: 0 });
    const item = await stored(counterKey(deliveryId, 5));
    expect(item).toMatchObject({ sent: 1 });
    expect(item).not.toHaveProperty('opens');
    await expect(counters().add(deliveryId, 5, { sent: 0.5 })).rejects.toThrow(RangeError);
    await expect(counters().add(deliveryId, 16, { sent: 1 })).rejects.toThrow(RangeError);
  });
});
