/**
 * The local EventBridge Scheduler. No emulator exists, so the runtime serves the part of Scheduler's wire protocol
 * that `@aws-sdk/client-scheduler` uses for schedules on its own loopback port, and fires the schedules itself:
 *
 * - ./api.ts and ./server.ts: the wire API (CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule,
 *   ListSchedules) with Scheduler's validation (./schedule-input.ts) and error types;
 * - ./store.ts: the schedules, persisted in `<dataDir>/schedules.json` with the next occurrence and a delivery
 *   being retried;
 * - ./firing.ts: the clock-driven loop, with the RetryPolicy and the dead-letter queue; ./expressions.ts and
 *   ./cron.ts: when at(), rate() and cron() fire, in the schedule's time zone.
 *
 * The clock is injectable (`now`) and `tick()` is public, so tests drive time; the runtime ticks every second.
 * FlexibleTimeWindow is accepted and ignored (fires at the time).
 *
 * One difference from AWS to keep in mind: Scheduler invokes Lambda asynchronously, so in AWS a function error is
 * retried by Lambda's asynchronous invocation (2 retries by default) and not by the schedule's RetryPolicy; here
 * the function runs in-process and its errors are retried by the RetryPolicy and dead-lettered as above.
 */
import { schedulerApi } from './api.ts';
import { defaultRetryDelay, type SchedulerTargets, startFiring, type TickResult } from './firing.ts';
import { serveSchedulerApi } from './server.ts';
import { DEFAULT_GROUP, openScheduleStore, type StoredSchedule } from './store.ts';

export interface LocalSchedulerOptions {
  dataDir: string;
  targets: SchedulerTargets;
  /** Schedule groups besides `default`. */
  groups?: readonly string[];
  /** Loopback port (default 0: a free one). */
  port?: number;
  region?: string;
  accountId?: string;
  /** The clock (epoch ms); default Date.now. */
  now?: () => number;
  /** Delay before retry n (1, 2...) of a failed delivery; default 2^(n-1) s, at most 60 s. */
  retryDelayMs?: (retry: number) => number;
  log?: (line: string) => void;
}

export interface LocalScheduler {
  readonly url: string;
  /** Delivers what is due now; resolves when the deliveries it started have ended. */
  tick(): Promise<TickResult>;
  /** Ticks every `intervalMs` (the runtime's clock) until stop. */
  startClock(intervalMs?: number): void;
  schedules(): StoredSchedule[];
  /** Stops the clock and the server; waits for deliveries under way (at most `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

export const startLocalScheduler = async (options: LocalSchedulerOptions): Promise<LocalScheduler> => {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const store = openScheduleStore(options.dataDir, log);
  const api = schedulerApi({
    store,
    groups: new Set([DEFAULT_GROUP, ...(options.groups ?? [])]),
    canTarget: (arn) => options.targets.has(arn),
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    now,
  });
  const server = await serveSchedulerApi(api, {
    ...(options.port !== undefined ? { port: options.port } : {}),
    log,
  });
  const firing = startFiring({
    store,
    targets: options.targets,
    now,
    retryDelayMs: options.retryDelayMs ?? defaultRetryDelay,
    log,
  });
  let stopped: Promise<void> | null = null;
  return {
    url: server.url,
    tick: () => firing.tick(),
    startClock: (intervalMs = 1000) => firing.startClock(intervalMs),
    schedules: () => [...store.values()].map((s) => structuredClone(s)),
    stop(graceMs = 30_000) {
      stopped ??= Promise.all([firing.stop(graceMs), server.close()]).then(() => undefined);
      return stopped;
    },
  };
};
