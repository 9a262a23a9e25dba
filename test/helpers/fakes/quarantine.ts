import { normalizeAddress, type QuarantineEntry } from '#domain/profiles.ts';
import type { QuarantineRepository } from '#ports/index.ts';
import { clone } from './support.ts';

export class FakeQuarantine implements QuarantineRepository {
  readonly items = new Map<string, QuarantineEntry>();
  writes = 0;
  async getMany(addresses: readonly string[]) {
    return addresses.flatMap((a) => (this.items.has(a) ? [clone(this.items.get(a)!)] : []));
  }
  async update(address: string, next: (current: QuarantineEntry | null) => QuarantineEntry | null) {
    const key = normalizeAddress(address);
    const current = this.items.has(key) ? clone(this.items.get(key)!) : null;
    const after = next(current);
    if (JSON.stringify(after) === JSON.stringify(current)) return current;
    this.writes++;
    if (after) this.items.set(key, clone(after));
    else this.items.delete(key);
    return after;
  }
}
