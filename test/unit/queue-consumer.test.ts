/**
 * The queue consumers' middy stack (functions/lib/queue.ts) on AWS's SQS event: partial batch responses,
 * invocations that run at once in one process (as the local runtime runs them) each keep their own records, and
 * continuation jobs a consumer takes from its queue itself (`more`, with FakeJobSource).
 */
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type JobMessage, queueConsumer, recordConsumer, timeForAnotherJob } from '#functions/lib/queue.ts';
import { fixture, lambdaContext } from '#test/helpers/aws-events.ts';
import { FakeJobSource } from '#test/helpers/fakes/index.ts';

const sqsEvent = (bodies: string[]) => {
  const record = fixture<{ Records: Array<Record<string, unknown>> }>('lambda/sqs-event.json').Records[0]!;
  return { Records: bodies.map((body) => ({ ...record, messageId: randomUUID(), body })) };
};
type Invoke = (event: unknown, context: unknown) => Promise<SQSBatchResponse>;

describe('queue consumers', () => {
  it('gives each of several concurrent invocations its own records and its own per-invocation state', async () => {
    const seen: Array<{ invocation: number; body: string }> = [];
    let invocations = 0;
    const release: Array<() => void> = [];
    const handler = recordConsumer(
      async (record, _context, shared: { invocation: number; bodies: string[] }) => {
        // Each record waits, so the invocations interleave.
        await new Promise<void>((resolve) => release.push(resolve));
        shared.bodies.push(record.body);
        seen.push({ invocation: shared.invocation, body: record.body });
      },
      {
        perInvocation: () => ({ invocation: ++invocations, bodies: [] as string[] }),
        afterBatch: async (shared) => {
          expect(shared.bodies.every((b) => b.startsWith(`batch${shared.invocation}-`))).toBe(true);
        },
      },
    ) as unknown as Invoke;
    const a = handler(sqsEvent(['batch1-a', 'batch1-b', 'batch1-c']), lambdaContext('c'));
    const b = handler(sqsEvent(['batch2-a', 'batch2-b']), lambdaContext('c'));
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      for (const r of release.splice(0)) r();
    }
    expect(await a).toEqual({ batchItemFailures: [] });
    expect(await b).toEqual({ batchItemFailures: [] });
    expect(seen.map((s) => `${s.invocation}:${s.body}`).sort()).toEqual([
      '1:batch1-a',
      '1:batch1-b',
      '1:batch1-c',
      '2:batch2-a',
      '2:batch2-b',
    ]);
  });

  it('reports a poison message and a failed job in batchItemFailures, the others succeed', async () => {
    const done: number[] = [];
    const handler = queueConsumer(z.object({ n: z.number() }), async (job) => {
      if (job.n === 3) throw new Error('retry later');
      done.push(job.n);
    }) as unknown as Invoke;
    const event = sqsEvent([
      JSON.stringify({ n: 1 }),
      'not json',
      JSON.stringify({ x: 1 }),
      JSON.stringify({ n: 3 }),
    ]);
    const result = await handler(event, lambdaContext('c'));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.slice(1).map((r) => r.messageId),
    );
    expect(done).toEqual([1]);
  });
});

