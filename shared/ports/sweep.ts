import type { Page, PageRequest } from './paging.ts';

/**
 * Deliveries the sweeper watches (registered when a send starts): in-doubt recipients fail after the
 * reconciliation window, abandoned claims become in-doubt, a stalled send is re-driven.
 */
export interface SweepEntry {
  deliveryId: string;
  registeredAt: string;
  /** The delivery's settled count (sum of its counter shards) at the last sweep, and when that was. */
  settled?: number;
  sweptAt?: string;
}

export interface SweepRegistry {
  /** Idempotent: keeps an existing entry's sweep state. */
  register(deliveryId: string, at: string): Promise<void>;
  list(page: PageRequest): Promise<Page<SweepEntry>>;
  update(deliveryId: string, state: { settled: number; sweptAt: string }): Promise<void>;
  remove(deliveryId: string): Promise<void>;
}
