import type { Delivery } from '#domain/delivery.ts';
import type { LogRef, PreparationStarter } from '#ports/index.ts';
import type { SendStarter } from '#use-cases/control.ts';

export class RecordingSendStarter implements SendStarter {
  readonly started: string[] = [];
  readonly canceled: string[] = [];
  async start(d: Delivery) {
    this.started.push(d.id);
  }
  async cancel(d: Delivery) {
    this.canceled.push(d.id);
  }
}

export class RecordingPreparer implements PreparationStarter {
  readonly started: LogRef[] = [];
  async start(ref: LogRef) {
    this.started.push(ref);
  }
}
