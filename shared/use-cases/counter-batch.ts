/**
 * Counter deltas gathered over one invocation and ADDed once per (delivery, shard): a sender or ingestion batch
 * writes one counter item per shard it touched instead of one per recipient (docs/data-model.md).
 */
import { shardOf } from '#domain/shards.ts';
import type { CounterName, Counters } from '#ports/index.ts';

export type Deltas = Partial<Record<CounterName, number>>;

export class CounterBatch {
  readonly #pending = new Map<string, { deliveryId: string; shard: number; deltas: Deltas }>();

  /** Adds one recipient's deltas to its shard of the delivery. */
  add(deliveryId: string, recipientId: string, deltas: Deltas): void {
    const shard = shardOf(recipientId);
    const key = `${deliveryId}#${shard}`;
    const current = this.#pending.get(key) ?? { deliveryId, shard, deltas: {} };
    for (const [name, value] of Object.entries(deltas) as Array<[CounterName, number]>) {
      if (value !== 0) current.deltas[name] = (current.deltas[name] ?? 0) + value;
    }
    this.#pending.set(key, current);
  }

  get size(): number {
    return this.#pending.size;
  }

  /** ADDs what was gathered (non-zero counters only) and starts afresh. */
  async flush(counters: Counters): Promise<void> {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    await Promise.all(
      pending.flatMap(({ deliveryId, shard, deltas }) => {
        const nonZero = Object.fromEntries(Object.entries(deltas).filter(([, v]) => v !== 0));
        return Object.keys(nonZero).length > 0 ? [counters.add(deliveryId, shard, nonZero)] : [];
      }),
    );
  }
}
