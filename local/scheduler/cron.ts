/**
 * EventBridge Scheduler's `cron(minutes hours day-of-month month day-of-week year)`, evaluated by croner behind a
 * small translation layer.
 *
 * What Scheduler accepts, checked here (croner accepts more, or means it otherwise):
 * - six fields; `?` in exactly one of day-of-month and day-of-week, and nowhere else;
 * - items `*`, `v`, `a-b`, each with an optional `/step` (`5/15` counts from 5 to the field's end), names JAN-DEC
 *   and SUN-SAT in any case; day-of-month also `L`, `LW` and `nW`; day-of-week also `L`, `nL` and `d#n` (n 1-5);
 * - day-of-week 1-7 with 1 = Sunday, years 1970-2199.
 *
 * The translation to croner's pattern: a seconds field `0` in front (croner's 7-part mode: seconds ... year),
 * `alternativeWeekdays` (croner's Quartz numbering, 1 = Sunday), `?` written `*` with `domAndDow` (croner's default
 * ORs the two day fields as Vixie cron does; Scheduler's one-of-them-is-`?` rule is an AND with a wildcard), `a/s`
 * written `a-max/s` (croner refuses a step without a range), and day-of-week `L` written `7` (Saturday, the last day
 * of the week, as Quartz reads it; croner has `L` only in `nL`).
 *
 * Daylight saving: Scheduler skips an occurrence whose wall time a change removes and fires a repeated one once.
 * Croner follows Vixie cron instead (a fixed-time job runs just after a gap; an interval job runs in both passes of
 * a repeated hour), so each run croner gives is kept only when its wall time matches the pattern (`match`) and is
 * the first instant with that wall time.
 */
import { Cron } from 'croner';
import { resolveWallTime, toWallTime } from '#domain/schedule.ts';

class CronError extends Error {}

/** A validated cron, as croner's pattern. */
export interface CronSpec {
  pattern: string;
}

const CRONER_OPTIONS = {
  mode: '7-part',
  alternativeWeekdays: true,
  domAndDow: true,
  paused: true,
} as const;

const MIN_YEAR = 1970;
const MAX_YEAR = 2199;
const VALUE = '[0-9]+|[A-Za-z]{3}';
const RANGE_ITEM = new RegExp(`^(\\*|(?:${VALUE})(?:-(?:${VALUE}))?)(?:/([0-9]+))?$`);
const DAY_OF_MONTH_ITEM = /^(L|LW|[0-9]+W)$/i;
const DAY_OF_WEEK_ITEM = new RegExp(`^(L|(?:${VALUE})L|(?:${VALUE})#[1-5])$`, 'i');

interface Field {
  name: string;
  /** The field's last value, where `a/step` ends. */
  max: number;
  /** Item forms besides ranges. */
  special?: RegExp;
  /** Numbers must lie within (croner checks the others' bounds itself). */
  bounds?: [number, number];
}

const FIELDS: Field[] = [
  { name: 'minutes', max: 59 },
  { name: 'hours', max: 23 },
  { name: 'day-of-month', max: 31, special: DAY_OF_MONTH_ITEM },
  { name: 'month', max: 12 },
  { name: 'day-of-week', max: 7, special: DAY_OF_WEEK_ITEM, bounds: [1, 7] },
  { name: 'year', max: MAX_YEAR, bounds: [MIN_YEAR, MAX_YEAR] },
];

/** One field in croner's syntax; throws CronError on what Scheduler refuses. */
const translateField = (text: string, field: Field): string =>
  text
    .split(',')
    .map((item) => {
      if (field.bounds) {
        // The values of the item: not its step, nor the n of `d#n`.
        const values = (
          item
            .split('/')[0]!
            .replace(/#.*$/, '')
            .match(/[0-9]+/g) ?? []
        ).map(Number);
        const [min, max] = field.bounds;
        if (values.some((n) => n < min || n > max))
          throw new CronError(`${item} is not within ${min}-${max} in ${field.name}`);
      }
      if (field.special?.test(item))
        return field.name === 'day-of-week' && item.toUpperCase() === 'L' ? '7' : item;
      const range = RANGE_ITEM.exec(item);
      if (!range) throw new CronError(`bad item ${item} in ${field.name}`);
      const [, from, step] = range;
      if (step === undefined || from === '*' || from!.includes('-')) return item;
      return `${from}-${field.max}/${step}`;
    })
    .join(',');

export const parseCron = (body: string): CronSpec => {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new CronError('a cron expression has six fields');
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?'))
    throw new CronError('one of day-of-month and day-of-week must be ?, and only one');
  const translated = fields.map((text, i) =>
    text === '?' && (i === 2 || i === 4) ? '*' : translateField(text, FIELDS[i]!),
  );
  const pattern = `0 ${translated.join(' ')}`;
  try {
    new Cron(pattern, { ...CRONER_OPTIONS, timezone: 'UTC' });
  } catch (error) {
    throw new CronError((error as Error).message.replace(/^CronPattern: /, ''));
  }
  return { pattern };
};

/** The first occurrence of the cron strictly after `afterMs`, in `timeZone`; null when there is none. */
export const nextCronOccurrence = (cron: CronSpec, afterMs: number, timeZone: string): number | null => {
  const job = new Cron(cron.pattern, { ...CRONER_OPTIONS, timezone: timeZone });
  for (let run = job.nextRun(new Date(afterMs)); run !== null; run = job.nextRun(run)) {
    const ms = run.getTime();
    const first = resolveWallTime(toWallTime(ms, timeZone), timeZone);
    if (job.match(run) && first.ok && first.instant.getTime() === ms) return ms;
  }
  return null;
};
