/**
 * The SQS event the Lambda event source hands a function (records as AWS builds them from received messages), and
 * the partial batch response read back as Lambda reads it.
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

/** The attributes AWS puts first in a record of a standard queue, in AWS's order. */
const RECORD_ATTRIBUTES = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'SenderId',
  'ApproximateFirstReceiveTimestamp',
] as const;

/** A message attribute as the SQS event carries it: camel-cased, binary values in base64, empty list members. */
const toEventAttribute = (value: MessageAttributeValue): SQSMessageAttributes[string] => {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return {
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(base64),
    dataType: value.DataType ?? 'String',
  } as SQSMessageAttributes[string];
};

/** One record of the SQS event, built from a received message as the event source builds it. */
export const toSqsRecord = (message: Message, queueArn: string, region: string): SQSRecord => {
  const received = message.Attributes ?? {};
  const attributes: Record<string, string> = {};
  for (const name of RECORD_ATTRIBUTES) {
    const value = received[name];
    if (value !== undefined) attributes[name] = value;
  }
  // Others AWS passes on when the message has them (AWSTraceHeader; FIFO's group, deduplication and sequence).
  for (const [name, value] of Object.entries(received)) {
    if (!(name in attributes) && value !== undefined) attributes[name] = value;
  }
  const messageAttributes = Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, toEventAttribute(value)]),
  );
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: attributes as unknown as SQSRecord['attributes'],
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
};

export const buildSqsEvent = (messages: readonly Message[], queueArn: string, region: string): SQSEvent => ({
  Records: messages.map((m) => toSqsRecord(m, queueArn, region)),
});

export type BatchVerdict =
  { kind: 'success'; failed: ReadonlySet<string> } | { kind: 'failure'; reason: string };

/**
 * Reads a handler's result as Lambda reads a partial batch response: null, undefined, an object without
 * `batchItemFailures` or with an empty list is a full success; the listed ids failed; anything malformed (a
 * non-object result, a list that is not an array, an item without a non-empty `itemIdentifier` naming a message of
 * the batch) fails the whole batch.
 */
export const readBatchResponse = (result: unknown, messageIds: readonly string[]): BatchVerdict => {
  if (result === null || result === undefined) return { kind: 'success', failed: new Set() };
  if (typeof result !== 'object' || Array.isArray(result))
    return { kind: 'failure', reason: 'the response is not a batch response object' };
  const failures = (result as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'success', failed: new Set() };
  if (!Array.isArray(failures)) return { kind: 'failure', reason: 'batchItemFailures is not a list' };
  const ids = new Set(messageIds);
  const failed = new Set<string>();
  for (const item of failures as unknown[]) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '')
      return { kind: 'failure', reason: 'a batch item failure has no itemIdentifier' };
    if (!ids.has(id))
      return { kind: 'failure', reason: `itemIdentifier ${id} names no message of the batch` };
    failed.add(id);
  }
  return { kind: 'success', failed };
};
