/**
 * Counters on the `deliveries` table: 16 counter shards per delivery (`D#<id>#C#<nn>` / `COUNT`), only ever
 * ADDed to, plus the adjustment item (`D#<id>#C#ADJ`) compute-stats writes its corrections to. A handler
 * aggregates its deltas per (delivery, shard) and calls `add` once; `read` sums the 17 items.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { COUNTER_NAMES, type CounterName, type Counters } from '#ports/index.ts';
import { batchGetAll } from './batch.ts';
import { allShards, counterAdjustmentKey, counterKey } from './keys.ts';

export interface CountersTableOptions {
  client: DynamoDBDocumentClient;
  /** The `deliveries` table. */
  tableName: string;
}

export { COUNTER_NAMES };

export const zeroCounters = (): Record<CounterName, number> =>
  Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as Record<CounterName, number>;

export class DynamoCounters implements Counters {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: CountersTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  /** One UpdateItem ADD on the item; zero deltas are left out, and nothing is written if all are zero. */
  async add(deliveryId: string, shard: number, deltas: Partial<Record<CounterName, number>>): Promise<void> {
    await this.#add(counterKey(deliveryId, shard), deltas);
  }

  async adjust(deliveryId: string, deltas: Partial<Record<CounterName, number>>): Promise<void> {
    await this.#add(counterAdjustmentKey(deliveryId), deltas);
  }

  async #add(key: { pk: string; sk: string }, deltas: Partial<Record<CounterName, number>>): Promise<void> {
    const changes = COUNTER_NAMES.flatMap((name) => {
      const delta = deltas[name];
      if (delta === undefined || delta === 0) return [];
      if (!Number.isInteger(delta)) throw new RangeError(`counter ${name}: delta ${delta} is not an integer`);
      return [{ name, delta }];
    });
    if (changes.length === 0) return;
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: key,
        UpdateExpression: `SET entity = :entity ADD ${changes.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(changes.map((c, i) => [`#c${i}`, c.name])),
        ExpressionAttributeValues: {
          ':entity': 'counter',
          ...Object.fromEntries(changes.map((c, i) => [`:c${i}`, c.delta])),
        },
      }),
    );
  }

  /** The sums of the 16 shards and the adjustment item (one consistent BatchGetItem); a missing counter is 0. */
  async read(deliveryId: string): Promise<Record<CounterName, number>> {
    return (await this.readMany([deliveryId])).get(deliveryId)!;
  }

  /** The same for several deliveries: their 17 items each in consistent BatchGetItems of 100 keys. */
  async readMany(deliveryIds: readonly string[]): Promise<Map<string, Record<CounterName, number>>> {
    const ids = [...new Set(deliveryIds)];
    const owner = new Map<string, string>();
    const keys = ids.flatMap((id) => {
      const own = [...allShards().map((shard) => counterKey(id, shard)), counterAdjustmentKey(id)];
      for (const key of own) owner.set(key.pk, id);
      return own;
    });
    const items = await batchGetAll(this.#client, this.#table, keys, {
      consistentRead: true,
      projection: ['pk', ...COUNTER_NAMES],
    });
    const sums = new Map(ids.map((id) => [id, zeroCounters()]));
    for (const item of items) {
      const total = sums.get(owner.get(String(item.pk)) ?? '');
      if (!total) continue;
      for (const name of COUNTER_NAMES) {
        const value = item[name];
        if (typeof value === 'number') total[name] += value;
      }
    }
    return sums;
  }
}