describe('queue consumers with more jobs from their queue', () => {
  const schema = z.object({ n: z.number() });
  const body = (n: number) => JSON.stringify({ n });

  /** A consumer whose jobs record what ran, in which invocation state; job n = `failing` throws. */
  const consumer = (
    source: FakeJobSource,
    options: { failing?: number[]; while?: (shared: State) => boolean } = {},
  ) => {
    const ran: Array<{ n: number; continued: boolean; state: State }> = [];
    const events: string[] = [];
    let invocations = 0;
    const handler = queueConsumer(
      schema,
      async (job, _context, message: JobMessage, shared: State) => {
        // Yield, so the workers of the batch interleave as they would on I/O.
        await new Promise((r) => setImmediate(r));
        ran.push({ n: job.n, continued: message.continued, state: shared });
        events.push(`job ${job.n}`);
        shared.jobs += 1;
        if (options.failing?.includes(job.n)) throw new Error(`job ${job.n} fails`);
      },
      {
        inParallel: true,
        perInvocation: () => ({ invocation: ++invocations, jobs: 0 }),
        afterBatch: async (shared) => {
          events.push(`afterBatch after ${shared.jobs} jobs`);
        },
        more: { source, while: (_context, shared) => options.while?.(shared) ?? true },
      },
    ) as unknown as Invoke;
    return { handler, ran, events };
  };
  interface State {
    invocation: number;
    jobs: number;
  }

  it('runs a batch of 2 records and 3 queued jobs, all with the same per-invocation state, and marks the queued ones done', async () => {
    const source = new FakeJobSource([body(3), body(4), body(5)]);
    const { handler, ran } = consumer(source);
    const result = await handler(sqsEvent([body(1), body(2)]), lambdaContext('c'));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ran.map((r) => `${r.n}:${r.continued}`).sort()).toEqual([
      '1:false',
      '2:false',
      '3:true',
      '4:true',
      '5:true',
    ]);
    expect(new Set(ran.map((r) => r.state)).size).toBe(1);
    expect(ran[0]!.state).toEqual({ invocation: 1, jobs: 5 });
    expect(source.done.sort()).toEqual([body(3), body(4), body(5)]);
    expect(source.pending).toBe(0);
  });

  it('leaves a queued job that fails not done, out of batchItemFailures, and stops that worker only', async () => {
    const source = new FakeJobSource([body(3), body(4), body(5)]);
    const { handler, ran } = consumer(source, { failing: [3] });
    const result = await handler(sqsEvent([body(1), body(2)]), lambdaContext('c'));
    expect(result).toEqual({ batchItemFailures: [] });
    // The other worker went on with the rest of the queue.
    expect(ran.map((r) => r.n).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(source.done.sort()).toEqual([body(4), body(5)]);
    expect(source.pending).toBe(1);
  });

  it('reports a record whose own job failed, and its worker still takes jobs from the queue', async () => {
    const source = new FakeJobSource([body(3)]);
    const { handler, ran } = consumer(source, { failing: [1] });
    const event = sqsEvent([body(1)]);
    const result = await handler(event, lambdaContext('c'));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([event.Records[0]!.messageId]);
    expect(ran.map((r) => r.n)).toEqual([1, 3]);
    expect(source.done).toEqual([body(3)]);
  });

  it('leaves a poison queued body (not JSON, not a job) not done, and goes on with the next', async () => {
    const source = new FakeJobSource(['not json', JSON.stringify({ x: 1 }), body(3)]);
    const { handler, ran } = consumer(source);
    const result = await handler(sqsEvent([body(1)]), lambdaContext('c'));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ran.map((r) => r.n)).toEqual([1, 3]);
    expect(source.done).toEqual([body(3)]);
    expect(source.pending).toBe(2);
  });

  it('gives each run of a job its own run id, also a message taken twice while its first run goes on', async () => {
    // A visibility timeout of 0: both workers take the same queued message, one while the other runs it.
    const source = new FakeJobSource([body(3)], { visibilityTimeoutMs: 0 });
    const runs: Array<{ n: number; runId: string; messageId: string }> = [];
    let taken = 0;
    const handler = queueConsumer(
      schema,
      async (job, _context, message: JobMessage) => {
        runs.push({ n: job.n, runId: message.runId, messageId: message.messageId });
        await new Promise((r) => setImmediate(r));
      },
      { inParallel: true, more: { source, while: () => taken++ < 2 } },
    ) as unknown as Invoke;
    await handler(sqsEvent([body(1), body(2)]), lambdaContext('c'));
    const queued = runs.filter((r) => r.n === 3);
    expect(queued).toHaveLength(2);
    expect(queued[0]!.messageId).toBe(queued[1]!.messageId);
    expect(new Set(runs.map((r) => r.runId)).size).toBe(runs.length);
  });

  it('takes no job from the queue once `while` says no', async () => {
    const source = new FakeJobSource([body(3), body(4), body(5)]);
    const { handler, ran } = consumer(source, { while: (shared) => shared.jobs < 3 });
    await handler(sqsEvent([body(1)]), lambdaContext('c'));
    expect(ran.map((r) => r.n)).toEqual([1, 3, 4]);
    expect(source.done).toEqual([body(3), body(4)]);

    const idle = new FakeJobSource([body(3)]);
    const never = consumer(idle, { while: () => false });
    await never.handler(sqsEvent([body(1)]), lambdaContext('c'));
    expect(never.ran.map((r) => r.n)).toEqual([1]);
    expect(idle.receives).toBe(0);
  });

  it('runs afterBatch once, after every worker has stopped taking jobs', async () => {
    const source = new FakeJobSource([body(3), body(4), body(5)]);
    const { handler, events } = consumer(source);
    await handler(sqsEvent([body(1), body(2)]), lambdaContext('c'));
    expect(events).toHaveLength(6);
    expect(events.at(-1)).toBe('afterBatch after 5 jobs');
  });
});

describe('time for another job', () => {
  it('holds the longest job so far with 1.5 headroom, and never less than the floor', () => {
    // Short jobs: the 30 s floor.
    expect(timeForAnotherJob(30_001, 5_000)).toBe(true);
    expect(timeForAnotherJob(30_000, 5_000)).toBe(false);
    // A 40 s job: 60 s needed.
    expect(timeForAnotherJob(59_000, 40_000)).toBe(false);
    expect(timeForAnotherJob(61_000, 40_000)).toBe(true);
    expect(timeForAnotherJob(11_000, 1_000, 10_000, 2)).toBe(true);
  });
});
