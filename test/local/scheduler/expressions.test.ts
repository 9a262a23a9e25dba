/**
 * The local scheduler's expressions: at() in its time zone, rate() from the creation or start date, cron() with
 * EventBridge's fields and wildcards in its time zone (daylight-saving gaps skipped, repeated hours fired once),
 * start and end dates, and the context attributes replaced in a target's input. Every instant is given, never
 * read from a clock.
 */
import { describe, expect, it } from 'vitest';
import { type Bounds, nextOccurrence, parseScheduleExpression } from '#local/scheduler/expressions.ts';
import { renderInput, schedulerTime } from '#local/scheduler/input.ts';
import { isValidRecurrenceExpression } from '#domain/schedule.ts';

const ms = (iso: string) => Date.parse(iso);
const iso = (value: number | null) => (value === null ? null : new Date(value).toISOString());

const next = (expression: string, after: string, bounds: Partial<Bounds> = {}) => {
  const timeZone = bounds.timeZone ?? 'UTC';
  const parsed = parseScheduleExpression(expression, timeZone);
  if (!parsed.ok) throw new Error(parsed.reason);
  return iso(nextOccurrence(parsed.expression, ms(after), { createdMs: ms(after), ...bounds, timeZone }));
};

describe('parsing schedule expressions', () => {
  it('accepts at(), rate() and six-field cron() as Scheduler writes them', () => {
    for (const expression of [
      'at(2026-11-22T09:00:00)',
      'rate(1 minute)',
      'rate(5 minutes)',
      'rate(2 hours)',
      'rate(1 day)',
      'rate(7 days)',
      'cron(0 10 * * ? *)',
      'cron(0/15 * * * ? *)',
      'cron(*/5 8-17 ? * MON-FRI *)',
      'cron(15 10 ? * 6L 2022-2030)',
      'cron(0 12 L * ? *)',
      'cron(0 12 LW * ? *)',
      'cron(0 9 15W * ? *)',
      'cron(0 8 ? * 2#1 *)',
      'cron(0 8 1,15 JAN,JUL ? *)',
    ]) {
      expect(parseScheduleExpression(expression, 'Europe/Paris').ok, expression).toBe(true);
    }
  });

  it('refuses what Scheduler refuses, with the reason', () => {
    for (const [expression, timeZone] of [
      ['at(2026-03-29T02:30:00)', 'Europe/Paris'], // the daylight-saving gap
      ['at(2026-02-30T10:00:00)', 'UTC'],
      ['at(2026-11-22 09:00:00)', 'UTC'],
      ['at(2026-11-22T09:00:00)', 'Mars/Olympus'],
      ['rate(0 minutes)', 'UTC'],
      ['rate(5 weeks)', 'UTC'],
      ['cron(0 10 * * ?)', 'UTC'],
      ['cron(0 10 * * * *)', 'UTC'], // day-of-month and day-of-week both given
      ['cron(0 10 ? * ? *)', 'UTC'],
      ['cron(60 10 * * ? *)', 'UTC'],
      ['cron(0 24 * * ? *)', 'UTC'],
      ['cron(0 10 32 * ? *)', 'UTC'],
      ['cron(0 10 ? * 8 *)', 'UTC'],
      ['cron(0 10 ? FOO * *)', 'UTC'],
      ['cron(0 10 * * ? 1969)', 'UTC'],
      ['every day', 'UTC'],
    ] as const) {
      const parsed = parseScheduleExpression(expression, timeZone);
      expect(parsed.ok, expression).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toMatch(/Invalid/);
    }
  });

  it('refuses six-field crons the domain lets through but Scheduler would refuse too', () => {
    // shared/domain/schedule.ts only checks the shape; the local scheduler answers ValidationException, as AWS.
    expect(isValidRecurrenceExpression('cron(a b c d e f)')).toBe(true);
    expect(parseScheduleExpression('cron(a b c d e f)').ok).toBe(false);
  });
});

