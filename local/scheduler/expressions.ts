/**
 * EventBridge Scheduler's schedule expressions, for the local scheduler: when a schedule fires, in its time zone.
 *
 * - `at(yyyy-mm-ddThh:mm:ss)`: once, at that wall time in `ScheduleExpressionTimezone` (default UTC); a wall time
 *   in a daylight-saving gap is refused, an ambiguous one means its first occurrence (shared/domain/schedule.ts).
 * - `rate(value unit)`, unit minute(s), hour(s) or day(s): every period from the start date (or the creation
 *   time when there is none), the first occurrence one period after it.
 * - `cron(minutes hours day-of-month month day-of-week year)`, evaluated in the time zone: `, - * /` in every
 *   field, names (JAN-DEC, SUN-SAT; day-of-week 1 is Sunday), `?` in one of the two day fields (exactly one must be
 *   `?`), `L` (last day of the month; `nL` in day-of-week: the last such weekday), `W` (`nW`: the weekday nearest
 *   the nth; `LW`: the last weekday) and `#` (`d#n`: the nth such weekday). As Scheduler documents, an occurrence
 *   whose wall time a daylight-saving change skips does not fire, and one it repeats fires once.
 * Start and end dates bound recurring schedules; one-time schedules ignore them, as Scheduler does.
 */
import { isValidTimeZone, resolveWallTime, toWallTime } from '#domain/schedule.ts';

export type ScheduleExpression =
  { kind: 'at'; wallTime: string } | { kind: 'rate'; periodMs: number } | { kind: 'cron'; cron: CronSpec };

export type ParseResult = { ok: true; expression: ScheduleExpression } | { ok: false; reason: string };

const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.*)\)$/;
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

// ---- cron ------------------------------------------------------------------------------------------------------

export interface CronSpec {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  months: ReadonlySet<number>;
  years: ReadonlySet<number>;
  /** Whether a calendar day matches the day-of-month and day-of-week fields. */
  day: (year: number, month: number, day: number) => boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

class CronError extends Error {}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** Day of week of a calendar date, 1 (Sunday) to 7 (Saturday), as cron numbers them. */
const weekday = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

const parseValue = (text: string, min: number, max: number, names?: readonly string[]): number => {
  const upper = text.toUpperCase();
  const named = names?.indexOf(upper) ?? -1;
  const value = named >= 0 ? named + min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < min || value > max)
    throw new CronError(`${text} is not within ${min}-${max}`);
  return value;
};

/** A field made of `,`-separated items, each `*`, `v`, `a-b`, with an optional `/step`. */
const parseSet = (field: string, min: number, max: number, names?: readonly string[]): Set<number> => {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (range === undefined || range === '' || extra !== undefined) throw new CronError(`bad item ${item}`);
    const step = stepText === undefined ? 1 : parseValue(stepText, 1, max - min + 1);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (a === undefined || b === undefined || more !== undefined) throw new CronError(`bad range ${range}`);
      [from, to] = [parseValue(a, min, max, names), parseValue(b, min, max, names)];
      if (from > to) throw new CronError(`bad range ${range}`);
    } else {
      from = parseValue(range, min, max, names);
      to = stepText === undefined ? from : max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
};

type DayTest = (year: number, month: number, day: number) => boolean;

const parseDayOfMonth = (field: string): DayTest => {
  const tests = field.split(',').map((item): DayTest => {
    const upper = item.toUpperCase();
    if (upper === 'L') return (y, m, d) => d === daysInMonth(y, m);
    if (upper === 'LW')
      return (y, m, d) => {
        let last = daysInMonth(y, m);
        while (weekday(y, m, last) === 1 || weekday(y, m, last) === 7) last -= 1;
        return d === last;
      };
    const w = /^(\d+)W$/.exec(upper);
    if (w) {
      const target = parseValue(w[1]!, 1, 31);
      return (y, m, d) => {
        const last = daysInMonth(y, m);
        if (target > last) return false;
        const wd = weekday(y, m, target);
        let nearest = target;
        if (wd === 7) nearest = target === 1 ? 3 : target - 1; // Saturday: Friday, or Monday when on the 1st
        if (wd === 1) nearest = target === last ? target - 2 : target + 1; // Sunday: Monday, or Friday at month end
        return d === nearest;
      };
    }
    const set = parseSet(item, 1, 31);
    return (_y, _m, d) => set.has(d);
  });
  return (y, m, d) => tests.some((t) => t(y, m, d));
};

const parseDayOfWeek = (field: string): DayTest => {
  const tests = field.split(',').map((item): DayTest => {
    const upper = item.toUpperCase();
    if (upper === 'L') return (y, m, d) => weekday(y, m, d) === 7;
    const last = /^([A-Z0-9]+)L$/.exec(upper);
    if (last) {
      const wd = parseValue(last[1]!, 1, 7, WEEKDAYS);
      return (y, m, d) => weekday(y, m, d) === wd && d + 7 > daysInMonth(y, m);
    }
    const nth = /^([A-Z0-9]+)#([1-5])$/.exec(upper);
    if (nth) {
      const wd = parseValue(nth[1]!, 1, 7, WEEKDAYS);
      const n = Number(nth[2]);
      return (y, m, d) => weekday(y, m, d) === wd && Math.ceil(d / 7) === n;
    }
    const set = parseSet(item, 1, 7, WEEKDAYS);
    return (y, m, d) => set.has(weekday(y, m, d));
  });
  return (y, m, d) => tests.some((t) => t(y, m, d));
};

export const parseCron = (body: string): CronSpec => {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new CronError('a cron expression has six fields');
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((dayOfMonth === '?') === (dayOfWeek === '?'))
    throw new CronError('one of day-of-month and day-of-week must be ?, and only one');
  return {
    minutes: parseSet(minutes, 0, 59),
    hours: parseSet(hours, 0, 23),
    months: parseSet(month, 1, 12, MONTHS),
    years: parseSet(year, MIN_YEAR, MAX_YEAR),
    day: dayOfMonth === '?' ? parseDayOfWeek(dayOfWeek) : parseDayOfMonth(dayOfMonth),
  };
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The first occurrence of the cron strictly after `afterMs`, in `timeZone`; null when there is none. */
export const nextCronOccurrence = (cron: CronSpec, afterMs: number, timeZone: string): number | null => {
  const start = toWallTime(afterMs, timeZone);
  const startYear = Number(start.slice(0, 4));
  const startDay = start.slice(0, 10);
  const sorted = (set: ReadonlySet<number>) => [...set].sort((a, b) => a - b);
  const [years, months, hours, minutes] = [cron.years, cron.months, cron.hours, cron.minutes].map(sorted) as [
    number[],
    number[],
    number[],
    number[],
  ];
  for (const y of years) {
    if (y < startYear) continue;
    for (const m of months) {
      if (`${pad(y, 4)}-${pad(m)}` < start.slice(0, 7)) continue;
      for (let d = 1; d <= daysInMonth(y, m); d += 1) {
        const date = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
        if (date < startDay || !cron.day(y, m, d)) continue;
        for (const h of hours) {
          for (const mi of minutes) {
            const wall = `${date}T${pad(h)}:${pad(mi)}:00`;
            if (wall < start.slice(0, 17) + '00' && date === startDay) continue;
            const resolved = resolveWallTime(wall, timeZone);
            if (resolved.ok && resolved.instant.getTime() > afterMs) return resolved.instant.getTime();
          }
        }
      }
    }
  }
  return null;
};

// ---- all three --------------------------------------------------------------------------------------------------

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
