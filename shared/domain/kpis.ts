/**
 * KPI formulas (DESIGN section 5): one definition, used on every screen, in the API and in compute-stats.
 * Pure code: no AWS imports.
 */
import type { DeliveryState } from './delivery.ts';
import { STATUS_TEXT } from './delivery.ts';

/** Real-time counts: move as the sending log changes. */
export interface RealTimeCounts {
  toDeliver: number;
  sent: number;
  processed: number;
  delivered: number;
  bouncesAndErrors: number;
}

/**
 * The same counts from human events only (shared/domain/engagement.ts classifies each open and click): machine
 * opens (mail privacy proxies) and clicks (security scanners) left out. A human click with no human open counts
 * one human open, as a click implies an open.
 */
export interface HumanTrackingCounts {
  humanOpens: number;
  uniqueHumanOpens: number;
  humanClicks: number;
  uniqueHumanClicks: number;
}

/** Tracking counts: refreshed hourly and by compute-stats, with the delivered count of that moment. */
export interface TrackingCounts extends Partial<HumanTrackingCounts> {
  opens: number;
  uniqueOpens: number;
  clicks: number;
  uniqueClicks: number;
  /** Delivered when the tracking snapshot was taken: the denominator of open rate and CTR. */
  delivered: number;
}

export interface Kpis extends RealTimeCounts {
  deliveredRate: number;
  bouncesAndErrorsRate: number;
  opens: number;
  uniqueOpens: number;
  openRate: number;
  clicks: number;
  uniqueClicks: number;
  clickThroughRate: number;
  /** From human events only, beside the all-events figures above (which keep their definitions). */
  humanOpens: number;
  uniqueHumanOpens: number;
  humanOpenRate: number;
  humanClicks: number;
  uniqueHumanClicks: number;
  humanClickThroughRate: number;
}

export interface Snapshot<T> {
  counts: T;
  /** ISO time the read behind this snapshot started. */
  computedAt: string;
}

/** How far a preparation in progress is: profiles read so far against the audience's size. */
export interface PreparationProgress {
  targeted: number;
  toDeliver: number;
  excluded: number;
  audienceSize: number;
  percent: number;
}

export interface Deployment {
  state: DeliveryState;
  statusText: string;
  progress: { processed: number; toDeliver: number };
  /** Only while preparing. */
  preparation?: PreparationProgress;
  kpis: Kpis;
  computedAt: { realTime: string | null; tracking: string | null };
}

/**
 * A fraction from 0 to 1, rounded to 4 decimals; 0 when the denominator is 0. Never above 1: a recipient who opened
 * and then failed (a bounce after a scanner's click) counts in unique opens but no longer in Delivered.
 */
export const rate = (numerator: number, denominator: number): number =>
  denominator > 0 ? Math.min(1, Math.max(0, Math.round((numerator / denominator) * 10_000) / 10_000)) : 0;

export const EMPTY_REAL_TIME: RealTimeCounts = {
  toDeliver: 0,
  sent: 0,
  processed: 0,
  delivered: 0,
  bouncesAndErrors: 0,
};
export const EMPTY_TRACKING: TrackingCounts = {
  opens: 0,
  uniqueOpens: 0,
  clicks: 0,
  uniqueClicks: 0,
  delivered: 0,
};

export const EMPTY_HUMAN: HumanTrackingCounts = {
  humanOpens: 0,
  uniqueHumanOpens: 0,
  humanClicks: 0,
  uniqueHumanClicks: 0,
};

export const computeKpis = (realTime: RealTimeCounts, tracking: TrackingCounts): Kpis => ({
  ...realTime,
  deliveredRate: rate(realTime.delivered, realTime.processed),
  bouncesAndErrorsRate: rate(realTime.bouncesAndErrors, realTime.processed),
  opens: tracking.opens,
  uniqueOpens: tracking.uniqueOpens,
  openRate: rate(tracking.uniqueOpens, tracking.delivered),
  clicks: tracking.clicks,
  uniqueClicks: tracking.uniqueClicks,
  clickThroughRate: rate(tracking.uniqueClicks, tracking.delivered),
  humanOpens: tracking.humanOpens ?? 0,
  uniqueHumanOpens: tracking.uniqueHumanOpens ?? 0,
  humanOpenRate: rate(tracking.uniqueHumanOpens ?? 0, tracking.delivered),
  humanClicks: tracking.humanClicks ?? 0,
  uniqueHumanClicks: tracking.uniqueHumanClicks ?? 0,
  humanClickThroughRate: rate(tracking.uniqueHumanClicks ?? 0, tracking.delivered),
});

/**
 * Real-time counts made consistent with each other. They are read from counters that different handlers ADD at
 * different moments (a sender flushes its deltas once a second, the ingester once a batch), so a read may see a
 * recipient's Delivery before its send: every delivered recipient was sent, and every delivered or failed one was
 * processed, so those are lower bounds of Sent and Processed.
 */
export const consistentRealTime = (c: RealTimeCounts): RealTimeCounts => {
  const sent = Math.max(c.sent, c.delivered);
  return { ...c, sent, processed: Math.max(c.processed, sent, c.delivered + c.bouncesAndErrors) };
};

