/** Per delivery, the hard bounces and complaints the reputation guard has counted (shared/domain/reputation.ts). */
export interface GuardCounts {
  bounces: number;
  complaints: number;
}

/** The reputation guard's own counters (the deliveries table, `GUARD#<deliveryId>`), ADDed once per batch. */
export interface GuardCounters {
  /** ADDs the deltas and returns the totals after them. */
  add(deliveryId: string, deltas: Partial<GuardCounts>): Promise<GuardCounts>;
  read(deliveryId: string): Promise<GuardCounts>;
}