describe('the next occurrence', () => {
  it('of at() is its wall time in its zone, even once passed (it fires late rather than never)', () => {
    expect(next('at(2026-11-22T09:00:00)', '2026-11-01T00:00:00Z', { timeZone: 'America/New_York' })).toBe(
      '2026-11-22T14:00:00.000Z',
    );
    expect(next('at(2026-07-01T09:00:00)', '2026-11-01T00:00:00Z', { timeZone: 'America/New_York' })).toBe(
      '2026-07-01T13:00:00.000Z',
    );
    // Start and end dates do not apply to one-time schedules.
    expect(
      next('at(2026-07-01T09:00:00)', '2026-06-01T00:00:00Z', {
        startMs: ms('2026-08-01T00:00:00Z'),
        endMs: ms('2026-06-02T00:00:00Z'),
      }),
    ).toBe('2026-07-01T09:00:00.000Z');
  });

  it('of rate() counts periods from the creation time, or from the start date, up to the end date', () => {
    const created = ms('2026-05-01T10:00:00Z');
    const rate = (after: string, bounds: Partial<Bounds> = {}) =>
      next('rate(5 minutes)', after, { createdMs: created, ...bounds });
    expect(rate('2026-05-01T10:00:00Z')).toBe('2026-05-01T10:05:00.000Z');
    expect(rate('2026-05-01T10:05:00Z')).toBe('2026-05-01T10:10:00.000Z');
    expect(rate('2026-05-01T10:07:30Z')).toBe('2026-05-01T10:10:00.000Z');
    expect(rate('2026-05-01T10:00:00Z', { startMs: ms('2026-05-02T00:00:00Z') })).toBe(
      '2026-05-02T00:05:00.000Z',
    );
    expect(rate('2026-05-01T10:05:00Z', { endMs: ms('2026-05-01T10:09:59Z') })).toBeNull();
  });

  it('of cron() follows the fields in the zone, across a daylight-saving change', () => {
    // New York moves to EDT on Sunday 2026-03-08: 10:00 is 15:00Z on Saturday and 14:00Z on Sunday.
    expect(next('cron(0 10 * * ? *)', '2026-03-07T14:00:00Z', { timeZone: 'America/New_York' })).toBe(
      '2026-03-07T15:00:00.000Z',
    );
    expect(next('cron(0 10 * * ? *)', '2026-03-07T15:00:00Z', { timeZone: 'America/New_York' })).toBe(
      '2026-03-08T14:00:00.000Z',
    );
    expect(next('cron(0/20 * * * ? *)', '2026-03-07T10:05:00Z')).toBe('2026-03-07T10:20:00.000Z');
    expect(next('cron(0/20 * * * ? *)', '2026-03-07T10:40:00Z')).toBe('2026-03-07T11:00:00.000Z');
    expect(next('cron(0 8 ? * MON-FRI *)', '2026-01-02T09:00:00Z')).toBe('2026-01-05T08:00:00.000Z');
  });

  it('skips an occurrence a daylight-saving gap removes and fires a repeated one once', () => {
    // Paris: 2026-03-29 02:00 CET jumps to 03:00 CEST (no 02:30); 2026-10-25 03:00 CEST goes back to 02:00 CET.
    expect(next('cron(30 2 * * ? *)', '2026-03-28T02:00:00Z', { timeZone: 'Europe/Paris' })).toBe(
      '2026-03-30T00:30:00.000Z',
    );
    expect(next('cron(30 2 * * ? *)', '2026-10-24T12:00:00Z', { timeZone: 'Europe/Paris' })).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    expect(next('cron(30 2 * * ? *)', '2026-10-25T00:30:00Z', { timeZone: 'Europe/Paris' })).toBe(
      '2026-10-26T01:30:00.000Z',
    );
  });

  it('of cron() handles L, W and #', () => {
    expect(next('cron(15 10 ? * 6L *)', '2026-01-01T00:00:00Z')).toBe('2026-01-30T10:15:00.000Z'); // last Friday
    expect(next('cron(0 12 L * ? *)', '2026-02-01T00:00:00Z')).toBe('2026-02-28T12:00:00.000Z');
    expect(next('cron(0 12 LW * ? *)', '2026-05-01T00:00:00Z')).toBe('2026-05-29T12:00:00.000Z'); // 31st a Sunday
    expect(next('cron(0 9 15W * ? *)', '2026-02-01T00:00:00Z')).toBe('2026-02-16T09:00:00.000Z'); // 15th a Sunday
    expect(next('cron(0 9 1W * ? *)', '2026-07-15T00:00:00Z')).toBe('2026-08-03T09:00:00.000Z'); // 1st a Saturday
    expect(next('cron(0 8 ? * 2#1 *)', '2026-02-01T00:00:00Z')).toBe('2026-02-02T08:00:00.000Z'); // 1st Monday
    expect(next('cron(0 8 ? * MON#3 *)', '2026-02-01T00:00:00Z')).toBe('2026-02-16T08:00:00.000Z');
  });

  it('of cron() is null when the fields never match again, and bounded by start and end dates', () => {
    expect(next('cron(0 0 1 1 ? 2020)', '2026-01-01T00:00:00Z')).toBeNull();
    expect(next('cron(0 0 30 2 ? *)', '2026-01-01T00:00:00Z')).toBeNull();
    expect(next('cron(0 10 * * ? *)', '2026-05-01T00:00:00Z', { startMs: ms('2026-06-01T10:00:00Z') })).toBe(
      '2026-06-01T10:00:00.000Z',
    );
    expect(
      next('cron(0 10 * * ? *)', '2026-05-01T11:00:00Z', { endMs: ms('2026-05-02T09:59:59Z') }),
    ).toBeNull();
  });
});

describe("a target's input", () => {
  it('gets the context attributes replaced, everywhere they appear', () => {
    const input = JSON.stringify({
      deliveryId: 'd-1',
      kind: 'once',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      key: '<aws.scheduler.schedule-arn>#<aws.scheduler.scheduled-time>',
      execution: '<aws.scheduler.execution-id>',
      attempt: '<aws.scheduler.attempt-number>',
    });
    const rendered = renderInput(input, {
      scheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/local-deliveries/delivery-d-1',
      scheduledTimeMs: ms('2026-11-22T14:00:00.000Z'),
      executionId: 'd32c5kddcf5bb8c3',
      attemptNumber: 2,
    });
    expect(JSON.parse(rendered)).toEqual({
      deliveryId: 'd-1',
      kind: 'once',
      scheduledTime: '2026-11-22T14:00:00Z',
      key: 'arn:aws:scheduler:us-east-1:000000000000:schedule/local-deliveries/delivery-d-1#2026-11-22T14:00:00Z',
      execution: 'd32c5kddcf5bb8c3',
      attempt: '2',
    });
  });

  it('writes the scheduled time as Scheduler does: UTC to the second', () => {
    expect(schedulerTime(ms('2022-03-22T18:59:43.512Z'))).toBe('2022-03-22T18:59:43Z');
  });
});
