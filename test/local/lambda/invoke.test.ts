/** Lambda in the local runtime: contexts carry the topology timeout and memory; invoke reports function errors as Lambda does. */
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { buildContext, invoke, type LoadedFunction } from '#local/lambda/invoke.ts';

describe('Lambda context and invoke', () => {
  const spec = {
    entry: 'x.ts',
    description: 'x',
    timeoutSeconds: 29,
    memoryMb: 512,
    trigger: { kind: 'http', routes: [] },
    tables: {},
  } as const;
  const fn = (handler: LoadedFunction['handler'], timeoutSeconds = 29): LoadedFunction => ({
    name: 'deliveries',
    spec: { ...spec, timeoutSeconds },
    handler,
  });

  it('builds a context with the topology timeout and memory', () => {
    const context = buildContext({ name: 'deliveries', spec }, '00000000-0000-4000-8000-000000000001');
    expect(context).toMatchObject({
      functionName: 'deliveries',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:deliveries',
      memoryLimitInMB: '512',
      awsRequestId: '00000000-0000-4000-8000-000000000001',
      logGroupName: '/aws/lambda/deliveries',
    });
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(28_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(29_000);
  });

  it('passes the event and context and returns the result', async () => {
    let seen: Context | undefined;
    const outcome = await invoke(
      fn(async (event, context) => {
        seen = context;
        return { echo: event };
      }),
      { a: 1 },
    );
    expect(outcome).toEqual({ ok: true, result: { echo: { a: 1 } } });
    expect(seen?.functionName).toBe('deliveries');
  });

  it('reports a throw as a function error', async () => {
    const outcome = await invoke(
      fn(async () => {
        throw new TypeError('boom');
      }),
      {},
    );
    expect(outcome).toMatchObject({ ok: false, errorType: 'TypeError', errorMessage: 'boom' });
  });

  it('reports a timeout as Lambda does', async () => {
    const outcome = await invoke(
      fn(() => new Promise(() => {}), 0.05),
      {},
    );
    expect(outcome).toMatchObject({
      ok: false,
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 0.05 seconds',
    });
  });
});
