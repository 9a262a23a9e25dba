/**
 * Human or machine opens and clicks (shared/domain/engagement.ts) where the use cases meet them: ingestion classifies
 * each tracking-log entry as it appends it, and compute-stats counts each recipient's human ones from the log.
 */
import { classifyEngagement } from '#domain/engagement.ts';
import type { RecipientEvent } from '#domain/ses-events.ts';
import type { LedgerEntry, LogRef, TrackingLog, TrackingLogEntry } from '#ports/index.ts';

/** The classification fields of an open or click's tracking-log entry. */
export const engagementOf = (
  kind: 'open' | 'click',
  event: RecipientEvent,
  entry: Pick<LedgerEntry, 'deliveredAt' | 'sentAt'>,
): Pick<TrackingLogEntry, 'classification' | 'classificationRule'> => {
  const verdict = classifyEngagement({
    kind,
    userAgent: event.userAgent,
    ipAddress: event.ipAddress,
    at: event.at,
    deliveredAt: entry.deliveredAt,
    sentAt: entry.sentAt ?? event.mailAt,
  });
  return { classification: verdict.classification, classificationRule: verdict.rule };
};

/**
 * Each recipient's human opens and clicks in one prepared version's tracking log. Entries appended before the
 * classifier existed carry none and count as human (they were all counted before). The tracking log keeps about
 * the 90-day reporting window (its entries expire by TTL), so a recount after that finds no human events.
 */
export const humanEngagement = async (
  tracking: TrackingLog,
  ref: LogRef,
): Promise<Map<string, { opens: number; clicks: number }>> => {
  const byRecipient = new Map<string, { opens: number; clicks: number }>();
  let cursor: string | undefined;
  do {
    const page = await tracking.list(ref.deliveryId, {}, { cursor, limit: 100 });
    for (const e of page.items) {
      if (e.version !== ref.version || e.type === 'opt-out' || e.classification === 'machine') continue;
      const counts = byRecipient.get(e.recipientId) ?? { opens: 0, clicks: 0 };
      if (e.type === 'open') counts.opens++;
      else counts.clicks++;
      byRecipient.set(e.recipientId, counts);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return byRecipient;
};