/**
 * Real-time counts within the bounds their definitions imply: 0 ≤ Delivered ≤ Sent ≤ Processed ≤ To deliver and
 * Delivered + Bounces + errors ≤ Processed (lower bounds first, as `consistentRealTime`, then To deliver caps them
 * once a send is prepared). Live counters can step outside them for a moment (a flush lagging another, an ADD
 * retried after a lost answer); a recount never does.
 */
export const boundedRealTime = (c: RealTimeCounts): RealTimeCounts => {
  const cap = (n: number) => Math.max(0, c.toDeliver > 0 ? Math.min(n, c.toDeliver) : n);
  const lower = consistentRealTime(c);
  const processed = cap(lower.processed);
  const sent = Math.min(cap(lower.sent), processed);
  const delivered = Math.min(cap(c.delivered), sent);
  const bouncesAndErrors = Math.min(cap(c.bouncesAndErrors), processed - delivered);
  return { ...c, sent, processed, delivered, bouncesAndErrors };
};

/**
 * Tracking counts within their definitional bounds: a unique count never above its total, a click counts an open
 * (the rates stay within 0 and 1 by `rate`).
 */
export const boundedTracking = (t: TrackingCounts): TrackingCounts => {
  const nonNegative = (n: number | undefined) => Math.max(0, n ?? 0);
  const uniqueClicks = nonNegative(t.uniqueClicks);
  const uniqueOpens = Math.max(nonNegative(t.uniqueOpens), uniqueClicks);
  const out: TrackingCounts = {
    opens: Math.max(nonNegative(t.opens), uniqueOpens),
    uniqueOpens,
    clicks: Math.max(nonNegative(t.clicks), uniqueClicks),
    uniqueClicks,
    delivered: nonNegative(t.delivered),
  };
  if (t.uniqueHumanOpens !== undefined || t.uniqueHumanClicks !== undefined) {
    out.uniqueHumanClicks = Math.min(nonNegative(t.uniqueHumanClicks), uniqueClicks);
    out.uniqueHumanOpens = Math.min(
      Math.max(nonNegative(t.uniqueHumanOpens), out.uniqueHumanClicks),
      uniqueOpens,
    );
    out.humanOpens = Math.max(nonNegative(t.humanOpens), out.uniqueHumanOpens);
    out.humanClicks = Math.max(nonNegative(t.humanClicks), out.uniqueHumanClicks);
  }
  return out;
};

export const buildDeployment = (
  state: DeliveryState,
  realTime: Snapshot<RealTimeCounts> | null,
  tracking: Snapshot<TrackingCounts> | null,
  toDeliver: number,
): Deployment => {
  const rt = boundedRealTime({ ...(realTime?.counts ?? EMPTY_REAL_TIME), toDeliver });
  const kpis = computeKpis(rt, boundedTracking(tracking?.counts ?? EMPTY_TRACKING));
  return {
    state,
    statusText: STATUS_TEXT[state],
    progress: { processed: rt.processed, toDeliver },
    kpis,
    computedAt: { realTime: realTime?.computedAt ?? null, tracking: tracking?.computedAt ?? null },
  };
};

/** A snapshot write wins only if its read started later than the stored one's (never overwrite newer values). */
export const isNewer = (candidate: string, stored: string | null | undefined): boolean =>
  !stored || Date.parse(candidate) > Date.parse(stored);

/** A recipient's sending-log status (DESIGN section 6). */
export type RecipientStatus = 'pending' | 'sent' | 'delivered' | 'failed' | 'canceled' | 'in-doubt';
export type FailureType = 'hard' | 'soft' | 'error';

/** What compute-stats reads of each recipient from the sending and tracking logs. */
export interface RecipientFacts {
  status: RecipientStatus;
  hasMessageId: boolean;
  opens: number;
  clicks: number;
  /** Opens and clicks the tracking log classifies human (absent: not counted, as for the counters). */
  humanOpens?: number;
  humanClicks?: number;
}

/**
 * Recomputes both snapshots from the logs. Delivered counts recipients delivered and not failed since (an open or
 * click proves delivery); processed is sent plus those that failed before SES accepted them.
 */
export const recount = (
  recipients: Iterable<RecipientFacts>,
  toDeliver: number,
): { realTime: RealTimeCounts; tracking: TrackingCounts } => {
  const rt = { ...EMPTY_REAL_TIME, toDeliver };
  const tr = { ...EMPTY_TRACKING };
  for (const r of recipients) {
    if (r.hasMessageId) rt.sent++;
    if (r.hasMessageId || r.status === 'failed') rt.processed++;
    const failed = r.status === 'failed';
    if (failed) rt.bouncesAndErrors++;
    const engaged = r.opens > 0 || r.clicks > 0;
    if (!failed && (r.status === 'delivered' || engaged)) rt.delivered++;
    tr.opens += r.opens + (r.clicks > 0 && r.opens === 0 ? 1 : 0);
    if (engaged) tr.uniqueOpens++;
    tr.clicks += r.clicks;
    if (r.clicks > 0) tr.uniqueClicks++;
    if (r.humanOpens !== undefined || r.humanClicks !== undefined) {
      const opens = r.humanOpens ?? 0;
      const clicks = r.humanClicks ?? 0;
      tr.humanOpens = (tr.humanOpens ?? 0) + opens + (clicks > 0 && opens === 0 ? 1 : 0);
      tr.uniqueHumanOpens = (tr.uniqueHumanOpens ?? 0) + (opens > 0 || clicks > 0 ? 1 : 0);
      tr.humanClicks = (tr.humanClicks ?? 0) + clicks;
      tr.uniqueHumanClicks = (tr.uniqueHumanClicks ?? 0) + (clicks > 0 ? 1 : 0);
    }
  }
  tr.delivered = rt.delivered;
  return { realTime: rt, tracking: tr };
};

