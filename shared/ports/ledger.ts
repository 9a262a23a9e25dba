import type { FailureType, RecipientStatus } from '#domain/kpis.ts';
import type { LogRef, SendingLogEntry } from './logs.ts';

/** A claim on a recipient, taken before the SES call. */
export interface Claim {
  owner: string;
  at: string;
  leaseUntil: string;
}

export type LedgerEntry = SendingLogEntry & { claim?: Claim };

/** The per-recipient ledger the senders write (the sending log's entries, seen as a state machine). */
export interface RecipientLedger {
  get(ref: LogRef, recipientId: string): Promise<LedgerEntry | null>;
  /** Claims a pending, unclaimed recipient; returns the entry as it stands when the claim is refused. */
  claim(
    ref: LogRef,
    recipientId: string,
    claim: Claim,
  ): Promise<{ claimed: true; entry: LedgerEntry } | { claimed: false; entry: LedgerEntry | null }>;
  /** Gives a claim back (the SES call was refused before it was accepted). */
  release(ref: LogRef, recipientId: string, claim: Claim): Promise<void>;
  markSent(
    ref: LogRef,
    recipientId: string,
    claim: Claim,
    sent: { sesMessageId: string; at: string },
  ): Promise<boolean>;
  /** Fails a claimed recipient (permanent SES error) or, with `claim` null, an in-doubt one past its window. */
  markFailed(
    ref: LogRef,
    recipientId: string,
    claim: Claim | null,
    failure: { failureType: FailureType; failureReason: string; at: string },
  ): Promise<boolean>;
  /** A claim found without a message id after its lease: never resent. */
  markInDoubt(ref: LogRef, recipientId: string, claim: Claim, at: string): Promise<boolean>;
  /** Stop: a pending, unclaimed recipient becomes canceled ("Delivery canceled"). */
  cancel(ref: LogRef, recipientId: string, at: string): Promise<boolean>;
  /**
   * Where an SES message id was recorded (the bySesMessageId index; eventually consistent): the entry's log and
   * recipient, or null.
   */
  findBySesMessageId(sesMessageId: string): Promise<{ ref: LogRef; recipientId: string } | null>;
  /**
   * Applies what an SES event does to an entry, conditionally on its status still being `expected` (the status the
   * caller read): status moves (statusPk follows), failure type and reason, delivered time, the SES message id and
   * sent time of a reconciled in-doubt entry (historySk follows; `reconciledAt` is set so the sender's markSent
   * never counts it again), opens or clicks ADDed with their first times. Returns the entry before and after the
   * write, or null when the status moved meanwhile (re-read and recompute) or the entry is gone.
   */
  applyEvent(
    ref: LogRef,
    recipientId: string,
    expected: RecipientStatus,
    change: EntryChange,
  ): Promise<{ before: LedgerEntry; after: LedgerEntry } | null>;
  /**
   * The entries (claims included) in `status` of one shard, in key order, after `after`: what the sweeper decides
   * on, from the byStatus index (eventually consistent: every write it then makes is conditional).
   */
  entriesByStatus(
    ref: LogRef,
    shard: number,
    status: RecipientStatus,
    after: string | null,
    limit: number,
  ): Promise<{ entries: LedgerEntry[]; last: string | null }>;
  /** Recipients in `status` of one shard, in key order, after `after` (a recipient id). */
  listByStatus(
    ref: LogRef,
    shard: number,
    status: RecipientStatus,
    after: string | null,
    limit: number,
  ): Promise<{ recipientIds: string[]; last: string | null }>;
}

/**
 * What one SES event writes on a sending-log entry: at least one change besides `updatedAt` (applyEvent refuses
 * an empty one with a RangeError).
 */
export interface EntryChange {
  status?: RecipientStatus;
  failureType?: FailureType;
  failureReason?: string;
  /** Set when the status becomes delivered. */
  deliveredAt?: string;
  /** A reconciled entry (pending or in-doubt, no message id yet) gets the message id and the time SES sent it. */
  sent?: { sesMessageId: string; at: string };
  /** Engagement: ADD 1 to opens or clicks, and set firstOpenAt / firstClickAt if absent (a click sets both). */
  track?: { kind: 'open' | 'click'; at: string };
  updatedAt: string;
}
