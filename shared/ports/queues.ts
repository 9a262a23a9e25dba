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
  send(jobs: readonly T[]): Promise<void>;
}