/** The parent of a recurring delivery shows the sums of its executions' counts. */
export const sumCounts = <T extends object>(items: readonly T[], empty: T): T => {
  const total = { ...empty } as Record<string, number>;
  for (const item of items) {
    for (const [k, v] of Object.entries(item)) if (typeof v === 'number') total[k] = (total[k] ?? 0) + v;
  }
  return total as T;
};

/** The counters one recipient contributes to (the counter names of the ports, without `settled`). */
export type Contribution = Omit<RealTimeCounts, 'toDeliver'> &
  Omit<TrackingCounts, 'delivered' | keyof HumanTrackingCounts>;

/**
 * What one recipient contributes to the KPIs, by the same definition as `recount`: a ledger change moves the
 * counters by contribution(after) − contribution(before), so counters and recount cannot disagree.
 */
export const contribution = (r: RecipientFacts): Contribution => {
  const { realTime, tracking } = recount([r], 0);
  return {
    sent: realTime.sent,
    processed: realTime.processed,
    delivered: realTime.delivered,
    bouncesAndErrors: realTime.bouncesAndErrors,
    opens: tracking.opens,
    uniqueOpens: tracking.uniqueOpens,
    clicks: tracking.clicks,
    uniqueClicks: tracking.uniqueClicks,
  };
};

/** contribution(after) − contribution(before), non-zero entries only. */
export const contributionDelta = (before: RecipientFacts, after: RecipientFacts): Partial<Contribution> => {
  const a = contribution(after);
  const b = contribution(before);
  const delta: Partial<Contribution> = {};
  for (const key of Object.keys(a) as Array<keyof Contribution>) {
    if (a[key] !== b[key]) delta[key] = a[key] - b[key];
  }
  return delta;
};

/** The counters a log's recount yields: each recipient's contribution summed, and `settled` (entries written). */
export type LogTally = Contribution & { settled: number };

export const emptyTally = (): LogTally => ({
  sent: 0,
  processed: 0,
  delivered: 0,
  bouncesAndErrors: 0,
  opens: 0,
  uniqueOpens: 0,
  clicks: 0,
  uniqueClicks: 0,
  settled: 0,
});

/**
 * Folds one recipient into a tally (in place): a recount streams the log through this, one entry at a time, so it
 * holds counts, never the entries. Same definition as `recount` (`contribution`).
 */
export const addToTally = (tally: LogTally, r: RecipientFacts): LogTally => {
  const c = contribution(r);
  for (const key of Object.keys(c) as Array<keyof Contribution>) tally[key] += c[key];
  if (r.status !== 'pending') tally.settled += 1;
  return tally;
};

/** The sum of tallies (the shards of a log read in parallel, or a recount continued from its checkpoint). */
export const mergeTallies = (...tallies: readonly LogTally[]): LogTally => {
  const total = emptyTally();
  for (const t of tallies)
    for (const key of Object.keys(total) as Array<keyof LogTally>) total[key] += t[key];
  return total;
};

/** Both snapshots' counts from a tally (and the human counts, when the tracking log was read). */
export const tallyCounts = (
  tally: LogTally,
  toDeliver: number,
  human?: HumanTrackingCounts,
): { realTime: RealTimeCounts; tracking: TrackingCounts } => ({
  realTime: {
    toDeliver,
    sent: tally.sent,
    processed: tally.processed,
    delivered: tally.delivered,
    bouncesAndErrors: tally.bouncesAndErrors,
  },
  tracking: {
    opens: tally.opens,
    uniqueOpens: tally.uniqueOpens,
    clicks: tally.clicks,
    uniqueClicks: tally.uniqueClicks,
    delivered: tally.delivered,
    ...(human ?? {}),
  },
});

/**
 * The human counts of a tracking log, from each recipient's human opens and clicks, by the definition `recount`
 * uses (a human click with no human open counts one human open).
 */
export const humanCounts = (
  perRecipient: Iterable<{ opens: number; clicks: number }>,
): HumanTrackingCounts => {
  const out = { ...EMPTY_HUMAN };
  for (const { opens, clicks } of perRecipient) {
    out.humanOpens += opens + (clicks > 0 && opens === 0 ? 1 : 0);
    if (opens > 0 || clicks > 0) out.uniqueHumanOpens++;
    out.humanClicks += clicks;
    if (clicks > 0) out.uniqueHumanClicks++;
  }
  return out;
};
