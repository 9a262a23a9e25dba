import type { CounterName, Counters } from '#ports/index.ts';

const COUNTERS: CounterName[] = [
  'sent',
  'processed',
  'delivered',
  'bouncesAndErrors',
  'settled',
  'opens',
  'uniqueOpens',
  'clicks',
  'uniqueClicks',
];

export class FakeCounters implements Counters {
  readonly shards = new Map<string, Partial<Record<CounterName, number>>>();
  async add(deliveryId: string, shard: number, deltas: Partial<Record<CounterName, number>>) {
    const key = `${deliveryId}#${shard}`;
    const current = this.shards.get(key) ?? {};
    for (const [k, v] of Object.entries(deltas) as Array<[CounterName, number]>)
      current[k] = (current[k] ?? 0) + v;
    this.shards.set(key, current);
  }
  async adjust(deliveryId: string, deltas: Partial<Record<CounterName, number>>) {
    await this.add(deliveryId, -1, deltas);
  }
  async read(deliveryId: string) {
    const total = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<CounterName, number>;
    for (const [key, values] of this.shards) {
      if (!key.startsWith(`${deliveryId}#`)) continue;
      for (const c of COUNTERS) total[c] += values[c] ?? 0;
    }
    return total;
  }
}
