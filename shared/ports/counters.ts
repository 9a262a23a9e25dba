/** Counter names; each recipient's changes are ADDed to its shard. */
export const COUNTER_NAMES = [
  'sent',
  'processed',
  'delivered',
  'bouncesAndErrors',
  'settled',
  'opens',
  'uniqueOpens',
  'clicks',
  'uniqueClicks',
  /**
   * distinct SES Send events ingested for the delivery's recipients in its evidence sample (a duplicate counts
   * nothing): not a KPI, the evidence that its event path works, which the in-doubt resend asks for
   * (shared/domain/in-doubt.ts).
   */
  'sendEvents',
  /**
   * messages sent to the delivery's evidence sample (`sent`, for its sampled recipients alone): not a KPI, what the
   * sweeper's marks record and `sendEvents` is held against; never repaired.
   */
  'evidenceSent',
] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];

export interface Counters {
  add(deliveryId: string, shard: number, deltas: Partial<Record<CounterName, number>>): Promise<void>;
  /** ADDs corrections to the adjustment item (compute-stats' counter repair), summed with the shards by `read`. */
  adjust(deliveryId: string, deltas: Partial<Record<CounterName, number>>): Promise<void>;
  read(deliveryId: string): Promise<Record<CounterName, number>>;
  /** `read` for several deliveries in batched reads (a list's Deployment blocks), by delivery id. */
  readMany(deliveryIds: readonly string[]): Promise<Map<string, Record<CounterName, number>>>;
}
