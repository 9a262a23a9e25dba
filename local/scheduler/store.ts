/**
 * The local scheduler's schedules, kept in `<dataDir>/schedules.json` (written atomically on `save()`), with what the
 * scheduler needs to carry on after a restart: each schedule's next occurrence and a delivery being retried. A file
 * that cannot be read is moved aside, and the store starts empty.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SCHEDULES_FILE = 'schedules.json';
export const DEFAULT_GROUP = 'default';

export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
  [other: string]: unknown;
}

/** A schedule as the API describes it (dates as ISO strings here), plus the scheduler's own state. */
export interface StoredSchedule {
  Arn: string;
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: string;
  EndDate?: string;
  Description?: string;
  State: 'ENABLED' | 'DISABLED';
  KmsKeyArn?: string;
  Target: ScheduleTarget;
  FlexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE'; MaximumWindowInMinutes?: number };
  ActionAfterCompletion: 'NONE' | 'DELETE';
  CreationDate: string;
  LastModificationDate: string;
  ClientToken?: string;
  /** The next occurrence to deliver (ISO), or null when there is none left. */
  next: string | null;
  /** An occurrence being delivered: its time, the attempts made, and when to try again. */
  pending?: { scheduledTime: string; attempts: number; retryAt: string };
}

/** A schedule's key in the store: `<group>/<name>`. */
export const scheduleKey = (group: string, name: string): string => `${group}/${name}`;

export interface ScheduleStore {
  get(key: string): StoredSchedule | undefined;
  /** Adds or replaces a schedule under its key (in memory: `save()` writes). */
  put(schedule: StoredSchedule): void;
  delete(key: string): void;
  entries(): IterableIterator<[string, StoredSchedule]>;
  values(): IterableIterator<StoredSchedule>;
  /** Writes every schedule to the file, atomically. */
  save(): void;
}

export const openScheduleStore = (dataDir: string, log: (line: string) => void): ScheduleStore => {
  const file = join(dataDir, SCHEDULES_FILE);
  mkdirSync(dataDir, { recursive: true });
  const schedules = new Map<string, StoredSchedule>();
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { schedules?: StoredSchedule[] };
      for (const s of saved.schedules ?? []) schedules.set(scheduleKey(s.GroupName, s.Name), s);
    } catch (error) {
      const aside = `${file}.unreadable-${Date.now()}`;
      renameSync(file, aside);
      log(`Scheduler: ${file} could not be read (${(error as Error).message}); moved aside to ${aside}`);
    }
  }
  return {
    get: (key) => schedules.get(key),
    put: (schedule) => void schedules.set(scheduleKey(schedule.GroupName, schedule.Name), schedule),
    delete: (key) => void schedules.delete(key),
    entries: () => schedules.entries(),
    values: () => schedules.values(),
    save() {
      const all = [...schedules.values()].sort((a, b) => a.Arn.localeCompare(b.Arn));
      writeFileSync(`${file}.tmp`, `${JSON.stringify({ schedules: all }, null, 2)}\n`, { flush: true });
      renameSync(`${file}.tmp`, file);
    },
  };
};
