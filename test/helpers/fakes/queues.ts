import type { JobQueue } from '#ports/index.ts';
import { clone } from './support.ts';

export class RecordingQueue<T> implements JobQueue<T> {
  readonly sent: T[] = [];
  async send(jobs: readonly T[]) {
    this.sent.push(...clone(jobs as T[]));
  }
  /** Takes every job sent so far (as a consumer would). */
  drain(): T[] {
    return this.sent.splice(0, this.sent.length);
  }
}
