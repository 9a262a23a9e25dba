import type { LogRef, PreparationCheckpoints, PreparationState, StartCheckpoints } from '#ports/index.ts';
import { clone } from './support.ts';

type Position = { after: string | null; done: boolean };

/** One position per delivery shard, as the adapter keeps it: the run and version that wrote it own it. */
export class FakeStartCheckpoints implements StartCheckpoints {
  readonly items = new Map<string, { version: number; run: string; position: Position }>();
  async get(ref: LogRef, run: string, shard: number) {
    const item = this.items.get(`${ref.deliveryId}#${shard}`);
    if (!item || item.version !== ref.version || item.run !== run) return { after: null, done: false };
    return clone(item.position);
  }
  async put(ref: LogRef, run: string, shard: number, position: Position) {
    this.items.set(`${ref.deliveryId}#${shard}`, { version: ref.version, run, position: clone(position) });
  }
}

/** One preparation state per delivery, as the adapter keeps it: the version that wrote it owns it. */
export class FakePreparationCheckpoints implements PreparationCheckpoints {
  readonly items = new Map<string, { version: number; state: PreparationState }>();
  async get(ref: LogRef) {
    const item = this.items.get(ref.deliveryId);
    return item && item.version === ref.version ? clone(item.state) : null;
  }
  async put(ref: LogRef, state: PreparationState) {
    this.items.set(ref.deliveryId, { version: ref.version, state: clone(state) });
  }
}
