import type { ActivityRegistry, RecountCheckpoint, RecountCheckpoints } from '#ports/index.ts';
import { clone } from './support.ts';

/** One recount checkpoint per delivery, as the adapter keeps it: another version reads as none. */
export class FakeRecountCheckpoints implements RecountCheckpoints {
  readonly items = new Map<string, RecountCheckpoint>();
  async get(deliveryId: string, version: number) {
    const item = this.items.get(deliveryId);
    return item && item.version === version ? clone(item) : null;
  }
  async put(deliveryId: string, checkpoint: RecountCheckpoint) {
    this.items.set(deliveryId, clone(checkpoint));
  }
  async remove(deliveryId: string) {
    this.items.delete(deliveryId);
  }
}

/** The activity buckets by hour and the aggregation's `through`, as the adapter keeps them. */
export class FakeActivityRegistry implements ActivityRegistry {
  readonly buckets = new Map<string, Set<string>>();
  last: string | null = null;
  async mark(deliveryIds: readonly string[], at: Date) {
    const hour = at.toISOString().slice(0, 13);
    const bucket = this.buckets.get(hour) ?? new Set<string>();
    for (const id of deliveryIds) bucket.add(id);
    this.buckets.set(hour, bucket);
  }
  async active(hour: string) {
    return [...(this.buckets.get(hour) ?? [])].sort();
  }
  async through() {
    return this.last;
  }
  async advance(hour: string) {
    if (this.last === null || hour > this.last) this.last = hour;
  }
}
