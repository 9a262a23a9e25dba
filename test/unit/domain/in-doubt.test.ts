/**
 * The in-doubt policy (shared/domain/in-doubt.ts): the event path's verdict against the marks a sweep left, what
 * the sweeper does with an in-doubt recipient, and the marks kept.
 */
import { describe, expect, it } from 'vitest';
import {
  EVIDENCE_SAMPLE_MIN,
  eventPathVerdict,
  evidenceModulus,
  inDoubtDecision,
  inEvidenceSample,
  type LagMinute,
  minuteOf,
  nextMarks,
  resendWaitMs,
  type SentMark,
} from '#domain/in-doubt.ts';

const MIN = 60_000;
const WINDOW = 60 * MIN;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * MIN);
const mark = (minutes: number, sent: number, events = sent): SentMark => ({
  at: at(minutes).toISOString(),
  sent,
  events,
});

describe('the event path verdict', () => {
  const marks = [mark(0, 0), mark(5, 100), mark(30, 400), mark(70, 900)];
  it('is taken against the newest mark a window old with something sent by then', () => {
    expect(eventPathVerdict(marks, 100, at(65), WINDOW)).toBe('healthy');
    expect(eventPathVerdict(marks, 99, at(65), WINDOW)).toBe('unhealthy');
    expect(eventPathVerdict(marks, 399, at(95), WINDOW)).toBe('unhealthy');
    expect(eventPathVerdict(marks, 400, at(95), WINDOW)).toBe('healthy');
  });
  it('calls a path behind that carried Send events since that mark lagging, one that carried none unhealthy', () => {
    const behind = [mark(0, 0), mark(30, 400, 250), mark(70, 900, 600)];
    expect(eventPathVerdict(behind, 300, at(95), WINDOW)).toBe('lagging');
    expect(eventPathVerdict(behind, 250, at(95), WINDOW)).toBe('unhealthy');
    expect(eventPathVerdict(behind, 400, at(95), WINDOW)).toBe('healthy');
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
    expect(decide({ verdict: () => 'unhealthy', now: at(120) })).toBe('fail-and-alarm');
  });
  it('waits up to a second window for a healthy verdict (none yet, or a path that stalled), then fails with the alarm', () => {
    for (const verdict of ['unknown', 'unhealthy'] as const) {
      expect(decide({ verdict: () => verdict, now: at(119) })).toBe('wait');
      expect(decide({ verdict: () => verdict, now: at(120) })).toBe('fail-and-alarm');
    }
  });
  it("resends a healthy path's recipient only once the ingesters' lag has been waited out too", () => {
    // In doubt since minute 0; 61 minutes waited.
    expect(decide({ lagWaitMs: () => 61 * MIN + 1 })).toBe('wait');
    expect(decide({ lagWaitMs: () => 61 * MIN })).toBe('resend');
    // A lag that makes no difference to a recipient that fails anyway.
    expect(decide({ state: 'stopped', lagWaitMs: () => 600 * MIN })).toBe('fail');
    expect(decide({ verdict: () => 'unhealthy', now: at(120), lagWaitMs: () => 600 * MIN })).toBe(
      'fail-and-alarm',
    );
  });
  it('waits for a lagging path as long as it keeps moving, with no alarm', () => {
    expect(decide({ verdict: () => 'lagging', now: at(61) })).toBe('wait');
    expect(decide({ verdict: () => 'lagging', now: at(600) })).toBe('wait');
  });
});

describe("the wait the ingesters' lag adds before a resend", () => {
  const lag = (minute: number, worstWaitMs: number): LagMinute => ({
    minute: minuteOf(at(minute)),
    worstWaitMs,
  });
  const since = at(10).toISOString();
  const VISIBILITY = 360_000;

  it('is the hop to the queue and one redelivery when nothing waited', () => {
    expect(resendWaitMs([], since, VISIBILITY)).toBe(10_000 + VISIBILITY);
    expect(resendWaitMs([lag(10, 0)], since, 5_000)).toBe(15_000);
  });
  it('adds twice the worst wait seen from the minute the recipient went in doubt on, not before', () => {
    const minutes = [lag(8, 900_000), lag(10, 40_000), lag(11, 80_000), lag(12, 2_000)];
    expect(resendWaitMs(minutes, since, 5_000)).toBe(10_000 + 5_000 + 160_000);
    // In doubt since the middle of minute 10: that whole minute counts.
    expect(resendWaitMs(minutes, new Date(T0 + 10 * MIN + 59_000).toISOString(), 0)).toBe(10_000 + 160_000);
    expect(resendWaitMs(minutes, at(12).toISOString(), 0)).toBe(10_000 + 4_000);
  });
  it('names minutes by their start, in ISO', () => {
    expect(minuteOf(new Date('2026-11-22T10:07:59.999Z'))).toBe('2026-11-22T10:07');
    expect(minuteOf('2026-11-22T10:08:00.000Z')).toBe('2026-11-22T10:08');
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

describe('the evidence sample', () => {
  it('holds every recipient of a delivery of up to 2,047, then one in 2^k, never fewer than 1,024', () => {
    expect([1, 1_000, 2_047].map(evidenceModulus)).toEqual([1, 1, 1]);
    expect([2_048, 4_096, 10_000, 100_000, 1_000_000].map(evidenceModulus)).toEqual([2, 4, 8, 64, 512]);
    for (const n of [2_048, 10_000, 100_000, 5_000_000])
      expect(n / evidenceModulus(n)).toBeGreaterThanOrEqual(EVIDENCE_SAMPLE_MIN);
  });

  it('takes each recipient the same way every time, and about one in the modulus of them', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `f${String(i).padStart(6, '0')}`);
    const sampled = ids.filter((id) => inEvidenceSample(id, 10_000));
    expect(sampled.length).toBeGreaterThan(1_100); // 1,250 expected (one in 8)
    expect(sampled.length).toBeLessThan(1_400);
    expect(ids.filter((id) => inEvidenceSample(id, 10_000))).toEqual(sampled);
    expect(ids.slice(0, 2_000).every((id) => inEvidenceSample(id, 2_000))).toBe(true);
    // UUIDs, as profile ids usually are, spread the same way.
    const uuids = Array.from({ length: 8_000 }, (_, i) => `${(i * 2654435761) >>> 0}-4e22-937a-${i}`);
    const share = uuids.filter((id) => inEvidenceSample(id, 10_000)).length / uuids.length;
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.15);
  });
});
