import { describe, expect, it } from 'vitest';
import {
  contactInstant,
  isValidRecurrenceExpression,
  resolveWallTime,
  toWallTime,
} from '#domain/schedule.ts';

describe('contact dates in a time zone', () => {
  it('resolves an ordinary wall time to its UTC instant', () => {
    expect(
      contactInstant({ contactDate: '2026-07-01T09:00:00', timeZone: 'Europe/Paris' }).toISOString(),
    ).toBe('2026-07-01T07:00:00.000Z');
    expect(
      contactInstant({ contactDate: '2026-01-15T09:30:00', timeZone: 'America/New_York' }).toISOString(),
    ).toBe('2026-01-15T14:30:00.000Z');
    expect(contactInstant({ contactDate: '2026-01-15T09:30:00', timeZone: 'UTC' }).toISOString()).toBe(
      '2026-01-15T09:30:00.000Z',
    );
  });

  it('refuses a wall time in the spring-forward gap', () => {
    const result = resolveWallTime('2026-03-29T02:30:00', 'Europe/Paris');
    expect(result).toEqual({ ok: false, reason: 'does not exist in Europe/Paris (daylight-saving gap)' });
    expect(() =>
      contactInstant({ contactDate: '2026-03-08T02:15:00', timeZone: 'America/New_York' }),
    ).toThrow('The schedule is not valid.');
  });

  it('takes the first occurrence of an ambiguous fall-back wall time', () => {
    // 2026-10-25 02:30 happens twice in Paris: first at +02:00 (00:30Z), then at +01:00 (01:30Z).
    expect(
      contactInstant({ contactDate: '2026-10-25T02:30:00', timeZone: 'Europe/Paris' }).toISOString(),
    ).toBe('2026-10-25T00:30:00.000Z');
    expect(
      contactInstant({ contactDate: '2026-11-01T01:30:00', timeZone: 'America/New_York' }).toISOString(),
    ).toBe('2026-11-01T05:30:00.000Z');
  });

  it('handles zones with half-hour offsets and no DST', () => {
    expect(
      contactInstant({ contactDate: '2026-05-01T12:00:00', timeZone: 'Asia/Kolkata' }).toISOString(),
    ).toBe('2026-05-01T06:30:00.000Z');
  });

  it.each([
    ['2026-02-30T10:00:00', 'is not a calendar date and time'],
    ['2026-02-01T24:00:00', 'is not a calendar date and time'],
    ['2026-02-01 10:00:00', 'must be local wall time YYYY-MM-DDTHH:mm:ss'],
    ['2026-02-01T10:00:00Z', 'must be local wall time YYYY-MM-DDTHH:mm:ss'],
  ])('refuses %s', (contactDate, reason) => {
    expect(resolveWallTime(contactDate, 'Europe/Paris')).toEqual({ ok: false, reason });
  });

  it('refuses an unknown zone naming the field', () => {
    try {
      contactInstant({ contactDate: '2026-02-01T10:00:00', timeZone: 'Mars/Olympus' });
      expect.unreachable();
    } catch (error) {
      expect((error as { details: unknown }).details).toEqual({
        fields: [{ field: 'schedule.timeZone', message: 'unknown IANA time zone' }],
      });
    }
  });

  it('formats an instant back to wall time', () => {
    expect(toWallTime(Date.parse('2026-07-01T07:00:00Z'), 'Europe/Paris')).toBe('2026-07-01T09:00:00');
  });
});

describe('recurrence expressions', () => {
  it.each([
    ['rate(1 day)', true],
    ['rate(5 minutes)', true],
    ['cron(0 9 ? * MON *)', true],
    ['cron(0 9 * * *)', false],
    ['every day', false],
    ['rate(1 fortnight)', false],
  ])('%s → %s', (expression, valid) => {
    expect(isValidRecurrenceExpression(expression)).toBe(valid);
  });
});
