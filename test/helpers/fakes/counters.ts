import { SHARDS } from '#domain/shards.ts';
import { COUNTER_NAMES, type CounterName, type Counters } from '#ports/index.ts';

type Deltas = Partial<Record<CounterName, number>>;

/** The adjustment item beside a delivery's 16 shards. */
const ADJUSTMENT = 'adjustment';

/** A delivery's 16 counter shards and its adjustment item, as the adapter keeps them, with its checks. */
export class FakeCounters implements Counters {
  /** Per delivery, per shard (or the adjustment item): the sums. */
  readonly items = new Map<string, Map<number | typeof ADJUSTMENT, Deltas>>();
  async add(deliveryId: string, shard: number, deltas: Deltas) {
    if (!Number.isInteger(shard) || shard < 0 || shard >= SHARDS)
      throw new RangeError(`shard ${shard} out of range`);
    this.#add(deliveryId, shard, deltas);
  }
  async adjust(deliveryId: string, deltas: Deltas) {
    this.#add(deliveryId, ADJUSTMENT, deltas);
  }
  #add(deliveryId: string, item: number | typeof ADJUSTMENT, deltas: Deltas) {
    for (const name of COUNTER_NAMES) {
      const delta = deltas[name];
      if (delta !== undefined && !Number.isInteger(delta))
        throw new RangeError(`counter ${name}: delta ${delta} is not an integer`);
    }
    const items = this.items.get(deliveryId) ?? new Map<number | typeof ADJUSTMENT, Deltas>();
    const current = items.get(item) ?? {};
    for (const name of COUNTER_NAMES) {
      const delta = deltas[name];
      if (delta) current[name] = (current[name] ?? 0) + delta;
    }
    items.set(item, current);
    this.items.set(deliveryId, items);
  }
  /** Calls to `read` and `readMany` (a list must batch its reads). */
  readonly calls = { read: 0, readMany: 0 };
  async readMany(deliveryIds: readonly string[]) {
    this.calls.readMany++;
    return new Map(deliveryIds.map((id) => [id, this.#sum(id)]));
  }
  async read(deliveryId: string) {
    this.calls.read++;
    return this.#sum(deliveryId);
  }
  #sum(deliveryId: string) {
    const total = Object.fromEntries(COUNTER_NAMES.map((c) => [c, 0])) as Record<CounterName, number>;
    for (const values of this.items.get(deliveryId)?.values() ?? []) {
      for (const c of COUNTER_NAMES) total[c] += values[c] ?? 0;
    }
    return total;
  }
}
