/**
 * The ingester handler, invoked as Lambda's SQS event source invokes it (AWS's SQS event shape), on DynamoDB
 * Local and fauxqs through the real SDK clients: every AWS SES fixture, bare and in AWS's SNS envelope; what is
 * not an SES event goes to the events DLQ at once, with its reason.
 */
import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { deadLetterEnv, type TableName, tableEnv } from '#topology/topology.ts';
import { DynamoCounters } from '#adapters/dynamodb/counters.ts';
import { DynamoTrackingLog } from '#adapters/dynamodb/events.ts';
import { DynamoIngestLag } from '#adapters/dynamodb/ingest-lag.ts';
import { DynamoRecipientLedger } from '#adapters/dynamodb/ledger.ts';
import { DynamoProfileRepository } from '#adapters/dynamodb/profiles.ts';
import { DynamoQuarantineRepository } from '#adapters/dynamodb/quarantine.ts';
import { DynamoRecipientLogRepository } from '#adapters/dynamodb/recipient-log.ts';
import {
  failedAndDelayedBounce,
  fixture,
  fixtureNames,
  lambdaContext,
  notificationExamples,
  sesExample,
  snsEnvelope,
} from '#test/helpers/aws-events.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';

type Handler = (event: unknown, context: unknown) => Promise<SQSBatchResponse>;
let handler: Handler;

const client = documentClient();
const tables = () => sharedTables();
const ledger = () => new DynamoRecipientLedger({ client, tableName: tables().recipients });
const counters = () => new DynamoCounters({ client, tableName: tables().deliveries });
const FIXTURE_MESSAGE = 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000';

beforeAll(async () => {
  for (const name of Object.keys(tables()) as TableName[]) process.env[tableEnv(name)] = tables()[name];
  process.env[deadLetterEnv('events')] = inject('queues').events.dlq.url;
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  handler = ((await import('#functions/queue/ingester.ts')) as { handler: Handler }).handler;
});

/** An SQS event of these bodies, on AWS's example record. */
const sqsEvent = (bodies: string[]) => {
  const record = fixture<{ Records: Array<Record<string, unknown>> }>('lambda/sqs-event.json').Records[0]!;
  return {
    Records: bodies.map((body) => ({
      ...record,
      messageId: randomUUID(),
      body,
      eventSourceARN: inject('queues').events.arn,
    })),
  };
};
const invoke = (...bodies: unknown[]) =>
  handler(
    sqsEvent(bodies.map((b) => (typeof b === 'string' ? b : JSON.stringify(b)))),
    lambdaContext('ingester'),
  );

/** A sent recipient of a fresh delivery, with its own address and SES message id. */
const sentRecipient = async () => {
  const ref = { deliveryId: `d-${randomUUID()}`, version: 1 };
  const recipientId = `p-${randomUUID()}`;
  const email = `r-${randomUUID()}@example.com`;
  const sesMessageId = `m-${randomUUID()}`;
  await new DynamoProfileRepository({ client, tableName: tables().profiles }).upsertMany(
    [{ id: recipientId, email }],
    new Date(),
  );
  const target = { recipientId, profileId: recipientId, email };
  await new DynamoRecipientLogRepository({ client, tableName: tables().recipients }).putTargets(
    ref,
    [target],
    new Date().toISOString(),
  );
  const now = new Date();
  expect(await ledger().markSent(ref, target, { sesMessageId, at: now.toISOString(), by: 'it' })).toBe(true);
  return { ref, recipientId, email, sesMessageId };
};

/** A fixture addressed to this recipient's address and message id (the fixtures all share one of each). */
const readdressed = (name: string, r: { email: string; sesMessageId: string }) =>
  JSON.parse(
    JSON.stringify(fixture(`ses/bare/${name}.json`))
      .replaceAll('recipient@example.com', r.email)
      .replaceAll('sender@example.com', r.email)
      .replaceAll(FIXTURE_MESSAGE, r.sesMessageId)
      .replaceAll('EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000', r.sesMessageId),
  ) as Record<string, unknown>;

const FIXTURES = fixtureNames('ses/bare');

/** What each fixture does to a sent recipient, as stored. */
const EXPECTED: Record<
  string,
  { status: string; failureType?: string; quarantine?: string; optOut?: boolean }
> = {
  send: { status: 'sent' },
  delivery: { status: 'delivered' },
  'bounce-permanent': { status: 'failed', failureType: 'hard', quarantine: 'quarantined' },
  complaint: { status: 'delivered', quarantine: 'denylisted' },
  reject: { status: 'failed', failureType: 'error' },
  open: { status: 'delivered' },
  click: { status: 'delivered' },
  'rendering-failure': { status: 'failed', failureType: 'error' },
  'delivery-delay': { status: 'sent' },
  subscription: { status: 'sent', optOut: true },
};

