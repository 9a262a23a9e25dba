/**
 * JobSource on SQS: ReceiveMessage on one queue (at most 10 messages, no long poll by default, with each message's
 * ApproximateReceiveCount), and `done` = DeleteMessage with the receipt handle of that receive. A message not done
 * comes back after the queue's visibility timeout and moves to its dead-letter queue by its redrive policy.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { JobSource, ReceivedMessage } from '#ports/index.ts';

export interface SqsJobSourceOptions {
  client: SQSClient;
  queueUrl: string;
  /** Long poll of each receive, 0 to 20 s. Default 0: a receive on an empty queue answers [] at once. */
  waitTimeSeconds?: number;
}

/** Messages one ReceiveMessage returns at most. */
export const MAX_RECEIVE = 10;

export class SqsJobSource implements JobSource {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #waitTimeSeconds: number;

  constructor(options: SqsJobSourceOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#waitTimeSeconds = options.waitTimeSeconds ?? 0;
  }

  async receive(max: number): Promise<ReceivedMessage[]> {
    if (!Number.isInteger(max) || max < 1 || max > MAX_RECEIVE) {
      throw new RangeError(`receive takes 1 to ${MAX_RECEIVE} messages, not ${max}`);
    }
    const out = await this.#client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: this.#waitTimeSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return (out.Messages ?? []).map((message) => {
      const receiptHandle = message.ReceiptHandle!;
      return {
        messageId: message.MessageId!,
        body: message.Body ?? '',
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
        done: async () => {
          await this.#client.send(
            new DeleteMessageCommand({ QueueUrl: this.#queueUrl, ReceiptHandle: receiptHandle }),
          );
        },
      };
    });
  }
}
