import type { Delivery } from '#domain/delivery.ts';

/** Arms and deletes EventBridge Scheduler schedules for deliveries. */
export interface DeliveryScheduler {
  /** One-time schedule at the contact date; recurring schedule for a recurrence. Idempotent per delivery. */
  arm(delivery: Delivery): Promise<void>;
  /** Deletes the delivery's schedule; absent is fine. */
  disarm(deliveryId: string): Promise<void>;
}
