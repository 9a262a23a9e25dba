/**
 * Functions on an interval (topology trigger `every`): invoked with an EventBridge scheduled event, once per
 * period, never overlapping themselves, stopped cleanly. An injected clock: no real sleeps.
 */
import { describe, expect, it } from 'vitest';
import { type FunctionName, functions } from '#topology/topology.ts';
import { ruleArn, scheduledEvent, startIntervalTriggers } from '#local/lambda/interval-triggers.ts';
import type { InvokeOutcome, LoadedFunction } from '#local/lambda/invoke.ts';
import { fakeClock as clockFrom, flush } from '#test/helpers/fake-timers.ts';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const fakeClock = (start = T0) => clockFrom(start);

/** The topology's functions as loaded, with the sweeper's handler replaced by a recorder. */
const loaded = () =>
  new Map<FunctionName, LoadedFunction>(
    (['sweeper', 'ingester', 'deliveries'] as FunctionName[]).map((name) => [
      name,
      { name, spec: functions[name], handler: async () => null },
    ]),
  );

const recorder = (clock: { now(): number }) => {
  const calls: Array<{ at: number; fn: FunctionName; event: Record<string, unknown> }> = [];
  const releases: Array<(outcome: InvokeOutcome) => void> = [];
  return {
    calls,
    /** Ends the oldest run still under way. */
    release: (outcome: InvokeOutcome = { ok: true, result: null }) => releases.shift()?.(outcome),
    invoke: (fn: LoadedFunction, event: unknown) => {
      calls.push({ at: clock.now(), fn: fn.name, event: event as Record<string, unknown> });
      return new Promise<InvokeOutcome>((resolve) => releases.push(resolve));
    },
  };
};

describe('functions on an interval', () => {
  it('runs only the `every` functions, each period, with the EventBridge scheduled event of its rule', async () => {
    const clock = fakeClock();
    const calls = recorder(clock);
    const triggers = startIntervalTriggers({
      functions: loaded(),
      region: 'us-east-1',
      prefix: 'local',
      ...clock,
      invoke: calls.invoke,
    });
    const period = functions.sweeper.trigger.minutes * 60_000;
    expect([...triggers.periods]).toEqual([['sweeper', period]]);

    await clock.advance(period - 1);
    expect(calls.calls).toEqual([]);
    await clock.advance(1);
    expect(calls.calls.map((c) => [c.fn, c.at - T0])).toEqual([['sweeper', period]]);
    const event = calls.calls[0]!.event;
    expect(Object.keys(event)).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: '2026-03-02T09:05:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/local-sweeper'],
      detail: {},
    });
    calls.release();
    await clock.advance(period);
    expect(calls.calls.map((c) => c.at - T0)).toEqual([period, 2 * period]);
    expect(calls.calls[1]!.event.id).not.toBe(event.id);
    calls.release();
    await triggers.stop();
  });

  it('never overlaps itself: a long run delays the next until it ends', async () => {
    const clock = fakeClock();
    const calls = recorder(clock);
    const triggers = startIntervalTriggers({
      functions: loaded(),
      region: 'us-east-1',
      prefix: 'local',
      periodMs: 1_000,
      ...clock,
      invoke: calls.invoke,
    });
    await clock.advance(1_000);
    await clock.advance(3_500); // the first run is still under way
    expect(calls.calls).toHaveLength(1);
    calls.release();
    await clock.advance(0);
    expect(calls.calls.map((c) => c.at - T0)).toEqual([1_000, 4_500]);
    calls.release();
    await clock.advance(999);
    expect(calls.calls).toHaveLength(2);
    await clock.advance(1);
    expect(calls.calls.map((c) => c.at - T0)).toEqual([1_000, 4_500, 5_500]);
    calls.release();
    expect(triggers.runs('sweeper')).toBe(3);
    await triggers.stop();
  });

  it('reports a failed run and keeps going', async () => {
    const clock = fakeClock();
    const calls = recorder(clock);
    const errors: string[] = [];
    const triggers = startIntervalTriggers({
      functions: loaded(),
      region: 'us-east-1',
      prefix: 'local',
      periodMs: 1_000,
      ...clock,
      invoke: calls.invoke,
      onError: (fn, outcome) => errors.push(`${fn.name}: ${outcome.errorMessage}`),
    });
    await clock.advance(1_000);
    calls.release({ ok: false, errorType: 'Error', errorMessage: 'boom', trace: [] });
    await clock.advance(1_000);
    expect(errors).toEqual(['sweeper: boom']);
    expect(calls.calls).toHaveLength(2);
    calls.release();
    await triggers.stop();
  });

  it('stops cleanly: waits for the run under way, starts no other', async () => {
    const clock = fakeClock();
    const calls = recorder(clock);
    const triggers = startIntervalTriggers({
      functions: loaded(),
      region: 'us-east-1',
      prefix: 'local',
      periodMs: 1_000,
      ...clock,
      invoke: calls.invoke,
    });
    await clock.advance(1_000);
    let stopped = false;
    const stopping = triggers.stop().then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false);
    calls.release();
    await stopping;
    expect(clock.timers()).toBe(0);
    await clock.advance(10_000);
    expect(calls.calls).toHaveLength(1);
  });

  it('refuses a period that is not positive', () => {
    expect(() =>
      startIntervalTriggers({ functions: loaded(), region: 'us-east-1', prefix: 'local', periodMs: 0 }),
    ).toThrow(RangeError);
  });

  it('names the rule as a local EventBridge rule ARN', () => {
    expect(ruleArn('us-east-1', 'local', 'sweeper')).toBe(
      'arn:aws:events:us-east-1:000000000000:rule/local-sweeper',
    );
    expect(scheduledEvent('arn:x', new Date('2026-01-01T00:00:00.999Z'), 'eu-west-1').time).toBe(
      '2026-01-01T00:00:00Z',
    );
  });
});