describe('ingester handler (DynamoDB Local, fauxqs)', () => {
  it('has an expectation for every AWS fixture', () => {
    expect(FIXTURES.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const wrap of ['bare', 'sns'] as const) {
    it.each(Object.entries(EXPECTED))(`ingests %s (${wrap})`, async (name, expected) => {
      const r = await sentRecipient();
      const record = readdressed(name, r);
      const result = await invoke(wrap === 'sns' ? snsEnvelope(record) : record);
      expect(result.batchItemFailures).toEqual([]);
      const entry = await ledger().get(r.ref, r.recipientId);
      expect(entry).toMatchObject({ status: expected.status, sesMessageId: r.sesMessageId });
      if (expected.failureType) expect(entry!.failureType).toBe(expected.failureType);
      const [q] = await new DynamoQuarantineRepository({ client, tableName: tables().profiles }).getMany([
        r.email,
      ]);
      expect(q?.status).toBe(expected.quarantine);
      const profile = await new DynamoProfileRepository({ client, tableName: tables().profiles }).get(
        r.recipientId,
      );
      expect(profile!.optOut).toBe(expected.optOut ?? false);
      const tracking = await new DynamoTrackingLog({ client, tableName: tables().events }).list(
        r.ref.deliveryId,
        {},
        {},
      );
      const types = { open: ['open'], click: ['click'], subscription: ['opt-out'] }[name] ?? [];
      expect(tracking.items.map((t) => t.type)).toEqual(types);
      const c = await counters().read(r.ref.deliveryId);
      expect(c.delivered).toBe(expected.status === 'delivered' ? 1 : 0);
      expect(c.bouncesAndErrors).toBe(expected.status === 'failed' ? 1 : 0);
    });
  }

  it('applies an envelope delivered twice in one batch once, and counts the click as an open too', async () => {
    const r = await sentRecipient();
    const click = snsEnvelope(readdressed('click', r));
    expect((await invoke(click, click)).batchItemFailures).toEqual([]);
    expect(await ledger().get(r.ref, r.recipientId)).toMatchObject({ clicks: 1, status: 'delivered' });
    expect(await counters().read(r.ref.deliveryId)).toMatchObject({
      delivered: 1,
      opens: 1,
      uniqueOpens: 1,
      clicks: 1,
      uniqueClicks: 1,
    });
  });

  /** What each of AWS's feedback notifications does to the recipient it names (its address, its message id). */
  const NOTIFIED: Record<
    string,
    { address: string; status: string; failureType?: string; quarantine?: string }
  > = {
    'notification-bounce-with-dsn': {
      address: 'jane@example.com',
      status: 'failed',
      failureType: 'hard',
      quarantine: 'quarantined',
    },
    'notification-bounce-without-dsn': {
      address: 'jane@example.com',
      status: 'failed',
      failureType: 'hard',
      quarantine: 'quarantined',
    },
    'notification-complaint-with-feedback-report': {
      address: 'richard@example.com',
      status: 'delivered',
      quarantine: 'denylisted',
    },
    'notification-complaint-without-feedback-report': {
      address: 'richard@example.com',
      status: 'delivered',
      quarantine: 'denylisted',
    },
    'notification-delivery': { address: 'jane@example.com', status: 'delivered' },
  };

  it('has an expectation for every feedback notification AWS published', () => {
    expect(notificationExamples().sort()).toEqual(Object.keys(NOTIFIED).sort());
  });

  for (const wrap of ['bare', 'sns'] as const) {
    it.each(Object.entries(NOTIFIED))(
      `ingests the feedback notification %s (${wrap}), attributed by its SES message id`,
      async (name, expected) => {
        const r = await sentRecipient();
        const example = sesExample<{ mail: { messageId: string } }>(name);
        const notification = JSON.parse(
          JSON.stringify(example)
            .replaceAll(expected.address, r.email)
            .replaceAll(example.mail.messageId, r.sesMessageId),
        ) as unknown;
        const result = await invoke(wrap === 'sns' ? snsEnvelope(notification) : notification);
        expect(result.batchItemFailures).toEqual([]);
        const entry = await ledger().get(r.ref, r.recipientId);
        expect(entry).toMatchObject({ status: expected.status, sesMessageId: r.sesMessageId });
        if (expected.failureType) expect(entry!.failureType).toBe(expected.failureType);
        const [q] = await new DynamoQuarantineRepository({ client, tableName: tables().profiles }).getMany([
          r.email,
        ]);
        expect(q?.status).toBe(expected.quarantine);
        const c = await counters().read(r.ref.deliveryId);
        expect(c.delivered).toBe(expected.status === 'delivered' ? 1 : 0);
        expect(c.bouncesAndErrors).toBe(expected.status === 'failed' ? 1 : 0);
      },
    );
  }

  it('fails and quarantines only the failed entry of a two-recipient bounce; the delayed one stays sent', async () => {
    const failed = await sentRecipient();
    const delayed = await sentRecipient();
    // AWS's bounce object example (failed 5.0.0, delayed 4.0.0) in an event publishing record.
    const bounceFor = (r: { email: string; sesMessageId: string }) => {
      const { notificationType: _format, ...body } = { ...failedAndDelayedBounce(), eventType: 'Bounce' };
      const [first, second] = body.bounce.bouncedRecipients as Array<{ emailAddress: string }>;
      first!.emailAddress = r === failed ? r.email : failed.email;
      second!.emailAddress = r === delayed ? r.email : delayed.email;
      body.mail.messageId = r.sesMessageId;
      return snsEnvelope(body);
    };
    // One message per recipient: the same bounce report, once for each recipient's message.
    expect((await invoke(bounceFor(failed), bounceFor(delayed))).batchItemFailures).toEqual([]);
    expect(await ledger().get(failed.ref, failed.recipientId)).toMatchObject({
      status: 'failed',
      failureType: 'hard',
      failureReason: 'smtp; 550 user unknown',
    });
    expect(await ledger().get(delayed.ref, delayed.recipientId)).toMatchObject({ status: 'sent' });
    const quarantine = new DynamoQuarantineRepository({ client, tableName: tables().profiles });
    expect((await quarantine.getMany([failed.email]))[0]?.status).toBe('quarantined');
    expect(await quarantine.getMany([delayed.email])).toEqual([]);
    expect((await counters().read(delayed.ref.deliveryId)).bouncesAndErrors).toBe(0);
  });

  it('refuses what is not an SES event to the DLQ at once, with its reason, skips what carries nothing to ingest, and ingests the rest of the batch', async () => {
    const r = await sentRecipient();
    const { metrics } = await import('#functions/lib/observability.ts');
    const count = vi.spyOn(metrics, 'count');
    const hello = fixture<Record<string, unknown>>('sns/http-notification.json'); // an SNS notification whose Message is "Hello world!"
    const confirmation = fixture<Record<string, unknown>>('sns/http-subscription-confirmation.json');
    const result = await invoke(
      hello,
      'not json at all',
      confirmation,
      // Well-formed AWS messages with nothing to ingest: skipped, not dead-lettered.
      sesExample('eventbridge-advisor-recommendation-open'),
      fixture('lambda/eventbridge-ses-sending-status-event.json'),
      { ...confirmation, Type: 'UnsubscribeConfirmation' },
      { ...hello, Message: 'Successfully validated SNS topic for Amazon SES event publishing.' },
      snsEnvelope(readdressed('delivery', r)),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(await ledger().get(r.ref, r.recipientId)).toMatchObject({ status: 'delivered' });
    const counted = (...args: unknown[]) =>
      count.mock.calls.filter((call) => JSON.stringify(call) === JSON.stringify(args)).length;
    expect(counted('SesEventsSkipped', 1, { SkipReason: 'nothing-to-ingest' })).toBe(4);
    expect(counted('SesEventsRefused', 1)).toBe(3);
    count.mockRestore();
    const sqs = new SQSClient({ endpoint: inject('endpoints').sqs, region: inject('region') });
    const reasons: string[] = [];
    for (let i = 0; i < 5 && reasons.length < 3; i++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: inject('queues').events.dlq.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      for (const m of out.Messages ?? []) {
        expect(m.MessageAttributes?.refusedBy?.StringValue).toBe('ingester');
        reasons.push(m.MessageAttributes!.refusedReason!.StringValue!);
      }
    }
    sqs.destroy();
    expect(reasons).toHaveLength(3); // the four skipped messages are not there
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Message .* is not JSON$/),
        'SNS notification whose Message is not JSON',
        expect.stringMatching(/^SNS SubscriptionConfirmation from arn:aws:sns:.*SubscribeURL/),
      ]),
    );
  });
  it('notes the longest any record of its batch waited in the events queue, per minute: what a resend waits out', async () => {
    // A minute no other test writes in: Date alone is faked, so the SDK's I/O goes on.
    const now = Date.parse(`${2100 + Math.floor(Math.random() * 800)}-05-06T07:08:30.000Z`);
    vi.useFakeTimers({ toFake: ['Date'], now });
    try {
      const r = await sentRecipient();
      const event = sqsEvent([JSON.stringify(snsEnvelope(readdressed('delivery', r))), 'not json at all']);
      // SQS's SentTimestamp: the first record was queued 95 s ago (say, behind a backlog), the second 2 s ago.
      const queued = <R extends object>(record: R, ago: number) => ({
        ...record,
        attributes: {
          ...('attributes' in record ? (record.attributes as object) : {}),
          SentTimestamp: String(now - ago),
        },
      });
      event.Records = [
        queued(event.Records[0]!, 95_000),
        queued(event.Records[1]!, 2_000),
      ] as typeof event.Records;
      expect((await handler(event, lambdaContext('ingester'))).batchItemFailures).toEqual([]);
      const lag = new DynamoIngestLag({ client, tableName: tables().events });
      expect(await lag.since(new Date(now))).toEqual([
        { minute: new Date(now).toISOString().slice(0, 16), worstWaitMs: 95_000 },
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
