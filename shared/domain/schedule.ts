/**
 * Contact dates are local wall time "YYYY-MM-DDTHH:mm:ss" in an IANA time zone, as EventBridge Scheduler's
 * `at()` expression takes them. A wall time that does not exist in the zone (DST gap) is invalid; an ambiguous
 * one (DST overlap) means its first occurrence. Pure code on Intl: no AWS imports.
 */
import { type FieldError, invalid } from './errors.ts';

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

export const isValidTimeZone = (timeZone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone.length > 0;
  } catch {
    return false;
  }
};

const formatters = new Map<string, Intl.DateTimeFormat>();
const formatter = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
};

/** The wall time of `instantMs` in `timeZone`, as "YYYY-MM-DDTHH:mm:ss". */
export const toWallTime = (instantMs: number, timeZone: string): string => {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(instantMs))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
};

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
const offsetAt = (instantMs: number, timeZone: string): number => {
  const wall = toWallTime(instantMs, timeZone);
  const m = WALL_TIME.exec(wall)!;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
};

const DAY = 86_400_000;

export type WallTimeResult = { ok: true; instant: Date } | { ok: false; reason: string };

/** Resolves a local wall time in a zone to the instant it names (first occurrence when ambiguous). */
export const resolveWallTime = (wallTime: string, timeZone: string): WallTimeResult => {
  const m = WALL_TIME.exec(wallTime);
  if (!m) return { ok: false, reason: 'must be local wall time YYYY-MM-DDTHH:mm:ss' };
  if (!isValidTimeZone(timeZone)) return { ok: false, reason: 'unknown IANA time zone' };
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const roundTrip = new Date(asUtc);
  if (
    roundTrip.getUTCFullYear() !== y ||
    roundTrip.getUTCMonth() !== mo - 1 ||
    roundTrip.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  ) {
    return { ok: false, reason: 'is not a calendar date and time' };
  }
  const offsets = [...new Set([offsetAt(asUtc - DAY, timeZone), offsetAt(asUtc + DAY, timeZone)])];
  const candidates = offsets
    .map((offset) => asUtc - offset)
    .filter((instant) => toWallTime(instant, timeZone) === wallTime)
    .sort((a, b) => a - b);
  const first = candidates[0];
  if (first === undefined)
    return { ok: false, reason: `does not exist in ${timeZone} (daylight-saving gap)` };
  return { ok: true, instant: new Date(first) };
};

export interface ContactSchedule {
  contactDate: string;
  timeZone: string;
}

/** Validates a schedule and returns its instant, or throws a 400 naming the failing fields. */
export const contactInstant = (schedule: ContactSchedule, field = 'schedule'): Date => {
  const errors: FieldError[] = [];
  if (!isValidTimeZone(schedule.timeZone)) {
    errors.push({ field: `${field}.timeZone`, message: 'unknown IANA time zone' });
    throw invalid('The schedule is not valid.', errors);
  }
  const result = resolveWallTime(schedule.contactDate, schedule.timeZone);
  if (!result.ok) {
    throw invalid('The schedule is not valid.', [{ field: `${field}.contactDate`, message: result.reason }]);
  }
  return result.instant;
};

const RATE = /^rate\(\d+ (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/;

/** EventBridge Scheduler recurrence: `rate(value unit)` or a six-field `cron(...)`. */
export const isValidRecurrenceExpression = (expression: string): boolean =>
  RATE.test(expression) || CRON.test(expression);
