import { describe, expect, it } from 'vitest';
import {
  buildDeployment,
  computeKpis,
  EMPTY_REAL_TIME,
  isNewer,
  type RecipientFacts,
  rate,
  recount,
  sumCounts,
} from '#domain/kpis.ts';

const r = (
  status: RecipientFacts['status'],
  hasMessageId: boolean,
  opens = 0,
  clicks = 0,
): RecipientFacts => ({
  status,
  hasMessageId,
  opens,
  clicks,
});

describe('rates', () => {
  it('are fractions rounded to 4 decimals, 0 when the denominator is 0', () => {
    expect(rate(110, 120)).toBe(0.9167);
    expect(rate(4, 120)).toBe(0.0333);
    expect(rate(5, 0)).toBe(0);
    expect(rate(0, 10)).toBe(0);
    expect(rate(10, 10)).toBe(1);
  });

  it('reproduce the deployment example of DESIGN section 6', () => {
    const kpis = computeKpis(
      { toDeliver: 200, sent: 118, processed: 120, delivered: 110, bouncesAndErrors: 4 },
      { opens: 40, uniqueOpens: 31, clicks: 12, uniqueClicks: 9, delivered: 110 },
    );
    // The contract's fields keep their values; the human figures sit beside them (0 without human counts).
    expect(kpis).toEqual({
      humanOpens: 0,
      uniqueHumanOpens: 0,
      humanOpenRate: 0,
      humanClicks: 0,
      uniqueHumanClicks: 0,
      humanClickThroughRate: 0,
      toDeliver: 200,
      sent: 118,
      processed: 120,
      delivered: 110,
      bouncesAndErrors: 4,
      deliveredRate: 0.9167,
      bouncesAndErrorsRate: 0.0333,
      opens: 40,
      uniqueOpens: 31,
      openRate: 0.2818,
      clicks: 12,
      uniqueClicks: 9,
      clickThroughRate: 0.0818,
    });
  });

  it('open rate and CTR use the delivered count of the tracking snapshot, not the live one', () => {
    const kpis = computeKpis(
      { toDeliver: 10, sent: 10, processed: 10, delivered: 10, bouncesAndErrors: 0 },
      { opens: 2, uniqueOpens: 2, clicks: 1, uniqueClicks: 1, delivered: 4 },
    );
    expect(kpis.openRate).toBe(0.5);
    expect(kpis.clickThroughRate).toBe(0.25);
    expect(kpis.deliveredRate).toBe(1);
  });
});

describe('recount from the logs', () => {
  it('counts each KPI by its definition', () => {
    const { realTime, tracking } = recount(
      [
        r('delivered', true, 2, 1), // delivered, opened twice, clicked
        r('delivered', true), // delivered, no engagement
        r('sent', true, 0, 2), // a click proves delivery and implies an open
        r('sent', true, 1), // an open proves delivery
        r('sent', true), // accepted by SES, no news yet
        r('failed', true), // hard bounce after SES accepted it
        r('failed', false), // failed before SES accepted it (reject / send error / in-doubt expired)
        r('in-doubt', false),
        r('pending', false),
        r('canceled', false),
        r('failed', true, 1), // opened, then bounced: failed since, not delivered
      ],
      12,
    );
    expect(realTime).toEqual({ toDeliver: 12, sent: 7, processed: 8, delivered: 4, bouncesAndErrors: 3 });
    expect(tracking).toEqual({ opens: 5, uniqueOpens: 4, clicks: 3, uniqueClicks: 2, delivered: 4 });
  });

  it('an empty log gives zeros and zero rates', () => {
    const { realTime, tracking } = recount([], 0);
    expect(computeKpis(realTime, tracking).deliveredRate).toBe(0);
    expect(realTime).toEqual(EMPTY_REAL_TIME);
  });
});

describe('deployment block and snapshots', () => {
  it('shows To deliver from preparation and the times of each snapshot', () => {
    const d = buildDeployment(
      'sending',
      {
        counts: { toDeliver: 0, sent: 118, processed: 120, delivered: 110, bouncesAndErrors: 4 },
        computedAt: '2026-11-22T10:00:04Z',
      },
      null,
      200,
    );
    expect(d).toMatchObject({
      state: 'sending',
      statusText: 'Sending',
      progress: { processed: 120, toDeliver: 200 },
      computedAt: { realTime: '2026-11-22T10:00:04Z', tracking: null },
    });
    expect(d.kpis.toDeliver).toBe(200);
    expect(d.kpis.openRate).toBe(0);
  });

  it('never shows more delivered than sent, or more settled than processed, when counters lag each other', () => {
    // The ingester counted 7 Delivery events before the senders flushed their sends.
    const d = buildDeployment(
      'sending',
      {
        counts: { toDeliver: 0, sent: 3, processed: 3, delivered: 7, bouncesAndErrors: 2 },
        computedAt: '2026-11-22T10:00:04Z',
      },
      null,
      150,
    );
    expect(d.kpis).toMatchObject({ sent: 7, processed: 9, delivered: 7, bouncesAndErrors: 2 });
    expect(d.kpis.deliveredRate).toBeLessThanOrEqual(1);
    expect(d.progress).toEqual({ processed: 9, toDeliver: 150 });
    const consistent = buildDeployment(
      'sending',
      {
        counts: { toDeliver: 0, sent: 118, processed: 120, delivered: 110, bouncesAndErrors: 4 },
        computedAt: 'x',
      },
      null,
      200,
    );
    expect(consistent.kpis).toMatchObject({ sent: 118, processed: 120 });
  });

  it('a snapshot is written only if its read started later than the stored one', () => {
    expect(isNewer('2026-11-22T10:00:01Z', '2026-11-22T10:00:00Z')).toBe(true);
    expect(isNewer('2026-11-22T10:00:00Z', '2026-11-22T10:00:00Z')).toBe(false);
    expect(isNewer('2026-11-22T09:59:59Z', '2026-11-22T10:00:00Z')).toBe(false);
    expect(isNewer('2026-11-22T09:59:59Z', null)).toBe(true);
  });

  it('a recurring parent shows the sums of its executions', () => {
    const total = sumCounts(
      [
        { toDeliver: 10, sent: 9, processed: 10, delivered: 8, bouncesAndErrors: 1 },
        { toDeliver: 5, sent: 5, processed: 5, delivered: 5, bouncesAndErrors: 0 },
      ],
      EMPTY_REAL_TIME,
    );
    expect(total).toEqual({ toDeliver: 15, sent: 14, processed: 15, delivered: 13, bouncesAndErrors: 1 });
  });
});
