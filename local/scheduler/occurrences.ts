/** When a stored schedule fires: its expression and bounds, its first occurrence, and what is due at a time. */
import {
  type Bounds,
  nextOccurrence,
  parseScheduleExpression,
  type ScheduleExpression,
} from './expressions.ts';
import type { StoredSchedule } from './store.ts';

/** A schedule's parsed expression; throws the reason when it is not valid. */
export const expressionOf = (
  s: Pick<StoredSchedule, 'ScheduleExpression' | 'ScheduleExpressionTimezone'>,
): ScheduleExpression => {
  const parsed = parseScheduleExpression(s.ScheduleExpression, s.ScheduleExpressionTimezone ?? 'UTC');
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.expression;
};

export const boundsOf = (s: StoredSchedule): Bounds => ({
  timeZone: s.ScheduleExpressionTimezone ?? 'UTC',
  createdMs: Date.parse(s.CreationDate),
  ...(s.StartDate ? { startMs: Date.parse(s.StartDate) } : {}),
  ...(s.EndDate ? { endMs: Date.parse(s.EndDate) } : {}),
});

/** The first occurrence after `nowMs` (ISO), or null. */
export const firstOccurrence = (
  s: StoredSchedule,
  expression: ScheduleExpression,
  nowMs: number,
): string | null => {
  const next = nextOccurrence(expression, nowMs, boundsOf(s));
  return next === null ? null : new Date(next).toISOString();
};

export interface DueOccurrence {
  /** The occurrence to deliver now: the latest one due (occurrences missed while stopped are skipped). */
  scheduledMs: number;
  /** Whether earlier due occurrences were skipped. */
  skipped: boolean;
  /** The occurrence after it, or null when there is none. */
  followingMs: number | null;
}

/** What a schedule whose next occurrence (`nextMs`) is due at `nowMs` delivers. */
export const dueOccurrence = (s: StoredSchedule, nextMs: number, nowMs: number): DueOccurrence => {
  const expression = expressionOf(s);
  const bounds = boundsOf(s);
  let scheduled = nextMs;
  let skipped = false;
  // After a long stop, look from a day back rather than step through every missed occurrence.
  const dayAgo = nowMs - 86_400_000;
  if (expression.kind !== 'at' && scheduled < dayAgo) {
    const recent = nextOccurrence(expression, dayAgo, bounds);
    if (recent !== null && recent <= nowMs) [scheduled, skipped] = [recent, true];
  }
  let following = expression.kind === 'at' ? null : nextOccurrence(expression, scheduled, bounds);
  while (following !== null && following <= nowMs) {
    [scheduled, skipped] = [following, true];
    following = nextOccurrence(expression, scheduled, bounds);
  }
  return { scheduledMs: scheduled, skipped, followingMs: following };
};
