/**
 * The queue pollers on the SQS emulator (fauxqs, in this process), with test functions: what the Lambda SQS event
 * source does. A poison message of a batch is retried alone and lands in the dead-letter queue after
 * maxReceiveCount receives (fauxqs applying the redrive policy) while its batch-mates are deleted at once and
 * later messages flow; a thrown error or a timeout redelivers the whole batch; no more than maxConcurrency batches
 * are in flight; stopping lets the batch under way finish and leaves no loop behind.
 *
 * Queues use a visibility timeout of 1 s, so retries take seconds; waits are bounded polls, never sleeps.
 */
import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionName, FunctionSpec, QueueSpec } from '#topology/topology.ts';
import type { LoadedFunction } from '#local/lambda/invoke.ts';
import { type Poller, startPoller } from '#local/sqs/pollers.ts';
import { createQueues, type QueueResource } from '#local/sqs/queues.ts';
import { waitFor } from '#test/helpers/runtime.ts';
import { queueDepth } from '#test/helpers/sqs.ts';
import { fixture as awsFixture } from '#test/helpers/aws-events.ts';

const REGION = 'us-east-1';
const fixture = awsFixture<SQSEvent>('lambda/sqs-event.json');

let fauxqs: FauxqsServer;
let sqs: SQSClient;
const pollers: Poller[] = [];

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({
    region: REGION,
    endpoint: fauxqs.address,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  await Promise.all(pollers.map((p) => p.stop(5_000)));
  sqs?.destroy();
  await fauxqs?.stop();
});

let queueCount = 0;
/** A fresh queue with its dead-letter queue, visibility timeout 1 s. */
const makeQueue = async (spec: Partial<QueueSpec> = {}): Promise<QueueResource> => {
  queueCount += 1;
  const name = `q${queueCount}`;
  const created = await createQueues(sqs, {
    prefix: 'test',
    endpoint: fauxqs.address,
    specs: {
      [name]: {
        description: 'test',
        visibilityTimeoutSeconds: 1,
        maxReceiveCount: 3,
        retentionDays: 1,
        ...spec,
      },
    },
  });
  return created[name]!;
};

const send = async (queue: QueueResource, bodies: string[]) => {
  for (let i = 0; i < bodies.length; i += 10) {
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody })),
      }),
    );
    expect(out.Failed ?? []).toEqual([]);
  }
};

const depth = (url: string): Promise<number> => queueDepth(sqs, url);

const testFunction = (
  trigger: { batchSize: number; maxConcurrency: number },
  handler: (event: SQSEvent) => Promise<unknown>,
  timeoutSeconds = 10,
): LoadedFunction => {
  const spec: FunctionSpec = {
    entry: 'test',
    description: 'test consumer',
    timeoutSeconds,
    memoryMb: 128,
    trigger: { kind: 'queue', queue: 'send', ...trigger },
    tables: {},
  };
  return { name: 'testConsumer' as FunctionName, spec, handler: (event) => handler(event as SQSEvent) };
};

const poll = (fn: LoadedFunction, queue: QueueResource, failures: string[] = []): Poller => {
  const poller = startPoller({
    sqs,
    fn,
    queue,
    region: REGION,
    onBatchFailure: (_fn, reason) => failures.push(reason),
  });
  pollers.push(poller);
  return poller;
};

interface Seen {
  body: string;
  messageId: string;
  receiveCount: number;
  batch: number;
}

