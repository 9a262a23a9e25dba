/**
 * Refusing a record: a message that can never be processed is moved at once to its queue's dead-letter queue,
 * body unchanged, with the reason in its attributes (instead of failing maxReceiveCount times first). The record
 * then succeeds, so it leaves the source queue; `npm run redrive` can move it back once the cause is fixed.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { QueueName } from '#topology/topology.ts';
import { sqs } from './clients.ts';
import { deadLetterUrlsFromEnv } from './config.ts';

export interface DeadLetters {
  refuse(record: SQSRecord, reason: string): Promise<void>;
}

export const deadLetters = (queue: QueueName, refusedBy: string): DeadLetters => {
  const url = deadLetterUrlsFromEnv([queue])[queue];
  return {
    async refuse(record, reason) {
      await sqs().send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: record.body,
          MessageAttributes: {
            refusedBy: { DataType: 'String', StringValue: refusedBy },
            refusedReason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
            sourceMessageId: { DataType: 'String', StringValue: record.messageId },
          },
        }),
      );
    },
  };
};
