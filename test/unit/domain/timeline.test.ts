import { describe, expect, it } from 'vitest';
import { buildTimeline, MAX_BUCKETS, type TimelineFacts } from '#domain/timeline.ts';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 22, 10, 0, 0) + seconds * 1000).toISOString();

describe('buildTimeline', () => {
  it('is empty before anything was sent', () => {
    expect(buildTimeline([{ status: 'pending', updatedAt: at(0) }])).toEqual({
      bucketSeconds: 1,
      buckets: [],
    });
  });

  it('counts each send and outcome in the bucket of its time, with empty buckets in between', () => {
    const facts: TimelineFacts[] = [
      { status: 'delivered', sentAt: at(0), deliveredAt: at(1), updatedAt: at(1), firstOpenAt: at(3) },
      { status: 'failed', sentAt: at(0.5), updatedAt: at(2) },
      // A click with no recorded open counts as an open at the click.
      { status: 'delivered', sentAt: at(1), deliveredAt: at(1.2), updatedAt: at(4), firstClickAt: at(4) },
      // Delivered, then failed: no longer delivered (as in the KPIs).
      { status: 'failed', sentAt: at(1), deliveredAt: at(1.5), updatedAt: at(2.5) },
      { status: 'pending', updatedAt: at(0) },
    ];
    const { bucketSeconds, buckets } = buildTimeline(facts);
    expect(bucketSeconds).toBe(1);
    expect(buckets.map((b) => b.at)).toEqual([at(0), at(1), at(2), at(3), at(4)]);
    expect(buckets.map((b) => b.sent)).toEqual([2, 2, 0, 0, 0]);
    expect(buckets.map((b) => b.delivered)).toEqual([0, 2, 0, 0, 0]);
    expect(buckets.map((b) => b.bouncesAndErrors)).toEqual([0, 0, 2, 0, 0]);
    expect(buckets.map((b) => b.uniqueOpens)).toEqual([0, 0, 0, 1, 1]);
    expect(buckets.map((b) => b.uniqueClicks)).toEqual([0, 0, 0, 0, 1]);
  });

  it('widens the buckets so that a long send fits in at most MAX_BUCKETS', () => {
    const facts = Array.from({ length: 200 }, (_, i) => ({
      status: 'sent' as const,
      sentAt: at(i * 60),
      updatedAt: at(i * 60),
    }));
    const { bucketSeconds, buckets } = buildTimeline(facts);
    expect(bucketSeconds).toBe(300);
    expect(buckets.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(buckets.reduce((n, b) => n + b.sent, 0)).toBe(200);
  });
});
