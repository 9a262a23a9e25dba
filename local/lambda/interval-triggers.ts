/**
 * Functions the topology runs every N minutes (trigger kind `every`; an EventBridge rule `rate(N minutes)` in
 * AWS), run on an interval in the local runtime, invoked with the event such a rule sends: an EventBridge
 * `Scheduled Event` naming the rule. A run never overlaps the previous one: the next starts one period after the
 * previous started, or as soon as it ends if it took longer. The first run comes one period after the start, as a
 * new rule's does. The clock and timers are injectable.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionName } from '#topology/topology.ts';
import {
  type InvokeOutcome,
  invoke as invokeFunction,
  LOCAL_ACCOUNT_ID,
  type LoadedFunction,
} from './invoke.ts';

/** The event an EventBridge scheduled rule sends to its target (time to the second, as EventBridge writes it). */
export const scheduledEvent = (ruleArn: string, at: Date, region: string, account = LOCAL_ACCOUNT_ID) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account,
  time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region,
  resources: [ruleArn],
  detail: {},
});

export const ruleArn = (region: string, prefix: string, name: string, account = LOCAL_ACCOUNT_ID) =>
  `arn:aws:events:${region}:${account}:rule/${prefix}-${name}`;

export interface IntervalTriggersOptions {
  functions: ReadonlyMap<FunctionName, LoadedFunction>;
  region: string;
  /** Prefix of the local rule names (the rule ARN in `resources`). */
  prefix: string;
  /** Every function's period instead of its topology minutes. */
  periodMs?: number;
  /** Some functions' periods instead of their topology minutes (LOCAL_SWEEP_INTERVAL_SECONDS: the sweeper's). */
  periodOverrides?: Partial<Record<FunctionName, number>>;
  now?: () => number;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  invoke?: (fn: LoadedFunction, event: unknown) => Promise<InvokeOutcome>;
  onError?: (fn: LoadedFunction, outcome: Extract<InvokeOutcome, { ok: false }>) => void;
}

export interface IntervalTriggers {
  /** Each function on an interval and its period. */
  readonly periods: ReadonlyMap<FunctionName, number>;
  /** Runs started so far, per function. */
  runs(name: FunctionName): number;
  /** No new run starts; resolves once runs under way end (or after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

export const startIntervalTriggers = (options: IntervalTriggersOptions): IntervalTriggers => {
  const now = options.now ?? Date.now;
  const setTimer = options.setTimeout ?? ((cb: () => void, ms: number) => setTimeout(cb, ms));
  const clearTimer = options.clearTimeout ?? ((h: unknown) => clearTimeout(h as NodeJS.Timeout));
  const invoke = options.invoke ?? ((fn: LoadedFunction, event: unknown) => invokeFunction(fn, event));
  if (options.periodMs !== undefined && !(options.periodMs > 0)) throw new RangeError('periodMs must be > 0');
  const periods = new Map<FunctionName, number>();
  const counts = new Map<FunctionName, number>();
  const timers = new Set<unknown>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  for (const [name, fn] of options.functions) {
    if (fn.spec.trigger.kind !== 'every') continue;
    const period = options.periodOverrides?.[name] ?? options.periodMs ?? fn.spec.trigger.minutes * 60_000;
    periods.set(name, period);
    counts.set(name, 0);
    const arn = ruleArn(options.region, options.prefix, name);

    const arm = (delay: number) => {
      if (stopped) return;
      const handle = setTimer(
        () => {
          timers.delete(handle);
          run();
        },
        Math.max(0, delay),
      );
      timers.add(handle);
    };
    const run = () => {
      if (stopped) return;
      const startedAt = now();
      counts.set(name, (counts.get(name) ?? 0) + 1);
      const invocation = invoke(fn, scheduledEvent(arn, new Date(startedAt), options.region))
        .then((outcome) => {
          if (!outcome.ok) options.onError?.(fn, outcome);
        })
        .finally(() => {
          running.delete(invocation);
          arm(startedAt + period - now());
        });
      running.add(invocation);
    };
    arm(period);
  }

  return {
    periods,
    runs: (name) => counts.get(name) ?? 0,
    async stop(graceMs = 20_000) {
      stopped = true;
      for (const handle of timers) clearTimer(handle);
      timers.clear();
      if (running.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...running]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
  };
};
