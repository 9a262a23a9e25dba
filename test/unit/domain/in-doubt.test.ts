/**
 * The in-doubt policy (shared/domain/in-doubt.ts): the event path's verdict against the marks a sweep left, what
 * the sweeper does with an in-doubt recipient, and the marks kept.
 */
import { describe, expect, it } from 'vitest';
import { eventPathVerdict, inDoubtDecision, nextMarks, type SentMark } from '#domain/in-doubt.ts';

const MIN = 60_000;
const WINDOW = 60 * MIN;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * MIN);
const mark = (minutes: number, sent: number): SentMark => ({ at: at(minutes).toISOString(), sent });

describe('the event path verdict', () => {
  const marks = [mark(0, 0), mark(5, 100), mark(30, 400), mark(70, 900)];
  it('is taken against the newest mark a window old with something sent by then', () => {
    expect(eventPathVerdict(marks, 100, at(65), WINDOW)).toBe('healthy');
    expect(eventPathVerdict(marks, 99, at(65), WINDOW)).toBe('unhealthy');
    expect(eventPathVerdict(marks, 399, at(95), WINDOW)).toBe('unhealthy');
    expect(eventPathVerdict(marks, 400, at(95), WINDOW)).toBe('healthy');
  });
  it('has none while no mark is a window old, or none had anything sent', () => {
    expect(eventPathVerdict(marks, 1_000, at(50), WINDOW)).toBe('unknown');
    expect(eventPathVerdict([mark(0, 0)], 0, at(200), WINDOW)).toBe('unknown');
    expect(eventPathVerdict([], 0, at(200), WINDOW)).toBe('unknown');
  });
});

describe('what the sweeper does with an in-doubt recipient', () => {
  const decide = (over: Partial<Parameters<typeof inDoubtDecision>[0]>) =>
    inDoubtDecision({
      since: at(0).toISOString(),
      now: at(61),
      windowMs: WINDOW,
      state: 'sending',
      verdict: () => 'healthy',
      canResend: true,
      ...over,
    });
  it('waits inside the window, and while the delivery is paused', () => {
    expect(decide({ now: at(59) })).toBe('wait');
    expect(decide({ state: 'paused' })).toBe('wait');
  });
  it('resends while the send goes on (or finished) and the path is healthy', () => {
    expect(decide({})).toBe('resend');
    expect(decide({ state: 'finished' })).toBe('resend');
  });
  it('fails when the send is over otherwise or no resend is possible; with an alarm when the path is not healthy', () => {
    expect(decide({ state: 'stopped' })).toBe('fail');
    expect(decide({ canResend: false })).toBe('fail');
    expect(decide({ verdict: () => 'unhealthy' })).toBe('fail-and-alarm');
  });
  it('waits for a verdict up to a second window, then fails with the alarm', () => {
    expect(decide({ verdict: () => 'unknown', now: at(119) })).toBe('wait');
    expect(decide({ verdict: () => 'unknown', now: at(120) })).toBe('fail-and-alarm');
  });
});

describe('the marks kept', () => {
  it('keeps the baseline and the younger marks, adding one at most every tenth of a window', () => {
    const marks = [mark(0, 0), mark(5, 100), mark(30, 400)];
    expect(nextMarks(marks, mark(70, 900), at(70), WINDOW)).toEqual([
      mark(5, 100),
      mark(30, 400),
      mark(70, 900),
    ]);
    expect(nextMarks(marks, mark(33, 450), at(33), WINDOW)).toEqual(marks);
    expect(nextMarks([], mark(1, 0), at(1), WINDOW)).toEqual([mark(1, 0)]);
  });
  it('stays bounded over a long send swept often', () => {
    let marks: SentMark[] = [];
    for (let minute = 0; minute < 24 * 60; minute += 5)
      marks = nextMarks(marks, mark(minute, minute), at(minute), WINDOW);
    expect(marks.length).toBeLessThanOrEqual(12);
  });
});
