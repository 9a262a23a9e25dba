import type { Delivery, DeliveryState, Transition } from '#domain/delivery.ts';
import { conflict, notFound } from '#domain/errors.ts';
import type { DeliveryRepository, PageRequest } from '#ports/index.ts';
import { clone, paginate } from './support.ts';

export class FakeDeliveries implements DeliveryRepository {
  readonly items = new Map<string, Delivery>();
  async get(id: string) {
    const d = this.items.get(id);
    return d ? clone(d) : null;
  }
  async create(delivery: Delivery) {
    if (this.items.has(delivery.id))
      throw conflict('The delivery exists.', { state: this.items.get(delivery.id)!.state });
    this.items.set(delivery.id, clone(delivery));
  }
  async apply(t: Transition) {
    const stored = this.items.get(t.next.id);
    if (!stored) throw notFound('Delivery', t.next.id);
    if (stored.state !== t.expected.state || stored.version !== t.expected.version) {
      throw conflict(`The delivery is ${stored.state}.`, { state: stored.state, version: stored.version });
    }
    this.items.set(t.next.id, clone(t.next));
    return clone(t.next);
  }
  async list(
    filter: { state?: DeliveryState | undefined; parentId?: string | undefined },
    page: PageRequest,
  ) {
    const all = [...this.items.values()]
      .filter((d) => (filter.parentId ? d.parentId === filter.parentId : !d.parentId))
      .filter((d) => !filter.state || d.state === filter.state)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return paginate(all.map(clone), page);
  }
}
