/**
 * The local scheduler's clock-driven loop. `tick()` delivers every due occurrence to its target with the input's
 * context attributes replaced. A failed delivery is retried after 1, 2, 4... seconds (at most 60) while the
 * RetryPolicy allows (MaximumRetryAttempts, default 185; MaximumEventAgeInSeconds from the occurrence, default
 * 86,400), then goes to the DeadLetterConfig queue, with the attributes EventBridge puts on dead-letter messages.
 * After its last occurrence a schedule with `ActionAfterCompletion: DELETE` is deleted. A schedule that came due while
 * the runtime was down fires at the first tick (a recurring one once, for its latest missed occurrence).
 */
import { randomBytes } from 'node:crypto';
import { renderInput } from './input.ts';
import { dueOccurrence } from './occurrences.ts';
import type { ScheduleStore, StoredSchedule } from './store.ts';

const DEFAULT_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 };

/** Where the runtime delivers targets' inputs. */
export interface SchedulerTargets {
  /** Whether `arn` is a target this runtime can invoke (checked at create and update). */
  has(arn: string): boolean;
  /** Delivers the input (context attributes replaced); throws on failure (the error's name is its code). */
  deliver(arn: string, input: string): Promise<void>;
  /** Sends a dead-letter message to a queue; false when the ARN is not a local queue. */
  deadLetter(queueArn: string, body: string, attributes: Record<string, string>): Promise<boolean>;
}

export interface TickResult {
  /** Deliveries attempted by this tick, and how they ended. */
  delivered: number;
  failed: number;
  deadLettered: number;
}

export interface FiringOptions {
  store: ScheduleStore;
  targets: SchedulerTargets;
  now: () => number;
  /** Delay before retry n (1, 2...) of a failed delivery. */
  retryDelayMs: (retry: number) => number;
  log: (line: string) => void;
}

export interface Firing {
  tick(): Promise<TickResult>;
  /** Ticks every `intervalMs` until stop. */
  startClock(intervalMs: number): void;
  /** Stops the clock; waits for deliveries under way (at most `graceMs`). */
  stop(graceMs: number): Promise<void>;
}

export const defaultRetryDelay = (retry: number) => Math.min(60_000, 1000 * 2 ** (retry - 1));

type ExhaustedCondition = 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';

