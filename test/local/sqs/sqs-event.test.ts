/**
 * The queue pollers' SQS event holds the key set of the event AWS publishes (shared/fixtures), message attributes
 * are carried as the event source carries them, and a handler's answer is read as Lambda reads a partial batch
 * response.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { buildSqsEvent, readBatchResponse, toSqsRecord } from '#local/sqs/sqs-event.ts';
import { fixture as awsFixture } from '#test/helpers/aws-events.ts';

const fixture = awsFixture<SQSEvent>('lambda/sqs-event.json');
const awsRecord = fixture.Records[0]!;

const ARN = 'arn:aws:sqs:us-east-1:000000000000:local-send';

/** A message as ReceiveMessage returns it with MessageSystemAttributeNames ['All'] (fauxqs's answer). */
const received = (extra: Partial<Message> = {}): Message => ({
  MessageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
  ReceiptHandle: awsRecord.receiptHandle,
  MD5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
  Body: 'Test message.',
  Attributes: {
    SenderId: '000000000000',
    SentTimestamp: '1545082649183',
    ApproximateReceiveCount: '1',
    ApproximateFirstReceiveTimestamp: '1545082649185',
  },
  ...extra,
});

describe('the SQS event of a batch', () => {
  it("has the keys of AWS's published event, in its order, with the four standard-queue attributes", () => {
    const event = buildSqsEvent([received(), received({ MessageId: 'second' })], ARN, 'us-east-1');
    expect(Object.keys(event)).toEqual(Object.keys(fixture));
    expect(event.Records).toHaveLength(2);
    for (const record of event.Records) {
      expect(Object.keys(record)).toEqual(Object.keys(awsRecord));
      expect(Object.keys(record.attributes)).toEqual(Object.keys(awsRecord.attributes));
      for (const value of Object.values(record.attributes)) expect(typeof value).toBe('string');
    }
    expect(event.Records[0]).toEqual({
      ...awsRecord,
      attributes: { ...awsRecord.attributes, SenderId: '000000000000' },
      eventSourceARN: ARN,
      awsRegion: 'us-east-1',
    });
    expect(event.Records[1]!.messageId).toBe('second');
  });

  it('carries message attributes camel-cased, binary values in base64, with md5OfMessageAttributes', () => {
    const record = toSqsRecord(
      received({
        MD5OfMessageAttributes: '664e3de92c81bcae083ca363ec55aac1',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'start' },
          count: { DataType: 'Number', StringValue: '3' },
          blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([122, 122]) },
        },
      }),
      ARN,
      'us-east-1',
    );
    expect(Object.keys(record)).toEqual([
      ...Object.keys(awsRecord).slice(0, Object.keys(awsRecord).indexOf('md5OfBody') + 1),
      'md5OfMessageAttributes',
      'eventSource',
      'eventSourceARN',
      'awsRegion',
    ]);
    expect(record.messageAttributes).toEqual({
      kind: { stringValue: 'start', stringListValues: [], binaryListValues: [], dataType: 'String' },
      count: { stringValue: '3', stringListValues: [], binaryListValues: [], dataType: 'Number' },
      blob: { binaryValue: 'eno=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    });
  });

  it('passes on the other system attributes a message has (trace header), after the standard four', () => {
    const record = toSqsRecord(
      received({
        Attributes: { ...received().Attributes, AWSTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793' },
      }),
      ARN,
      'us-east-1',
    );
    expect(Object.keys(record.attributes)).toEqual([...Object.keys(awsRecord.attributes), 'AWSTraceHeader']);
  });
});

describe('reading the partial batch response', () => {
  const ids = ['a', 'b', 'c'];

  it('takes null, undefined, an empty object or an empty list as a full success', () => {
    for (const result of [null, undefined, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      expect(readBatchResponse(result, ids)).toEqual({ kind: 'success', failed: new Set() });
    }
  });

  it('fails only the listed messages', () => {
    expect(
      readBatchResponse({ batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'c' }] }, ids),
    ).toEqual({ kind: 'success', failed: new Set(['b', 'c']) });
  });

  it('fails the whole batch on an answer Lambda cannot read', () => {
    for (const result of [
      'done',
      42,
      [],
      { batchItemFailures: 'b' },
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [{ id: 'b' }] },
      { batchItemFailures: [{ itemIdentifier: 'z' }] },
    ]) {
      expect(readBatchResponse(result, ids).kind, JSON.stringify(result)).toBe('failure');
    }
  });
});
