import type { Clock, JobQueue, JobSource, ReceivedMessage } from '#ports/index.ts';

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

interface QueuedMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  /** When it may be received (again): its last receive plus the visibility timeout. */
  visibleAt: number;
}

/**
 * A queue a consumer receives from itself, as SQS behaves: a message received stays invisible for the visibility
 * timeout (by `clock`) unless it is done, then comes back one receive more; with `maxReceiveCount`, a message
 * received that many times moves to `deadLetters` instead of coming back (the redrive policy). Records the bodies
 * done, in order.
 */
export class FakeJobSource implements JobSource {
  readonly done: string[] = [];
  readonly deadLetters: string[] = [];
  /** receive calls so far. */
  receives = 0;
  readonly #queue: QueuedMessage[] = [];
  readonly #clock: Clock;
  readonly #visibilityTimeoutMs: number;
  readonly #maxReceiveCount: number;
  #ids = 0;

  constructor(
    bodies: readonly string[] = [],
    options: { clock?: Clock; visibilityTimeoutMs?: number; maxReceiveCount?: number } = {},
  ) {
    this.#clock = options.clock ?? { now: () => new Date() };
    this.#visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
    this.#maxReceiveCount = options.maxReceiveCount ?? Number.POSITIVE_INFINITY;
    this.add(...bodies);
  }

  /** Sends these bodies to the queue. */
  add(...bodies: readonly string[]): void {
    for (const body of bodies) {
      this.#queue.push({ messageId: `m-${++this.#ids}`, body, receiveCount: 0, visibleAt: 0 });
    }
  }

  /** Messages not done yet (visible or not), dead letters excluded. */
  get pending(): number {
    return this.#queue.length;
  }

  async receive(max: number): Promise<ReceivedMessage[]> {
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw new RangeError(`receive takes 1 to 10 messages, not ${max}`);
    }
    this.receives += 1;
    const now = this.#clock.now().getTime();
    const taken: ReceivedMessage[] = [];
    for (const message of [...this.#queue]) {
      if (taken.length === max) break;
      if (message.visibleAt > now) continue;
      if (message.receiveCount >= this.#maxReceiveCount) {
        this.#remove(message);
        this.deadLetters.push(message.body);
        continue;
      }
      message.receiveCount += 1;
      message.visibleAt = now + this.#visibilityTimeoutMs;
      taken.push({
        messageId: message.messageId,
        body: message.body,
        receiveCount: message.receiveCount,
        done: async () => {
          if (this.#remove(message)) this.done.push(message.body);
        },
      });
    }
    return taken;
  }

  #remove(message: QueuedMessage): boolean {
    const at = this.#queue.indexOf(message);
    if (at < 0) return false;
    this.#queue.splice(at, 1);
    return true;
  }
}
