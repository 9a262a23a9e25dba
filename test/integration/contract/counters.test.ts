/**
 * Counters contract: the same cases against FakeCounters and DynamoCounters (DynamoDB Local). Each shard and the
 * adjustment item are ADDed to; `read` sums them, every counter present, 0 when never written. Storage details
 * (one item per shard, zero deltas left out) stay in test/integration/counters.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DynamoCounters } from '#adapters/dynamodb/counters.ts';
import type { CounterName, Counters } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeCounters } from '#test/helpers/fakes/index.ts';
import { type Implementation, unique } from './support.ts';

const client = documentClient();

const implementations: Array<Implementation<Counters>> = [
  { name: 'FakeCounters', make: () => new FakeCounters() },
  {
    name: 'DynamoCounters',
    make: () => new DynamoCounters({ client, tableName: sharedTables().deliveries }),
  },
];

const ZERO: Record<CounterName, number> = {
  sent: 0,
  processed: 0,
  delivered: 0,
  bouncesAndErrors: 0,
  settled: 0,
  opens: 0,
  uniqueOpens: 0,
  clicks: 0,
  uniqueClicks: 0,
  sendEvents: 0,
  evidenceSent: 0,
};

describe.each(implementations)('Counters contract: $name', ({ make }) => {
  it('reads every counter as 0 for a delivery with none', async () => {
    expect(await make().read(unique('d'))).toEqual(ZERO);
  });

  it('sums the ADDs of every shard, 0 to 15, and of the adjustment item', async () => {
    const counters = make();
    const deliveryId = unique('d');
    await counters.add(deliveryId, 0, { sent: 3, processed: 3 });
    await counters.add(deliveryId, 7, { sent: 2, processed: 2, delivered: 1 });
    await counters.add(deliveryId, 15, { opens: 4, uniqueOpens: 1, clicks: 1, uniqueClicks: 1 });
    await counters.add(deliveryId, 7, { delivered: 1, bouncesAndErrors: 1, settled: 2 });
    await counters.adjust(deliveryId, { sent: -1, opens: 2 });
    await counters.adjust(deliveryId, { sent: 2 });
    expect(await counters.read(deliveryId)).toEqual({
      sent: 6,
      processed: 5,
      delivered: 2,
      bouncesAndErrors: 1,
      settled: 2,
      opens: 6,
      uniqueOpens: 1,
      clicks: 1,
      uniqueClicks: 1,
      sendEvents: 0,
      evidenceSent: 0,
    });
  });

  it("sums one delivery's counters only, even beside a delivery whose id extends its own", async () => {
    const counters = make();
    const deliveryId = unique('d');
    await counters.add(deliveryId, 3, { sent: 1 });
    for (const other of [`${deliveryId}#03`, `${deliveryId}#C`, `${deliveryId}x`, unique('d')]) {
      await counters.add(other, 3, { sent: 100 });
      await counters.adjust(other, { sent: 1000 });
    }
    expect(await counters.read(deliveryId)).toEqual({ ...ZERO, sent: 1 });
  });

  it('takes negative deltas, and zero or absent deltas change nothing', async () => {
    const counters = make();
    const deliveryId = unique('d');
    await counters.add(deliveryId, 5, { sent: 0, opens: 0 });
    await counters.add(deliveryId, 5, {});
    await counters.adjust(deliveryId, { delivered: 0 });
    expect(await counters.read(deliveryId)).toEqual(ZERO);
    await counters.add(deliveryId, 5, { sent: 3, opens: 0 });
    await counters.add(deliveryId, 5, { sent: -2 });
    await counters.adjust(deliveryId, { delivered: -1 });
    expect(await counters.read(deliveryId)).toEqual({ ...ZERO, sent: 1, delivered: -1 });
  });

  it('loses no concurrent ADD on one shard', async () => {
    const counters = make();
    const deliveryId = unique('d');
    await Promise.all(
      Array.from({ length: 20 }, () => counters.add(deliveryId, 3, { processed: 1, sent: 1 })),
    );
    expect(await counters.read(deliveryId)).toMatchObject({ processed: 20, sent: 20 });
  });

  it('refuses a delta that is not an integer and a shard outside 0..15, writing nothing', async () => {
    const counters = make();
    const deliveryId = unique('d');
    await expect(counters.add(deliveryId, 5, { sent: 0.5 })).rejects.toThrow(RangeError);
    await expect(counters.add(deliveryId, 5, { sent: 1, opens: Number.NaN })).rejects.toThrow(RangeError);
    await expect(counters.adjust(deliveryId, { sent: 1.5 })).rejects.toThrow(RangeError);
    for (const shard of [16, -1, 1.5]) {
      await expect(counters.add(deliveryId, shard, { sent: 1 })).rejects.toThrow(RangeError);
    }
    expect(await counters.read(deliveryId)).toEqual(ZERO);
  });
});

describe.each(implementations)('Counters contract, batched reads: $name', ({ make }) => {
  it('readMany answers what read answers for each delivery, zeros for one never written', async () => {
    const counters = make();
    const [a, b, none] = [unique('d'), unique('d'), unique('d')];
    await counters.add(a, 2, { sent: 2, processed: 2 });
    await counters.adjust(a, { sent: -1 });
    await counters.add(b, 9, { delivered: 4 });
    await counters.add(`${a}x`, 2, { sent: 50 });
    const many = await counters.readMany([a, b, none, a]);
    expect([...many.keys()].sort()).toEqual([a, b, none].sort());
    expect(many.get(a)).toEqual(await counters.read(a));
    expect(many.get(a)).toEqual({ ...ZERO, sent: 1, processed: 2 });
    expect(many.get(b)).toEqual({ ...ZERO, delivered: 4 });
    expect(many.get(none)).toEqual(ZERO);
  });

  it('reads the counters of more deliveries than one batch request holds (17 items each)', async () => {
    const counters = make();
    const ids = Array.from({ length: 8 }, () => unique('d'));
    for (const [i, id] of ids.entries()) await counters.add(id, i % 16, { sent: i + 1 });
    const many = await counters.readMany(ids);
    expect(ids.map((id) => many.get(id)?.sent)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
