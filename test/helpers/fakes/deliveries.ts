import type { Delivery, DeliveryState, Transition } from '#domain/delivery.ts';
import { conflict, notFound } from '#domain/errors.ts';
import type { DeliveryRepository, PageRequest } from '#ports/index.ts';
import { byKey, clone, paginate } from './support.ts';

/** The adapter's index sort key: creation time, then id. */
const createdKey = (d: Delivery): string => `${d.createdAt}#${d.id}`;

/** Deliveries with the adapter's conditions and errors; lists newest first (by creation time, then id). */
export class FakeDeliveries implements DeliveryRepository {
  readonly items = new Map<string, Delivery>();
  async get(id: string) {
    const d = this.items.get(id);
    return d ? clone(d) : null;
  }
  async create(delivery: Delivery) {
    if (this.items.has(delivery.id))
      throw conflict(`The delivery ${delivery.id} already exists.`, {
        state: this.items.get(delivery.id)!.state,
        id: delivery.id,
      });
    this.items.set(delivery.id, clone(delivery));
  }
  async apply(t: Transition) {
    const stored = this.items.get(t.next.id);
    if (!stored) throw notFound('Delivery', t.next.id);
    if (stored.state !== t.expected.state || stored.version !== t.expected.version) {
      throw conflict(`The delivery is ${stored.state}: the change was not applied.`, {
        state: stored.state,
        version: stored.version,
      });
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
      .sort((a, b) => byKey(createdKey(b), createdKey(a)));
    return paginate(all.map(clone), page);
  }
}
