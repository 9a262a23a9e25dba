/**
 * The SES event path's faults (local/ses/event-faults.ts) on the SQS emulator (fauxqs, in this process): an SDK
 * middleware on the publishing client sends events to the events queue twice, some second copies late; sends to
 * any other queue are left alone.
 */
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, interceptLocalhostDns, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchingPublisher } from '#local/ses/event-destination.ts';
import { injectEventFaults } from '#local/ses/event-faults.ts';

let fauxqs: FauxqsServer;
const clients: SQSClient[] = [];

const client = () => {
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: fauxqs.address,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  clients.push(sqs);
  return sqs;
};

beforeAll(async () => {
  interceptLocalhostDns();
  fauxqs = await startFauxqs({ port: 0, logger: false });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await fauxqs?.stop();
});

/** Receives until `expected` bodies came, then once more (a copy too many would show). */
const receiveAll = async (sqs: SQSClient, queueUrl: string, expected: number): Promise<string[]> => {
  const received: string[] = [];
  const receive = async () => {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 1,
      }),
    );
    received.push(...(out.Messages ?? []).map((m) => m.Body!));
  };
  for (let i = 0; i < 20 && received.length < expected; i++) await receive();
  await receive();
  return received;
};

describe('event faults', () => {
  it('delivers every event twice, the second copy of the held ones after the events published later', async () => {
    const sqs = client();
    const { QueueUrl: events } = await sqs.send(new CreateQueueCommand({ QueueName: 'events-faults' }));
    // Every event duplicated; every second copy held back (a random of 0.5: 50 ms of 100).
    const stats = injectEventFaults(sqs, events!, {
      duplicateRate: 1,
      reorderRate: 1,
      holdMs: 100,
      random: () => 0.5,
    });
    const publish = batchingPublisher(sqs, events!);
    await publish('send');
    await publish('delivery');
    const received = await receiveAll(sqs, events!, 4);
    expect(received).toHaveLength(4);
    expect(received.filter((b) => b === 'send')).toHaveLength(2);
    expect(received.filter((b) => b === 'delivery')).toHaveLength(2);
    // The held copy of the Send arrives after the Delivery.
    expect(received.lastIndexOf('send')).toBeGreaterThan(received.indexOf('delivery'));
    expect(stats).toEqual({ duplicated: 2, heldBack: 2 });
  });

  it('leaves every other queue alone, and sends each event once at a rate of 0', async () => {
    const sqs = client();
    const { QueueUrl: events } = await sqs.send(new CreateQueueCommand({ QueueName: 'events-calm' }));
    const { QueueUrl: other } = await sqs.send(new CreateQueueCommand({ QueueName: 'other-queue' }));
    const stats = injectEventFaults(sqs, events!, { duplicateRate: 0, reorderRate: 1 });
    await batchingPublisher(sqs, events!)('once');
    const loud = client();
    injectEventFaults(loud, events!, { duplicateRate: 1, reorderRate: 0 });
    await batchingPublisher(loud, other!)('elsewhere');
    expect(await receiveAll(sqs, events!, 1)).toEqual(['once']);
    expect(await receiveAll(sqs, other!, 1)).toEqual(['elsewhere']);
    expect(stats).toEqual({ duplicated: 0, heldBack: 0 });
  });
});
