import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** Messages in a queue, visible or in flight. */
export const queueDepth = async (sqs: SQSClient, url: string): Promise<number> => {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
};

/** Every message body in a queue, received and deleted until a receive comes back empty. */
export const drainBodies = async (sqs: SQSClient, url: string): Promise<string[]> => {
  const bodies: string[] = [];
  for (let i = 0; i < 100; i++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return bodies;
    bodies.push(...messages.map((m) => m.Body!));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: messages.map((m, n) => ({ Id: `${n}`, ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  throw new Error('queue never drained');
};
