/**
 * EventBridge Scheduler's schedule expressions, for the local scheduler: when a schedule fires, in its time zone.
 *
 * - `at(yyyy-mm-ddThh:mm:ss)`: once, at that wall time in `ScheduleExpressionTimezone` (default UTC); a wall time
 *   in a daylight-saving gap is refused, an ambiguous one means its first occurrence (shared/domain/schedule.ts).
 * - `rate(value unit)`, unit minute(s), hour(s) or day(s): every period from the start date (or the creation
 *   time when there is none), the first occurrence one period after it.
 * - `cron(minutes hours day-of-month month day-of-week year)`, evaluated in the time zone by croner behind the
 *   translation in ./cron.ts: `, - * /` in every field, names (JAN-DEC, SUN-SAT; day-of-week 1 is Sunday), `?` in
 *   one of the two day fields (exactly one must be `?`), `L` (last day of the month; `nL` in day-of-week: the last
 *   such weekday), `W` (`nW`: the weekday nearest the nth; `LW`: the last weekday) and `#` (`d#n`: the nth such
 *   weekday). As Scheduler documents, an occurrence whose wall time a daylight-saving change skips does not fire,
 *   and one it repeats fires once.
 * Start and end dates bound recurring schedules; one-time schedules ignore them, as Scheduler does.
 */
import { isValidTimeZone, resolveWallTime } from '#domain/schedule.ts';
import { type CronSpec, nextCronOccurrence, parseCron } from './cron.ts';

export type ScheduleExpression =
  { kind: 'at'; wallTime: string } | { kind: 'rate'; periodMs: number } | { kind: 'cron'; cron: CronSpec };

export type ParseResult = { ok: true; expression: ScheduleExpression } | { ok: false; reason: string };

const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.*)\)$/;
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

export const parseScheduleExpression = (text: string, timeZone = 'UTC'): ParseResult => {
  if (!isValidTimeZone(timeZone)) return { ok: false, reason: `Invalid time zone ${timeZone}` };
  const at = AT.exec(text);
  if (at) {
    const resolved = resolveWallTime(at[1]!, timeZone);
    if (!resolved.ok) return { ok: false, reason: `Invalid Schedule Expression ${text}: ${resolved.reason}` };
    return { ok: true, expression: { kind: 'at', wallTime: at[1]! } };
  }
  const rate = RATE.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    if (value < 1)
      return { ok: false, reason: `Invalid Schedule Expression ${text}: the value must be positive` };
    const unit = rate[2]!.replace(/s$/, '') as keyof typeof UNIT_MS;
    return { ok: true, expression: { kind: 'rate', periodMs: value * UNIT_MS[unit] } };
  }
  const cron = CRON.exec(text);
  if (cron) {
    try {
      return { ok: true, expression: { kind: 'cron', cron: parseCron(cron[1]!) } };
    } catch (error) {
      return { ok: false, reason: `Invalid Schedule Expression ${text}: ${(error as Error).message}` };
    }
  }
  return { ok: false, reason: `Invalid Schedule Expression ${text}` };
};

export interface Bounds {
  timeZone: string;
  /** Recurring schedules only: no occurrence before the start date or after the end date (epoch ms). */
  startMs?: number;
  endMs?: number;
  /** The creation time: what a rate counts from when there is no start date. */
  createdMs: number;
}

/**
 * The first occurrence strictly after `afterMs` (a one-time schedule's only occurrence, whatever `afterMs`: it
 * fires late rather than never); null when the schedule has no more occurrences.
 */
export const nextOccurrence = (
  expression: ScheduleExpression,
  afterMs: number,
  bounds: Bounds,
): number | null => {
  if (expression.kind === 'at') {
    const resolved = resolveWallTime(expression.wallTime, bounds.timeZone);
    return resolved.ok ? resolved.instant.getTime() : null;
  }
  const from = Math.max(afterMs, (bounds.startMs ?? -Infinity) - 1);
  let next: number | null;
  if (expression.kind === 'rate') {
    const anchor = bounds.startMs ?? bounds.createdMs;
    const periods = Math.max(1, Math.floor((from - anchor) / expression.periodMs) + 1);
    next = anchor + periods * expression.periodMs;
  } else {
    next = nextCronOccurrence(expression.cron, from, bounds.timeZone);
  }
  if (next === null || (bounds.endMs !== undefined && next > bounds.endMs)) return null;
  return next;
};
