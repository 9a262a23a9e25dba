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
      ['cron(0 10 * * ? 2200)', 'UTC'],
      ['cron(0 10 ? * 0 *)', 'UTC'], // day-of-week counts 1 (Sunday) to 7
      ['cron(0 10 ? * 6#6 *)', 'UTC'],
      ['cron(0 10 L-2 * ? *)', 'UTC'],
      ['cron(0 10 * * ? 2030-2020)', 'UTC'],
      // What croner accepts beyond Scheduler's syntax: `?` outside the day fields, its AND modifier `+`, `#L`, and
      // a step without a start.
      ['cron(? 10 * * ? *)', 'UTC'],
      ['cron(0 10 ? * +MON *)', 'UTC'],
      ['cron(0 10 ? * 6#L *)', 'UTC'],
      ['cron(/15 10 * * ? *)', 'UTC'],
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

  it('skips the times a gap removes and fires each repeated time once, for crons with a range or a step too', () => {
    // Every 20 minutes in Paris: 01:40 CET is followed by 03:00 CEST (02:00-02:59 does not exist).
    expect(next('cron(0/20 * * * ? *)', '2026-03-29T00:40:00Z', { timeZone: 'Europe/Paris' })).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    // 02:00 to 02:40 happen twice on 2026-10-25 (CEST, then CET): each fires in the first pass only.
    const repeated = ['2026-10-25T00:00:00Z', '2026-10-25T00:20:00Z', '2026-10-25T00:40:00Z'];
    expect(next('cron(0/20 2 * * ? *)', '2026-10-24T23:59:00Z', { timeZone: 'Europe/Paris' })).toBe(
      new Date(repeated[0]!).toISOString(),
    );
    expect(next('cron(0/20 2 * * ? *)', repeated[2]!, { timeZone: 'Europe/Paris' })).toBe(
      '2026-10-26T01:00:00.000Z',
    );
    // A time a gap removes does not move to just after the gap: 02:00 on 2026-03-29 in Paris never fires.
    expect(next('cron(0 2 * * ? *)', '2026-03-28T01:00:00Z', { timeZone: 'Europe/Paris' })).toBe(
      '2026-03-30T00:00:00.000Z',
    );
    // Lord Howe Island moves by half an hour: 02:00-02:29 is skipped on 2026-10-04, 01:30-01:59 repeats on 2026-04-05.
    expect(next('cron(15 2 * * ? *)', '2026-10-03T12:00:00Z', { timeZone: 'Australia/Lord_Howe' })).toBe(
      '2026-10-04T15:15:00.000Z',
    );
    expect(next('cron(45 1 * * ? *)', '2026-04-04T14:00:00Z', { timeZone: 'Australia/Lord_Howe' })).toBe(
      '2026-04-04T14:45:00.000Z', // 01:45 at +11:00; 01:45 again at +10:30 (15:15Z) does not fire
    );
    expect(next('cron(45 1 * * ? *)', '2026-04-04T14:45:00Z', { timeZone: 'Australia/Lord_Howe' })).toBe(
      '2026-04-05T15:15:00.000Z',
    );
  });

  it('of cron() counts a step from its start to the end of the field, with names and in any case', () => {
    expect(next('cron(5/20 * * * ? *)', '2026-01-01T00:30:00Z')).toBe('2026-01-01T00:45:00.000Z');
    expect(next('cron(5/20 * * * ? *)', '2026-01-01T00:45:00Z')).toBe('2026-01-01T01:05:00.000Z');
    // MON/2: Monday, Wednesday, Friday. 2026-01-02 is a Friday.
    expect(next('cron(0 12 ? * MON/2 *)', '2026-01-02T12:00:00Z')).toBe('2026-01-05T12:00:00.000Z');
    expect(next('cron(0 12 ? * mon-wed *)', '2026-01-03T00:00:00Z')).toBe('2026-01-05T12:00:00.000Z');
    expect(next('cron(0 12 1 jan/6 ? *)', '2026-01-02T00:00:00Z')).toBe('2026-07-01T12:00:00.000Z');
  });

  it('of cron() handles L, W and #', () => {
    expect(next('cron(15 10 ? * 6L *)', '2026-01-01T00:00:00Z')).toBe('2026-01-30T10:15:00.000Z'); // last Friday
    expect(next('cron(0 12 L * ? *)', '2026-02-01T00:00:00Z')).toBe('2026-02-28T12:00:00.000Z');
    expect(next('cron(0 12 LW * ? *)', '2026-05-01T00:00:00Z')).toBe('2026-05-29T12:00:00.000Z'); // 31st a Sunday
    expect(next('cron(0 9 15W * ? *)', '2026-02-01T00:00:00Z')).toBe('2026-02-16T09:00:00.000Z'); // 15th a Sunday
    expect(next('cron(0 9 1W * ? *)', '2026-07-15T00:00:00Z')).toBe('2026-08-03T09:00:00.000Z'); // 1st a Saturday
    expect(next('cron(0 8 ? * 2#1 *)', '2026-02-01T00:00:00Z')).toBe('2026-02-02T08:00:00.000Z'); // 1st Monday
    expect(next('cron(0 8 ? * MON#3 *)', '2026-02-01T00:00:00Z')).toBe('2026-02-16T08:00:00.000Z');
    // L alone in day-of-week is its last day, Saturday; 2026-01-03 is a Saturday.
    expect(next('cron(0 12 ? * L *)', '2026-01-01T00:00:00Z')).toBe('2026-01-03T12:00:00.000Z');
    expect(next('cron(0 12 ? * FRIL *)', '2026-02-01T00:00:00Z')).toBe('2026-02-27T12:00:00.000Z');
    // A fifth Friday: none in February to April 2026, the next is on 2026-05-29.
    expect(next('cron(0 12 ? * 6#5 *)', '2026-02-01T00:00:00Z')).toBe('2026-05-29T12:00:00.000Z');
    // 31W: months without a 31st have no occurrence; 2026-05-31 is a Sunday, so Friday the 29th.
    expect(next('cron(0 12 31W * ? *)', '2026-04-01T00:00:00Z')).toBe('2026-05-29T12:00:00.000Z');
    // L and a day: the 15th and the last day; LW in February 2026 (the 28th is a Saturday).
    expect(next('cron(0 12 L,15 * ? *)', '2026-02-16T00:00:00Z')).toBe('2026-02-28T12:00:00.000Z');
    expect(next('cron(0 12 lw * ? *)', '2026-02-01T00:00:00Z')).toBe('2026-02-27T12:00:00.000Z');
    // In a time zone: the last Friday of the month at 23:30 in New York is Saturday in UTC.
    expect(next('cron(30 23 ? * 6L *)', '2026-01-01T00:00:00Z', { timeZone: 'America/New_York' })).toBe(
      '2026-01-31T04:30:00.000Z',
    );
  });

  it('of cron() honours the year field: a list, a range with a step, a single future year', () => {
    expect(next('cron(0 0 1 1 ? 2028/2)', '2026-06-01T00:00:00Z')).toBe('2028-01-01T00:00:00.000Z');
    expect(next('cron(0 0 1 1 ? 2028/2)', '2028-01-01T00:00:00Z')).toBe('2030-01-01T00:00:00.000Z');
    expect(next('cron(0 0 1 1 ? 2026-2030/3)', '2026-06-01T00:00:00Z')).toBe('2029-01-01T00:00:00.000Z');
    expect(next('cron(0 9 ? 3 MON#2 2027,2199)', '2027-03-09T00:00:00Z')).toBe('2199-03-11T09:00:00.000Z');
    expect(next('cron(0 10 * * ? 2026)', '2026-12-31T10:00:00Z')).toBeNull();
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
