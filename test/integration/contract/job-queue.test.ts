/**
 * JobQueue contract: the same cases against RecordingQueue and SqsJobQueue (fauxqs, through the real SQS client).
 * What is sent arrives, each job once, as its JSON, in any order; a job is at most 1 MiB (the SQS message limit)
 * and a job SQS refuses fails the call, naming how many were not enqueued. Batching, retries of `Failed` entries
 * and backoff stay in test/integration/sqs-job-queue.test.ts.
 */
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SqsJobQueue } from '#adapters/sqs/job-queue.ts';
import type { JobQueue, SendJob } from '#ports/index.ts';
import { RecordingQueue } from '#test/helpers/fakes/index.ts';
import { drainBodies } from '#test/helpers/sqs.ts';
import { type Implementation, unique } from './support.ts';

interface Subject {
  queue: JobQueue<SendJob>;
  /** Every job that arrived so far, taken off the queue (as its consumer would). */
  received: () => Promise<SendJob[]>;
}

const sqs = new SQSClient({ endpoint: inject('endpoints').sqs, region: inject('region') });
const queueUrls: string[] = [];
afterAll(async () => {
  await Promise.all(queueUrls.map((QueueUrl) => sqs.send(new DeleteQueueCommand({ QueueUrl }))));
  sqs.destroy();
});

/** Every job in the queue, taken off it. */
const drain = async (queueUrl: string): Promise<SendJob[]> =>
  (await drainBodies(sqs, queueUrl)).map((body) => JSON.parse(body) as SendJob);

const implementations: Array<Implementation<Promise<Subject>>> = [
  {
    name: 'RecordingQueue',
    make: async () => {
      const queue = new RecordingQueue<SendJob>();
      return { queue, received: async () => queue.drain() };
    },
  },
  {
    name: 'SqsJobQueue',
    make: async () => {
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: unique('contract').slice(0, 40) }),
      );
      queueUrls.push(QueueUrl!);
      return {
        queue: new SqsJobQueue<SendJob>({ client: sqs, queueUrl: QueueUrl!, baseDelayMs: 1 }),
        received: () => drain(QueueUrl!),
      };
    },
  },
];

const jobs = (count: number, deliveryId = 'd-1'): SendJob[] =>
  Array.from({ length: count }, (_, i) => ({ deliveryId, version: 1, recipientIds: [`r${i}a`, `r${i}b`] }));

/** A job of about `kib` KiB of JSON. */
const sized = (kib: number, deliveryId: string): SendJob => ({
  deliveryId,
  version: 1,
  recipientIds: Array.from(
    { length: Math.ceil((kib * 1024) / 20) },
    (_, n) => `recipient-${String(n).padStart(7, '0')}`,
  ),
});

const byFirstRecipient = (a: SendJob, b: SendJob) => a.recipientIds[0]!.localeCompare(b.recipientIds[0]!);

describe.each(implementations)('JobQueue contract: $name', ({ make }) => {
  it('delivers every job sent, each once, in any order', async () => {
    const { queue, received } = await make();
    await queue.send(jobs(25));
    await queue.send(jobs(3, 'd-2'));
    const arrived = await received();
    expect(arrived).toHaveLength(28);
    expect(arrived.filter((j) => j.deliveryId === 'd-1').sort(byFirstRecipient)).toEqual(
      jobs(25).sort(byFirstRecipient),
    );
    expect(arrived.filter((j) => j.deliveryId === 'd-2').sort(byFirstRecipient)).toEqual(jobs(3, 'd-2'));
    expect(await received()).toEqual([]);
  });

  it('sends nothing for no jobs', async () => {
    const { queue, received } = await make();
    await queue.send([]);
    expect(await received()).toEqual([]);
  });

  it('carries each job as its JSON: undefined properties are dropped, text arrives as sent', async () => {
    const { queue, received } = await make();
    const job = { deliveryId: 'd-é-漢字', version: 3, recipientIds: ['ann', 'bob'], note: undefined };
    await queue.send([job]);
    expect(await received()).toStrictEqual([
      { deliveryId: 'd-é-漢字', version: 3, recipientIds: ['ann', 'bob'] },
    ]);
  });

  it('takes jobs that together exceed one batch’s 1 MiB: five jobs of 400 KiB all arrive', async () => {
    const { queue, received } = await make();
    const big = [0, 1, 2, 3, 4].map((i) => sized(400, `d-big-${i}`));
    await queue.send(big);
    const arrived = await received();
    expect(arrived.map((j) => j.deliveryId).sort()).toEqual(big.map((j) => j.deliveryId));
    expect(arrived.find((j) => j.deliveryId === 'd-big-3')).toEqual(big[3]);
  });

  it('refuses a job over 1 MiB with a RangeError, and sends nothing of that call', async () => {
    const { queue, received } = await make();
    const huge = sized(1100, 'd-huge');
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeGreaterThan(1_048_576);
    await expect(queue.send([...jobs(2), huge])).rejects.toThrow(RangeError);
    expect(await received()).toEqual([]);
  });

  it('fails a call with a job SQS cannot carry (U+FFFF), naming how many were not enqueued; the others arrive', async () => {
    const { queue, received } = await make();
    const bad: SendJob = { deliveryId: 'd-\uffff', version: 1, recipientIds: ['x'] };
    await expect(queue.send([jobs(1)[0]!, bad, jobs(2)[1]!])).rejects.toThrow(
      /1 of 3 jobs were not enqueued/,
    );
    expect((await received()).sort(byFirstRecipient)).toEqual(jobs(2));
  });
});
