/**
 * The queue consumers' middy stack (functions/lib/queue.ts) on AWS's SQS event: partial batch responses, and
 * invocations that run at once in one process (as the local runtime runs them) each keep their own records.
 */
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queueConsumer, recordConsumer } from '#functions/lib/queue.ts';
import { fixture, lambdaContext } from '#test/helpers/aws-events.ts';

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
