import type { PageRequest, SweepEntry, SweepRegistry } from '#ports/index.ts';
import { clone, paginate } from './support.ts';

export class FakeSweepRegistry implements SweepRegistry {
  readonly entries = new Map<string, SweepEntry>();
  async register(deliveryId: string, at: string) {
    if (!this.entries.has(deliveryId)) this.entries.set(deliveryId, { deliveryId, registeredAt: at });
  }
  async list(page: PageRequest) {
    return paginate([...this.entries.values()].map(clone), page);
  }
  async update(deliveryId: string, state: { settled: number; sweptAt: string }) {
    const e = this.entries.get(deliveryId);
    if (e) Object.assign(e, state);
  }
  async remove(deliveryId: string) {
    this.entries.delete(deliveryId);
  }
}
