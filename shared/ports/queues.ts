/** A queue message refused by its consumer: its body as received and its id. */
export interface RefusedMessage {
  messageId: string;
  body: string;
}

/** A queue's dead-letter queue, to which a consumer moves a message that can never be processed, with why. */
export interface DeadLetters {
  refuse(message: RefusedMessage, reason: string): Promise<void>;
}

/** A queue of jobs (SQS): batches SendMessageBatch calls and retries their `Failed` entries. */
export interface JobQueue<T> {
  /**
   * Enqueues each job as its JSON; they arrive in any order (at least once: a consumer takes a duplicate). A job
   * over 1 MiB (the SQS message limit) is a RangeError and nothing of the call is sent; a job SQS refuses (a
   * character it does not carry) or that keeps failing fails the call, naming how many were not enqueued, while
   * the others are sent.
   */
  send(jobs: readonly T[]): Promise<void>;
}
