import type { LogRef } from './logs.ts';

/** Starts the preparation of a delivery in `preparing` (inline, or through a queue). */
export interface PreparationStarter {
  start(ref: LogRef): Promise<void>;
}
