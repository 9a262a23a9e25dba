import type { JobQueue } from '#ports/index.ts';

/** The SQS message limit, and the characters SQS accepts in a body (JSON escapes control characters). */
const MAX_JOB_BYTES = 1_048_576;
const NOT_SQS_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** A queue that records what arrives, as its JSON, with the limits SQS puts on a message. */
export class RecordingQueue<T> implements JobQueue<T> {
  readonly sent: T[] = [];
  async send(jobs: readonly T[]) {
    const bodies = jobs.map((job) => JSON.stringify(job));
    for (const body of bodies) {
      const size = Buffer.byteLength(body, 'utf8');
      if (size > MAX_JOB_BYTES) throw new RangeError(`a job of ${size} bytes exceeds the SQS message limit`);
    }
    const refused = bodies.filter((body) => NOT_SQS_TEXT.test(body));
    for (const body of bodies) if (!NOT_SQS_TEXT.test(body)) this.sent.push(JSON.parse(body) as T);
    if (refused.length > 0) {
      throw new Error(`${refused.length} of ${jobs.length} jobs were not enqueued (InvalidMessageContents)`);
    }
  }
  /** Takes every job sent so far (as a consumer would). */
  drain(): T[] {
    return this.sent.splice(0, this.sent.length);
  }
}
