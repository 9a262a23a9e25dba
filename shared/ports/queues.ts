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

/** A message a consumer took off its queue itself (JobSource). */
export interface ReceivedMessage {
  messageId: string;
  /** The body as it was sent. */
  body: string;
  /** How many times the message was received, this time included (1 on its first receive). */
  receiveCount: number;
  /** The job is over: deletes the message, which is never received again. */
  done(): Promise<void>;
}

/**
 * A queue a consumer takes more jobs from itself, besides the batch its event source gave it (the sender's
 * continuation jobs, functions/lib/queue.ts). A message received is invisible to every other receive for the
 * queue's visibility timeout. One never marked `done` (its job failed, it could not be parsed, the consumer
 * stopped) comes back after that timeout, one receive more, and moves to the queue's dead-letter queue after its
 * maxReceiveCount receives, exactly as a failed record of the event source does: the queue's redrive policy does
 * that, the consumer writes nothing for it.
 */
export interface JobSource {
  /**
   * Up to `max` messages (an integer from 1 to 10, the SQS limit of one receive; a RangeError otherwise) that are
   * visible now, in any order; [] when there are none (the SQS adapter answers at once by default: a consumer that
   * finds nothing stops instead of waiting for jobs to arrive).
   */
  receive(max: number): Promise<ReceivedMessage[]>;
}