export const startFiring = (options: FiringOptions): Firing => {
  const { store, targets, now, log } = options;
  const inFlight = new Map<string, Promise<void>>();

  /** After an occurrence is done with: delete a completed schedule when asked to, else keep it. */
  const complete = (k: string, s: StoredSchedule) => {
    if (s.next === null && !s.pending && s.ActionAfterCompletion === 'DELETE') {
      store.delete(k);
      log(`Scheduler: ${s.GroupName}/${s.Name} completed and was deleted`);
    }
  };

  const deadLetter = async (
    s: StoredSchedule,
    input: string,
    error: Error,
    condition: ExhaustedCondition,
    retries: number,
  ) => {
    const dlq = s.Target.DeadLetterConfig?.Arn;
    const what = `${s.GroupName}/${s.Name}: ${error.name}: ${error.message} (${condition} exhausted after ${retries} retries)`;
    if (!dlq) {
      log(`Scheduler: dropped the event of ${what}; the schedule has no dead-letter queue`);
      return;
    }
    const sent = await targets
      .deadLetter(dlq, input, {
        ERROR_CODE: error.name,
        ERROR_MESSAGE: error.message.slice(0, 1024),
        EXHAUSTED_RETRY_CONDITION: condition,
        RETRY_ATTEMPTS: String(retries),
        SCHEDULE_ARN: s.Arn,
        TARGET_ARN: s.Target.Arn,
      })
      .catch((e: unknown) => {
        log(`Scheduler: could not send to the dead-letter queue ${dlq}: ${(e as Error).message}`);
        return true;
      });
    if (!sent) log(`Scheduler: ${dlq} is not a local queue; the event of ${what} is dropped`);
  };

  /** One attempt at the pending occurrence of schedule `k`. */
  const attempt = async (k: string, result: TickResult): Promise<void> => {
    const s = store.get(k);
    if (!s?.pending) return;
    const { scheduledTime } = s.pending;
    const attemptNumber = s.pending.attempts + 1;
    const retry = { ...DEFAULT_RETRY, ...s.Target.RetryPolicy };
    const input = renderInput(s.Target.Input ?? '{}', {
      scheduleArn: s.Arn,
      scheduledTimeMs: Date.parse(scheduledTime),
      executionId: randomBytes(16).toString('hex'),
      attemptNumber,
    });
    const ageExceeded = () => now() - Date.parse(scheduledTime) > retry.MaximumEventAgeInSeconds * 1000;
    let error: Error | null = null;
    if (ageExceeded() && attemptNumber === 1) {
      error = Object.assign(new Error('The event is older than MaximumEventAgeInSeconds'), {
        name: 'EventAgeExceeded',
      });
    } else {
      try {
        await targets.deliver(s.Target.Arn, input);
      } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
      }
    }
    if (store.get(k) !== s) return; // deleted or replaced meanwhile: this occurrence is gone with it
    if (!error) {
      result.delivered += 1;
      delete s.pending;
      complete(k, s);
      store.save();
      return;
    }
    result.failed += 1;
    const retries = attemptNumber - 1;
    const condition: ExhaustedCondition | null = ageExceeded()
      ? 'MaximumEventAgeInSeconds'
      : retries >= retry.MaximumRetryAttempts
        ? 'MaximumRetryAttempts'
        : null;
    if (condition) {
      result.deadLettered += 1;
      delete s.pending;
      await deadLetter(s, input, error, condition, retries);
      if (store.get(k) === s) complete(k, s);
    } else {
      s.pending = {
        scheduledTime,
        attempts: attemptNumber,
        retryAt: new Date(now() + options.retryDelayMs(attemptNumber)).toISOString(),
      };
      log(
        `Scheduler: ${s.GroupName}/${s.Name} attempt ${attemptNumber} failed (${error.name}: ${error.message}); retrying`,
      );
    }
    store.save();
  };

  /** Makes the due occurrence of a schedule pending; false when nothing is due. */
  const takeDue = (s: StoredSchedule, nowMs: number): boolean => {
    if (s.next === null || Date.parse(s.next) > nowMs) return false;
    const due = dueOccurrence(s, Date.parse(s.next), nowMs);
    if (due.skipped)
      log(
        `Scheduler: ${s.GroupName}/${s.Name} missed occurrences; delivering the latest, ${new Date(due.scheduledMs).toISOString()}`,
      );
    s.pending = { scheduledTime: new Date(due.scheduledMs).toISOString(), attempts: 0, retryAt: s.next };
    s.next = due.followingMs === null ? null : new Date(due.followingMs).toISOString();
    return true;
  };

  const tick = async (): Promise<TickResult> => {
    const result: TickResult = { delivered: 0, failed: 0, deadLettered: 0 };
    const nowMs = now();
    const started: Array<Promise<void>> = [];
    let changed = false;
    for (const [k, s] of store.entries()) {
      if (inFlight.has(k) || s.State !== 'ENABLED') continue;
      if (!s.pending) {
        if (!takeDue(s, nowMs)) continue;
        changed = true;
      } else if (Date.parse(s.pending.retryAt) > nowMs) continue;
      const run = attempt(k, result).finally(() => inFlight.delete(k));
      inFlight.set(k, run);
      started.push(run);
    }
    if (changed) store.save();
    await Promise.all(started);
    return result;
  };

  let clock: NodeJS.Timeout | undefined;
  return {
    tick,
    startClock(intervalMs) {
      if (clock) return;
      const run = () => {
        tick().catch((error: unknown) => log(`Scheduler: tick failed: ${(error as Error).stack}`));
      };
      clock = setInterval(run, intervalMs);
      run();
    },
    async stop(graceMs) {
      clearInterval(clock);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(inFlight.values()),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
  };
};
