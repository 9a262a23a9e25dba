import type { Delivery, DeliveryState, Transition } from '#domain/delivery.ts';
import type { Page, PageRequest } from './paging.ts';

export interface DeliveryRepository {
  get(id: string): Promise<Delivery | null>;
  /** Fails with a conflict if the id exists. */
  create(delivery: Delivery): Promise<void>;
  /**
   * Writes `transition.next` only if the stored delivery is still in `transition.expected` (state and version);
   * otherwise throws the 409 domain error naming the stored state.
   */
  apply(transition: Transition): Promise<Delivery>;
  list(
    filter: { state?: DeliveryState | undefined; parentId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<Delivery>>;
}
