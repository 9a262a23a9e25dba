/**
 * SqsJobQueue against fauxqs through the real SQS client: batches of ≤ 10 entries and ≤ 1 MiB, every job enqueued
 * exactly once, `Failed` entries of an HTTP-200 answer retried (injected by an SDK middleware on the client, the
 * way a partial failure reaches the adapter), and a clear error when entries keep failing.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MAX_BATCH_BYTES, packBatches, SqsJobQueue } from '#adapters/sqs/job-queue.ts';
import type { SendJob } from '#ports/index.ts';
import { drainBodies } from '#test/helpers/sqs.ts';

const queues: string[] = [];
const admin = new SQSClient({ endpoint: inject('endpoints').sqs, region: inject('region') });

afterAll(async () => {
  await Promise.all(queues.map((QueueUrl) => admin.send(new DeleteQueueCommand({ QueueUrl }))));
  admin.destroy();
});

const createQueue = async (): Promise<string> => {
  const out = await admin.send(new CreateQueueCommand({ QueueName: `jobs-${randomUUID().slice(0, 8)}` }));
  queues.push(out.QueueUrl!);
  return out.QueueUrl!;
};

const drain = (queueUrl: string): Promise<string[]> => drainBodies(admin, queueUrl);

type Batch = { input: SendMessageBatchCommandInput; output?: SendMessageBatchCommandOutput };

/**
 * An SQS client that records each SendMessageBatch and lets `fault` rewrite it: drop entries from the request
 * before it leaves and report them in `Failed`, as SQS does when it could not store them.
 */
const sqsClient = (fault?: (call: number, input: SendMessageBatchCommandInput) => Set<string>) => {
  const client = new SQSClient({ endpoint: inject('endpoints').sqs, region: inject('region') });
  const calls: Batch[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      const input = args.input as SendMessageBatchCommandInput;
      const call: Batch = { input: structuredClone(input) };
      calls.push(call);
      const failing = fault?.(calls.length, input) ?? new Set<string>();
      const entries = (input.Entries ?? []).filter((e) => !failing.has(e.Id!));
      const result =
        entries.length > 0
          ? await next({ ...args, input: { ...input, Entries: entries } })
          : { output: { Successful: [], $metadata: {} }, response: {} };
      const output = result.output as SendMessageBatchCommandOutput;
      output.Failed = [
        ...(output.Failed ?? []),
        ...[...failing].map((Id) => ({ Id, SenderFault: false, Code: 'InternalError', Message: 'injected' })),
      ];
      call.output = output;
      return result;
    },
    { step: 'initialize', name: 'injectBatchFailures' },
  );
  return { client, calls };
};

const jobs = (count: number): SendJob[] =>
  Array.from({ length: count }, (_, i) => ({
    deliveryId: 'd-1',
    version: 1,
    recipientIds: [`r${i}a`, `r${i}b`],
  }));

describe('SqsJobQueue (fauxqs)', () => {
  it('enqueues 25 jobs in batches of 10, 10 and 5, each exactly once', async () => {
    const queueUrl = await createQueue();
    const { client, calls } = sqsClient();
    await new SqsJobQueue<SendJob>({ client, queueUrl }).send(jobs(25));

    expect(calls.map((c) => c.input.Entries?.length)).toEqual([10, 10, 5]);
    for (const call of calls) {
      const ids = call.input.Entries!.map((e) => e.Id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    const received = (await drain(queueUrl)).map((body) => JSON.parse(body) as SendJob);
    expect(received).toHaveLength(25);
    expect(received.map((j) => j.recipientIds[0]).sort()).toEqual(
      jobs(25)
        .map((j) => j.recipientIds[0])
        .sort(),
    );
    expect(received).toContainEqual(jobs(25)[13]);
  });

  it('retries the Failed entries of an HTTP-200 answer: each job still arrives once', async () => {
    const queueUrl = await createQueue();
    const { client, calls } = sqsClient((call) => (call === 1 ? new Set(['3', '7']) : new Set()));
    await new SqsJobQueue<SendJob>({ client, queueUrl, baseDelayMs: 1 }).send(jobs(25));

    expect(calls[0]!.output?.Failed?.map((f) => f.Id)).toEqual(['3', '7']);
    // The retry carries exactly the failed entries, under their ids.
    const retry = calls.find((c) => c.input.Entries?.length === 2);
    expect(retry?.input.Entries?.map((e) => [e.Id, JSON.parse(e.MessageBody!).recipientIds[0]])).toEqual([
      ['3', 'r3a'],
      ['7', 'r7a'],
    ]);
    expect(calls).toHaveLength(4);
    const received = (await drain(queueUrl)).map((body) => (JSON.parse(body) as SendJob).recipientIds[0]);
    expect(received.sort()).toEqual(
      jobs(25)
        .map((j) => j.recipientIds[0])
        .sort(),
    );
  });

  it('gives up after its attempts and names how many jobs were not enqueued', async () => {
    const queueUrl = await createQueue();
    const { client, calls } = sqsClient((_call, input) =>
      input.Entries?.some((e) => e.Id === '0') ? new Set(['0']) : new Set(),
    );
    const queue = new SqsJobQueue<SendJob>({ client, queueUrl, maxAttempts: 3, baseDelayMs: 1 });
    await expect(queue.send(jobs(12))).rejects.toThrow(
      /^SQS: 2 of 12 jobs were not enqueued .*InternalError/,
    );
    // Two batches (10 + 2), each entry '0' tried 3 times.
    expect(calls.filter((c) => c.input.Entries?.some((e) => e.Id === '0'))).toHaveLength(6);
    expect(await drain(queueUrl)).toHaveLength(10);
  });

  it('does not retry what SQS refused as a sender fault', async () => {
    const queueUrl = await createQueue();
    const { client, calls } = sqsClient();
    // U+FFFF is not allowed in an SQS body, and JSON.stringify leaves it as is: fauxqs refuses the entry.
    const bad: SendJob = { deliveryId: 'd-\uffff', version: 1, recipientIds: ['x'] };
    const queue = new SqsJobQueue<SendJob>({ client, queueUrl, baseDelayMs: 1 });
    await expect(queue.send([jobs(1)[0]!, bad])).rejects.toThrow(/1 of 2 jobs .*InvalidMessageContents/);
    expect(calls).toHaveLength(1);
    expect(await drain(queueUrl)).toHaveLength(1);
  });

  it('keeps each batch under 1 MiB', async () => {
    const queueUrl = await createQueue();
    const { client, calls } = sqsClient();
    const big = (i: number): SendJob => ({
      deliveryId: `d-${i}`,
      version: 1,
      recipientIds: Array.from({ length: 20_000 }, (_, n) => `recipient-${String(n).padStart(6, '0')}`),
    });
    const size = Buffer.byteLength(JSON.stringify(big(0)));
    expect(size).toBeGreaterThan(MAX_BATCH_BYTES / 3);
    expect(size).toBeLessThan(MAX_BATCH_BYTES / 2);
    await new SqsJobQueue<SendJob>({ client, queueUrl }).send([0, 1, 2, 3, 4].map(big));
    expect(calls.map((c) => c.input.Entries?.length)).toEqual([2, 2, 1]);
    expect(await drain(queueUrl)).toHaveLength(5);

    expect(() => packBatches(['x'.repeat(MAX_BATCH_BYTES + 1)])).toThrow(RangeError);
    expect(packBatches(['é'.repeat(MAX_BATCH_BYTES / 4), 'a'.repeat(MAX_BATCH_BYTES / 2 + 1)])).toHaveLength(
      2,
    );
  });
});
