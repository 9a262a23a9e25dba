import { isDeepStrictEqual } from 'node:util';
import { normalizeAddress, type QuarantineEntry } from '#domain/profiles.ts';
import type { QuarantineRepository } from '#ports/index.ts';
import { clone } from './support.ts';

/** Quarantine entries by normalized address, moved as the adapter moves them (a write only for a change). */
export class FakeQuarantine implements QuarantineRepository {
  readonly items = new Map<string, QuarantineEntry>();
  /** Writes made (puts and deletes). */
  writes = 0;
  async getMany(addresses: readonly string[]) {
    const distinct = [...new Set(addresses.map(normalizeAddress))];
    return distinct.flatMap((a) => (this.items.has(a) ? [clone(this.items.get(a)!)] : []));
  }
  async update(address: string, next: (current: QuarantineEntry | null) => QuarantineEntry | null) {
    const key = normalizeAddress(address);
    const current = this.items.has(key) ? clone(this.items.get(key)!) : null;
    const computed = next(current);
    const after = computed && { ...computed, address: normalizeAddress(computed.address) };
    if (after && after.address !== key) {
      throw new RangeError(`the entry of ${key} cannot become the entry of ${after.address}`);
    }
    if (isDeepStrictEqual(after, current)) return current;
    this.writes++;
    if (after) this.items.set(key, clone(after));
    else this.items.delete(key);
    return after;
  }
}
