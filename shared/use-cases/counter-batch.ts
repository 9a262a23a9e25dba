/**
 * Counter deltas gathered over one invocation and ADDed once per delivery, to one of its 16 shards picked at random
 * (docs/data-model.md): a sender or an ingestion batch writes one counter item per delivery it touched instead of
 * one per recipient. Which shard takes a flush does not matter: `read` sums them all.
 */
import { SHARDS } from '#domain/shards.ts';
import type { CounterName, Counters } from '#ports/index.ts';

export type Deltas = Partial<Record<CounterName, number>>;

export class CounterBatch {
  readonly #pending = new Map<string, Deltas>();
  readonly #random: () => number;
  #flushedAt: number | null = null;

  /** `random` picks the shard of each flush (injected by tests). */
  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Adds one recipient's deltas to its delivery's. */
  add(deliveryId: string, deltas: Deltas): void {
    const current = this.#pending.get(deliveryId) ?? {};
    for (const [name, value] of Object.entries(deltas) as Array<[CounterName, number]>) {
      if (value !== 0) current[name] = (current[name] ?? 0) + value;
    }
    this.#pending.set(deliveryId, current);
  }

  /** The deliveries with deltas waiting (what the next flush writes to). */
  deliveryIds(): string[] {
    return [...this.#pending.keys()];
  }

  get size(): number {
    return this.#pending.size;
  }

  /** ADDs what was gathered (non-zero counters only), one write per delivery, and starts afresh. */
  async flush(counters: Counters, nowMs?: number): Promise<void> {
    if (nowMs !== undefined) this.#flushedAt = nowMs;
    const pending = [...this.#pending];
    this.#pending.clear();
    await Promise.all(
      pending.flatMap(([deliveryId, deltas]) => {
        const nonZero = Object.fromEntries(Object.entries(deltas).filter(([, v]) => v !== 0));
        if (Object.keys(nonZero).length === 0) return [];
        const shard = Math.min(SHARDS - 1, Math.floor(this.#random() * SHARDS));
        return [counters.add(deliveryId, shard, nonZero)];
      }),
    );
  }

  /** Flushes when `everyMs` passed since the last flush (the first call only starts the clock). */
  async flushIfDue(counters: Counters, nowMs: number, everyMs: number): Promise<void> {
    if (this.#flushedAt === null) this.#flushedAt = nowMs;
    if (this.#pending.size > 0 && nowMs - this.#flushedAt >= everyMs) await this.flush(counters, nowMs);
  }
}
