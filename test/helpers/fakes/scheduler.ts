import type { Delivery } from '#domain/delivery.ts';
import type { DeliveryScheduler } from '#ports/index.ts';

export class RecordingScheduler implements DeliveryScheduler {
  readonly armed: string[] = [];
  readonly disarmed: string[] = [];
  async arm(d: Delivery) {
    this.armed.push(d.id);
  }
  async disarm(id: string) {
    this.disarmed.push(id);
  }
}