describe('queue pollers on fauxqs', () => {
  it('deletes the good messages of a batch at once; the poison one is retried and lands in the DLQ', async () => {
    const queue = await makeQueue({ maxReceiveCount: 3 });
    const seen: Seen[] = [];
    let batches = 0;
    const fn = testFunction({ batchSize: 10, maxConcurrency: 2 }, async (event) => {
      batches += 1;
      const batch = batches;
      seen.push(
        ...event.Records.map((r) => ({
          body: r.body,
          messageId: r.messageId,
          receiveCount: Number(r.attributes.ApproximateReceiveCount),
          batch,
        })),
      );
      return {
        batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    });
    await send(queue, ['good-1', 'poison', 'good-2', 'good-3']);
    const poller = poll(fn, queue);

    await waitFor('the first batch to be settled', () => poller.stats().deleted === 3);
    // The three good messages are gone; only the poison one is left, in flight or waiting.
    expect(await depth(queue.url)).toBe(1);
    expect(
      seen
        .filter((s) => s.batch === 1)
        .map((s) => s.body)
        .sort(),
    ).toEqual(['good-1', 'good-2', 'good-3', 'poison']);

    // A message sent while the poison one is being retried is not held up by it.
    await send(queue, ['good-4']);
    await waitFor('good-4 to be deleted', () => poller.stats().deleted === 4);
    await waitFor(
      'the poison message to reach the dead-letter queue',
      async () => (await depth(queue.dlq.url)) === 1,
    );

    const poison = seen.filter((s) => s.body === 'poison');
    expect(poison.map((s) => s.receiveCount)).toEqual([1, 2, 3]);
    const good4 = seen.find((s) => s.body === 'good-4')!;
    expect(good4.batch).toBeLessThan(poison[2]!.batch);
    for (const body of ['good-1', 'good-2', 'good-3', 'good-4'])
      expect(
        seen.filter((s) => s.body === body),
        body,
      ).toHaveLength(1);
    expect(await depth(queue.url)).toBe(0);

    const { Messages: dead = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.dlq.url, MaxNumberOfMessages: 10 }),
    );
    expect(dead.map((m) => [m.MessageId, m.Body])).toEqual([[poison[0]!.messageId, 'poison']]);
  });

  it('redelivers the whole batch when the handler throws, as the SQS event AWS builds', async () => {
    const queue = await makeQueue({ maxReceiveCount: 5 });
    const events: SQSEvent[] = [];
    const failures: string[] = [];
    const fn = testFunction({ batchSize: 10, maxConcurrency: 2 }, async (event) => {
      events.push(event);
      if (events.length === 1) throw new TypeError('downstream unavailable');
      return { batchItemFailures: [] };
    });
    await send(queue, ['a', 'b', 'c']);
    const poller = poll(fn, queue, failures);

    await waitFor('the first batch to fail', () => poller.stats().failedInvocations === 1);
    expect(failures).toEqual(['TypeError: downstream unavailable']);
    expect(await depth(queue.url)).toBe(3);
    await waitFor('the batch to be redelivered and deleted', () => poller.stats().deleted === 3);
    expect(await depth(queue.url)).toBe(0);

    const records = events.flatMap((e) => e.Records);
    const first = events[0]!.Records;
    expect(first.map((r) => r.body).sort()).toEqual(['a', 'b', 'c']);
    for (const r of first) {
      const again = records.filter((x) => x.messageId === r.messageId);
      expect(again.map((x) => x.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    }
    // Records built from real ReceiveMessage answers keep the key set of AWS's event.
    const awsRecord = fixture.Records[0]!;
    for (const r of records) {
      expect(Object.keys(r)).toEqual(Object.keys(awsRecord));
      expect(Object.keys(r.attributes)).toEqual(Object.keys(awsRecord.attributes));
      expect(r).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: queue.arn, awsRegion: REGION });
      expect(r.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('treats a timed-out invocation as failed: nothing of its batch is deleted', async () => {
    const queue = await makeQueue({ maxReceiveCount: 5 });
    const failures: string[] = [];
    let release: () => void = () => {};
    const stuck = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const fn = testFunction(
      { batchSize: 10, maxConcurrency: 2 },
      async () => {
        calls += 1;
        if (calls === 1) await stuck;
        return null;
      },
      1,
    );
    await send(queue, ['slow']);
    const poller = poll(fn, queue, failures);
    await waitFor('the batch to be deleted after its retry', () => poller.stats().deleted === 1);
    release();
    expect(failures).toEqual(['Sandbox.Timedout: Task timed out after 1.00 seconds']);
    expect(calls).toBe(2);
    expect(await depth(queue.url)).toBe(0);
  });

  it('keeps at most maxConcurrency batches in flight', async () => {
    const queue = await makeQueue({ visibilityTimeoutSeconds: 60 });
    let inFlight = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const fn = testFunction({ batchSize: 1, maxConcurrency: 3 }, async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => gates.push(resolve));
      inFlight -= 1;
      return {};
    });
    await send(
      queue,
      Array.from({ length: 10 }, (_, i) => `m-${i}`),
    );
    const poller = poll(fn, queue);
    for (let released = 0; released < 10; released += 1) {
      const expected = Math.min(3, 10 - released);
      await waitFor(`${expected} invocations in flight`, () => inFlight === expected && gates.length > 0);
      gates.shift()!();
    }
    await waitFor('all ten deleted', () => poller.stats().deleted === 10);
    expect(most).toBe(3);
    expect(poller.stats().invocations).toBe(10);
  });

  it('stops after the batch under way is done and deleted, leaving no receive loop', async () => {
    const queue = await makeQueue({ visibilityTimeoutSeconds: 60 });
    let release: () => void = () => {};
    const started: SQSRecord[] = [];
    const fn = testFunction({ batchSize: 10, maxConcurrency: 2 }, async (event) => {
      started.push(...event.Records);
      await new Promise<void>((resolve) => (release = resolve));
      return null;
    });
    await send(queue, ['last']);
    const poller = poll(fn, queue);
    await waitFor('the invocation to start', () => started.length === 1);
    const stopped = poller.stop();
    release();
    await stopped;
    expect(poller.running()).toBe(0);
    expect(poller.stats()).toMatchObject({ invocations: 1, deleted: 1, inFlight: 0 });
    expect(await depth(queue.url)).toBe(0);
  });
});
