import type { ExclusionCause } from '#domain/delivery.ts';
import type { FailureType, RecipientStatus } from '#domain/kpis.ts';
import type { Target } from './ledger.ts';
import type { Page, PageRequest } from './paging.ts';

/** A delivery's logs are per preparation: re-preparing writes a fresh set, keyed by the prepared version. */
export interface LogRef {
  deliveryId: string;
  version: number;
}

/** A sending-log entry (DESIGN section 6). */
export interface SendingLogEntry {
  deliveryId: string;
  version: number;
  recipientId: string;
  profileId: string;
  email: string;
  status: RecipientStatus;
  failureType?: FailureType;
  failureReason?: string;
  sesMessageId?: string;
  sentAt?: string;
  /** When a Delivery event (or an open or click, which prove delivery) was recorded. */
  deliveredAt?: string;
  updatedAt: string;
  opens?: number;
  clicks?: number;
  firstOpenAt?: string;
  firstClickAt?: string;
}

export interface ExclusionLogEntry {
  deliveryId: string;
  version: number;
  profileId: string;
  email: string | null;
  status: 'ignored';
  cause: ExclusionCause;
  reason: string;
  at: string;
}

/**
 * The sending and exclusion logs of a delivery. The sending log is the targets preparation wrote, each shown as
 * its ledger entry (shared/ports/ledger.ts) or, with none, as pending.
 */
export interface RecipientLogRepository {
  /**
   * Preparation writes the targets of one member page (pending recipients), packed in pages: the same call again
   * writes the same pages, and a recipient written again is one recipient (its last target wins).
   */
  putTargets(ref: LogRef, targets: readonly Target[], at: string): Promise<void>;
  /** Exclusions of one member page, packed the same way; an exclusion written again is one exclusion. */
  putExclusions(entries: readonly ExclusionLogEntry[]): Promise<void>;
  /** All recipients, or those in one status (`pending`: without an entry), shard by shard in id order. */
  listSending(
    ref: LogRef,
    filter: { status?: RecipientStatus | undefined },
    page: PageRequest,
  ): Promise<Page<SendingLogEntry>>;
  listExclusions(ref: LogRef, page: PageRequest): Promise<Page<ExclusionLogEntry>>;
  /** Every message sent to a profile (entries with a message id), newest first. */
  historyForProfile(profileId: string, page: PageRequest): Promise<Page<SendingLogEntry>>;
}
