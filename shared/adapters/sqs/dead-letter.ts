/**
 * Refusing a record: a message that can never be processed is moved at once to its queue's dead-letter queue,
 * body unchanged, with the reason in its attributes (instead of failing maxReceiveCount times first). The record
 * then succeeds, so it leaves the source queue; `npm run redrive` can move it back once the cause is fixed.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetters, RefusedMessage } from '#ports/index.ts';

export interface SqsDeadLettersOptions {
  client: SQSClient;
  /** URL of the dead-letter queue. */
  queueUrl: string;
  /** Who refuses (kept in the `refusedBy` attribute), e.g. the function's name. */
  refusedBy: string;
}

/** SQS caps a message attribute's value with the message; a reason is cut to 1,000 characters. */
const MAX_REASON = 1000;

export class SqsDeadLetters implements DeadLetters {
  private readonly options: SqsDeadLettersOptions;

  constructor(options: SqsDeadLettersOptions) {
    this.options = options;
  }

  async refuse(message: RefusedMessage, reason: string): Promise<void> {
    await this.options.client.send(
      new SendMessageCommand({
        QueueUrl: this.options.queueUrl,
        MessageBody: message.body,
        MessageAttributes: {
          refusedBy: { DataType: 'String', StringValue: this.options.refusedBy },
          refusedReason: { DataType: 'String', StringValue: reason.slice(0, MAX_REASON) },
          sourceMessageId: { DataType: 'String', StringValue: message.messageId },
        },
      }),
    );
  }
}
