/**
 * Unique ids in the embedded system: the SES emulator (aws-ses-v2-local, in this worker) is made to draw the same
 * message id twice; the SES front still answers each message with an id of its own, in SES's shape, the event
 * simulator gives each published event its own SNS MessageId, and the ingester (on DynamoDB Local) applies both
 * recipients' Delivery. Before, the second recipient's events were taken for duplicates and it stayed `sent`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { deadLetterEnv, type TableName, tableEnv } from '#topology/topology.ts';
import { startSesEmulator } from '#local/ses/emulator.ts';
import { type SesFront, startSesFront } from '#local/ses/front.ts';
import { readJournal } from '#local/ses/journal.ts';
import { startSesEventSimulator } from '#local/ses/simulator.ts';
import { createSesClient, SesEmailSender } from '#adapters/ses/email-sender.ts';
import { DynamoRecipientLedger } from '#adapters/dynamodb/ledger.ts';
import { DynamoProfileRepository } from '#adapters/dynamodb/profiles.ts';
import { DynamoRecipientLogRepository } from '#adapters/dynamodb/recipient-log.ts';
import { messageTags } from '#domain/sending.ts';
import { fixture, lambdaContext } from '#test/helpers/aws-events.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';

type Handler = (event: unknown, context: unknown) => Promise<SQSBatchResponse>;

const client = documentClient();
const tables = () => sharedTables();
const ledger = () => new DynamoRecipientLedger({ client, tableName: tables().recipients });

let dir: string;
let emulator: Awaited<ReturnType<typeof startSesEmulator>>;
let front: SesFront;
let ingester: Handler;

beforeAll(async () => {
  for (const name of Object.keys(tables()) as TableName[]) process.env[tableEnv(name)] = tables()[name];
  process.env[deadLetterEnv('events')] = inject('queues').events.dlq.url;
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  ingester = ((await import('#functions/queue/ingester.ts')) as { handler: Handler }).handler;
  dir = mkdtempSync(join(tmpdir(), 'cas-ses-ids-'));
  emulator = await startSesEmulator(0, undefined);
  front = await startSesFront({ upstream: emulator.endpoint, journalPath: join(dir, 'ses-journal.ndjson') });
});

afterAll(async () => {
  await front?.stop();
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A prepared recipient of a fresh delivery, its page leased by a sender about to call SES. */
const claimedRecipient = async (ref: { deliveryId: string; version: number }, n: number) => {
  const recipientId = `p-${randomUUID()}`;
  const email = `success+${n}-${recipientId}@simulator.amazonses.com`;
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
  return { recipientId, email, target };
};

describe('an SES emulator message id drawn twice', () => {
  it('gives each message its own SES-shaped id and envelope ids, and ingests both recipients’ outcomes', async () => {
    const ref = { deliveryId: `d-${randomUUID()}`, version: 1 };
    const recipients = [await claimedRecipient(ref, 1), await claimedRecipient(ref, 2)];
    const sesClient = createSesClient({
      config: {
        region: inject('region'),
        endpoint: front.url,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
    });
    const sender = new SesEmailSender({ client: sesClient, configurationSetName: 'confirm-and-send' });

    // The emulator draws `ses-${Math.floor(Math.random() * 900000000 + 100000000)}`: the same draw, the same id.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const ids: string[] = [];
    try {
      for (const r of recipients) {
        const outcome = await sender.send({
          from: 'news@example.com',
          to: r.email,
          subject: 'Hello',
          html: '<p>Hello</p>',
          text: 'Hello',
          tags: messageTags(ref.deliveryId, ref.version, r.recipientId),
        });
        if (outcome.kind !== 'accepted') throw new Error(`not accepted: ${outcome.kind}`);
        ids.push(outcome.messageId);
      }
    } finally {
      random.mockRestore();
      sesClient.destroy();
    }
    const drawn = (await (await fetch(`${emulator.endpoint}/store`)).json()) as {
      emails: Array<{ messageId: string }>;
    };
    expect(drawn.emails.map((e) => e.messageId)).toEqual(['ses-550000000', 'ses-550000000']);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids)
      expect(id).toMatch(/^0100[0-9a-f]{12}-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}-000000$/);
    expect(readJournal(front.journalPath).map((e) => e.messageId)).toEqual(ids);
    for (const [i, r] of recipients.entries()) {
      const at = new Date().toISOString();
      expect(await ledger().markSent(ref, r.target, { sesMessageId: ids[i]!, at, by: 'it' })).toBe(true);
    }

    // The configuration set's event destination: Send and Delivery of each message, each in its own envelope.
    const bodies: string[] = [];
    const simulator = startSesEventSimulator({
      publish: async (body) => {
        bodies.push(body);
      },
      journalPath: front.journalPath,
      statePath: join(dir, 'ses-events.ndjson'),
      topicArn: 'arn:aws:sns:us-east-1:000000000000:it-ses-events',
      defaultConfigurationSet: 'confirm-and-send',
      delayScale: 0,
    });
    await simulator.idle();
    await simulator.stop();
    expect(bodies).toHaveLength(4);
    const envelopeIds = bodies.map((b) => (JSON.parse(b) as { MessageId: string }).MessageId);
    expect(new Set(envelopeIds).size).toBe(4);

    const record = fixture<{ Records: Array<Record<string, unknown>> }>('lambda/sqs-event.json').Records[0]!;
    const result = await ingester(
      { Records: bodies.map((body) => ({ ...record, messageId: randomUUID(), body })) },
      lambdaContext('ingester'),
    );
    expect(result.batchItemFailures).toEqual([]);
    for (const [i, r] of recipients.entries()) {
      expect(await ledger().get(ref, r.recipientId)).toMatchObject({
        status: 'delivered',
        sesMessageId: ids[i],
      });
    }
  });
});
