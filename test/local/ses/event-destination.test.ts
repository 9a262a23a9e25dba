/**
 * The event destination's publisher on the SQS emulator (fauxqs, in this process): the events asked for together
 * go in SendMessageBatch requests of up to 10, each body arrives once.
 */
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, interceptLocalhostDns, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchingPublisher } from '#local/ses/event-destination.ts';

let fauxqs: FauxqsServer;
let sqs: SQSClient;
const requests: string[] = [];

beforeAll(async () => {
  interceptLocalhostDns();
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: fauxqs.address,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  (sqs.middlewareStack.add as unknown as (mw: unknown, options: unknown) => void)(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        requests.push(String(context.commandName));
        return next(args);
      },
    { step: 'initialize', name: 'countRequests' },
  );
});

afterAll(async () => {
  sqs?.destroy();
  await fauxqs?.stop();
});

describe('batchingPublisher', () => {
  it('sends 25 events asked for at once in 3 SendMessageBatch requests; each arrives once', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'events-batching' }));
    requests.length = 0;
    const publish = batchingPublisher(sqs, QueueUrl!);
    const bodies = Array.from({ length: 25 }, (_, i) => JSON.stringify({ event: i }));
    await Promise.all(bodies.map((body) => publish(body)));
    expect(requests).toEqual([
      'SendMessageBatchCommand',
      'SendMessageBatchCommand',
      'SendMessageBatchCommand',
    ]);
    const received: string[] = [];
    for (let i = 0; i < 10 && received.length < 25; i++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      received.push(...(out.Messages ?? []).map((m) => m.Body!));
    }
    expect(received.sort()).toEqual([...bodies].sort());
  });

  it('fails the publish of an event SQS refuses, and only that one', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'events-refusing' }));
    const publish = batchingPublisher(sqs, QueueUrl!);
    const results = await Promise.allSettled([publish('{"ok":1}'), publish('\uffff'), publish('{"ok":2}')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
