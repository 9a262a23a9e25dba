/**
 * The reputation guard (DESIGN section 5, limits.md 1.7): SES reviews an account at a 5 % bounce rate or a 0.1 %
 * complaint rate and may pause its sending at 10 % or 0.5 %. A delivery whose own rates pass lower thresholds while
 * it sends is paused automatically, before it can drag the account there; a Start-deliveries user resumes it
 * explicitly.
 *
 * Rates are over the recipients processed (sent, or failed before SES accepted them): bounces are hard bounces
 * (Permanent), as SES's bounce rate counts them (soft bounces and auto-replies do not count there), complaints are
 * Complaint events. Neither is judged before `minProcessed` recipients were processed: a handful of early bounces
 * says little. After a resume the guard judges only what happened since its pause (the baseline it recorded), so
 * the same old bounces do not pause the delivery again at once, and new ones still can. Pure code.
 */

export interface GuardThresholds {
  /** A bounce rate above this pauses (a fraction; default 0.04, below SES's 5 % review level). */
  bounceRate: number;
  /** A complaint rate above this pauses (default 0.0008, below SES's 0.1 % review level). */
  complaintRate: number;
  /** Recipients processed (since the baseline) before the rates are judged (default 200). */
  minProcessed: number;
}

export const DEFAULT_GUARD_THRESHOLDS: GuardThresholds = {
  bounceRate: 0.04,
  complaintRate: 0.0008,
  minProcessed: 200,
};

export interface GuardTotals {
  processed: number;
  bounces: number;
  complaints: number;
}

export interface GuardVerdict {
  rule: 'bounce-rate' | 'complaint-rate';
  /** Shown in the delivery's history and status text. */
  reason: string;
  totals: GuardTotals;
}

const percent = (x: number): string => `${(Math.round(x * 10_000) / 100).toString()} %`;

/**
 * Processed, never below the bounces and complaints counted: each of those recipients was processed, but the
 * senders flush Processed once per invocation while the guard counts a batch's bounces as they are ingested, so
 * the counter may lag them (a rate over a lagging count read "280 % (14 hard bounces of 5 processed)").
 */
export const processedAtLeast = (totals: GuardTotals): number =>
  Math.max(totals.processed, totals.bounces + totals.complaints);

/**
 * Whether the delivery must be paused now: the first rate above its threshold, judged on what happened since
 * `baseline` (the totals at the guard's last pause; none before the first).
 */
export const guardVerdict = (
  counted: GuardTotals,
  thresholds: GuardThresholds = DEFAULT_GUARD_THRESHOLDS,
  baseline: GuardTotals = { processed: 0, bounces: 0, complaints: 0 },
): GuardVerdict | null => {
  const totals = { ...counted, processed: processedAtLeast(counted) };
  const processed = totals.processed - baseline.processed;
  if (processed < thresholds.minProcessed || processed <= 0) return null;
  const bounces = totals.bounces - baseline.bounces;
  const complaints = totals.complaints - baseline.complaints;
  const since = baseline.processed > 0 ? ' since the last resume' : '';
  if (bounces / processed > thresholds.bounceRate) {
    return {
      rule: 'bounce-rate',
      reason: `Reputation guard: bounce rate ${percent(bounces / processed)} (${bounces} hard bounces of ${processed} processed${since}) is above ${percent(thresholds.bounceRate)}`,
      totals,
    };
  }
  if (complaints / processed > thresholds.complaintRate) {
    return {
      rule: 'complaint-rate',
      reason: `Reputation guard: complaint rate ${percent(complaints / processed)} (${complaints} complaints of ${processed} processed${since}) is above ${percent(thresholds.complaintRate)}`,
      totals,
    };
  }
  return null;
};
