import type { Page, PageRequest } from './paging.ts';

/**
 * Outcome markers (the `events` table, TTL `expiresAt`): the effects of an SES event that a status condition
 * cannot make idempotent (a soft bounce counting toward quarantine, a complaint, an opt-out) are applied once per
 * `messageId#eventType#recipient`, whichever envelope brings it. No raw event is stored: every other effect is
 * conditional (docs/data-model.md).
 */
export interface SesEventStore {
  /** Whether a terminal outcome `messageId#eventType#recipient` was applied before. */
  hasOutcome(sesMessageId: string, eventType: string, address: string): Promise<boolean>;
  /** Records that outcome as applied (idempotent). */
  putOutcome(sesMessageId: string, eventType: string, address: string, expiresAt: number): Promise<void>;
}

/** One tracking-log entry: an open, a click (with its link) or a list unsubscribe. */
export interface TrackingLogEntry {
  deliveryId: string;
  version: number;
  recipientId: string;
  profileId: string;
  sesMessageId: string;
  type: 'open' | 'click' | 'opt-out';
  at: string;
  link?: string;
  userAgent?: string;
  ipAddress?: string;
  /**
   * Opens and clicks: a human reading, or a machine (a mail privacy proxy, a security scanner), and the rule that
   * decided (shared/domain/engagement.ts).
   */
  classification?: 'human' | 'machine';
  classificationRule?: string;
  /** The envelope the event came in (unique per event). */
  eventId: string;
}

export interface TrackingLog {
  /**
   * Appends an entry, conditionally on its key (delivery, recipient, time, eventId) being new: false when it was
   * appended before (a redelivered event), so the entry's opens or clicks are ADDed once.
   */
  append(entry: TrackingLogEntry, expiresAt: number): Promise<boolean>;
  /** A delivery's tracking log, shard by shard in time order within a shard, optionally one type only. */
  list(
    deliveryId: string,
    filter: { type?: TrackingLogEntry['type'] | undefined },
    page: PageRequest,
  ): Promise<Page<TrackingLogEntry>>;
}
