import type { LogRef, PreparationCheckpoints, PreparationState, StartCheckpoints } from '#ports/index.ts';
import { clone, refKey } from './support.ts';

export class FakeStartCheckpoints implements StartCheckpoints {
  readonly items = new Map<string, { after: string | null; done: boolean }>();
  async get(ref: LogRef, run: string, shard: number) {
    return clone(this.items.get(`${refKey(ref)}#${run}#${shard}`) ?? { after: null, done: false });
  }
  async put(ref: LogRef, run: string, shard: number, position: { after: string | null; done: boolean }) {
    this.items.set(`${refKey(ref)}#${run}#${shard}`, clone(position));
  }
}

export class FakePreparationCheckpoints implements PreparationCheckpoints {
  readonly items = new Map<string, PreparationState>();
  async get(ref: LogRef) {
    const s = this.items.get(refKey(ref));
    return s ? clone(s) : null;
  }
  async put(ref: LogRef, state: PreparationState) {
    this.items.set(refKey(ref), clone(state));
  }
}
