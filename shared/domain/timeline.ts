/**
 * A delivery's sends and outcomes over time, bucketed for the dashboard's chart: Sent (SES accepted the message),
 * Delivered, Bounces + errors, and first opens and clicks, each counted in the bucket of the time it happened.
 * Same definitions as the KPIs: a recipient counts as delivered only while it is delivered (not failed since).
 * Pure code.
 */
import type { RecipientStatus } from './kpis.ts';

/** What the timeline reads of each sending-log entry. */
export interface TimelineFacts {
  status: RecipientStatus;
  sentAt?: string | undefined;
  deliveredAt?: string | undefined;
  updatedAt: string;
  firstOpenAt?: string | undefined;
  firstClickAt?: string | undefined;
}

export interface TimelineBucket {
  /** Start of the bucket (ISO 8601 UTC). */
  at: string;
  sent: number;
  delivered: number;
  bouncesAndErrors: number;
  uniqueOpens: number;
  uniqueClicks: number;
}

export interface Timeline {
  bucketSeconds: number;
  buckets: TimelineBucket[];
}

/** Bucket sizes, smallest first: the first that covers the span in at most MAX_BUCKETS is used. */
export const BUCKET_SECONDS = [1, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 86_400, 7 * 86_400] as const;
export const MAX_BUCKETS = 60;

type Series = Exclude<keyof TimelineBucket, 'at'>;

const moments = (r: TimelineFacts): Array<[Series, string]> => {
  const out: Array<[Series, string]> = [];
  if (r.sentAt) out.push(['sent', r.sentAt]);
  if (r.status === 'delivered' && r.deliveredAt) out.push(['delivered', r.deliveredAt]);
  if (r.status === 'failed') out.push(['bouncesAndErrors', r.updatedAt]);
  // A click implies an open (as in the KPIs): a recipient who clicked with no recorded open opened then.
  const openAt = r.firstOpenAt ?? r.firstClickAt;
  if (openAt) out.push(['uniqueOpens', openAt]);
  if (r.firstClickAt) out.push(['uniqueClicks', r.firstClickAt]);
  return out;
};

export const buildTimeline = (recipients: Iterable<TimelineFacts>): Timeline => {
  const points: Array<[Series, number]> = [];
  for (const r of recipients) {
    for (const [series, at] of moments(r)) {
      const ms = Date.parse(at);
      if (Number.isFinite(ms)) points.push([series, ms]);
    }
  }
  if (points.length === 0) return { bucketSeconds: BUCKET_SECONDS[0], buckets: [] };
  let first = Infinity;
  let last = -Infinity;
  for (const [, ms] of points) {
    first = Math.min(first, ms);
    last = Math.max(last, ms);
  }
  const bucketSeconds =
    BUCKET_SECONDS.find(
      (s) => Math.floor(last / (s * 1000)) - Math.floor(first / (s * 1000)) + 1 <= MAX_BUCKETS,
    ) ?? BUCKET_SECONDS[BUCKET_SECONDS.length - 1]!;
  const size = bucketSeconds * 1000;
  const start = Math.floor(first / size);
  const count = Math.floor(last / size) - start + 1;
  const buckets: TimelineBucket[] = Array.from({ length: count }, (_, i) => ({
    at: new Date((start + i) * size).toISOString(),
    sent: 0,
    delivered: 0,
    bouncesAndErrors: 0,
    uniqueOpens: 0,
    uniqueClicks: 0,
  }));
  for (const [series, ms] of points) {
    const bucket = buckets[Math.floor(ms / size) - start];
    if (bucket) bucket[series]++;
  }
  return { bucketSeconds, buckets };
};
