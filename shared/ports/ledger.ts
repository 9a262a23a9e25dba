import type { FailureType, RecipientStatus } from '#domain/kpis.ts';
import type { EntryFacts } from './kpis.ts';
import type { LogRef, SendingLogEntry } from './logs.ts';

/**
 * One recipient as preparation targeted it: the address it checked (the one the sender uses) and the profile's
 * names at that moment (the frozen target the message is personalized from).
 */
export interface Target {
  recipientId: string;
  profileId: string;
  email: string;
  firstName?: string;
  lastName?: string;
}

/** Preparation's targets of one log shard, packed in pages in recipient id order (docs/data-model.md). */
export interface TargetPage {
  /** The page within its shard: its first recipient id (pages of a shard never overlap). */
  id: string;
  shard: number;
  /** In recipient id order. */
  targets: Target[];
  /** When preparation wrote it: the `updatedAt` of its pending recipients. */
  preparedAt: string;
}

/**
 * A sender's lease on one target page. While it holds (`leaseUntil` in the future), only its owner calls SES for
 * the page's recipients, and only for those in `window`, written before the calls.
 */
export interface PageLease {
  owner: string;
  /** When the owner took it: with the owner, what every later write of the lease is conditional on. */
  at: string;
  leaseUntil: string;
  /** Recipients whose SES call may be in flight (or may have been accepted, once the lease expired). */
  window: string[];
}

export type LeaseResult =
  /**
   * Taken: `lease` as written; `suspects` are the recipients of an expired lease's window that have no entry
   * (their SES call may have been accepted): the caller makes them in doubt before anything else, and they are in
   * the new lease's window until then.
   */
  | { acquired: true; lease: PageLease; suspects: string[] }
  /** Held by another owner and not expired: that owner sends the page. */
  | { acquired: false; lease: PageLease };

/** A sending-log entry as the ledger sees it (a recipient without an entry is pending). */
export type LedgerEntry = SendingLogEntry;

/**
 * The per-recipient ledger (docs/data-model.md, `recipients` table): the prepared target pages, each recipient's
 * entry, created once when its outcome is known (a recipient without an entry is pending), and the page leases
 * that make a recipient sent at most once.
 */
export interface RecipientLedger {
  /** The target pages of one shard in id order, after the page `after` (a page id). */
  pages(
    ref: LogRef,
    shard: number,
    after: string | null,
    limit: number,
  ): Promise<{ pages: TargetPage[]; last: string | null }>;
  /** The pages holding these recipients (each page once; recipients not targeted are in none). */
  pagesOf(ref: LogRef, recipientIds: readonly string[]): Promise<TargetPage[]>;
  /**
   * The entries of one shard in recipient id order, after the recipient `after`, up to `limit`: what a recount
   * reads, each entry once and only the facts the KPIs need (pending recipients have no entry and count nothing).
   * Strongly consistent: a recount's repair trusts it over the counters.
   */
  scanEntries(
    ref: LogRef,
    shard: number,
    after: string | null,
    limit: number,
  ): Promise<{ entries: EntryFacts[]; last: string | null }>;
  /** The entries of a page's recipients, by recipient id (pending ones have none). */
  entriesOf(ref: LogRef, page: TargetPage): Promise<Map<string, LedgerEntry>>;
  /**
   * A recipient's entry, or its pending view (status `pending`, `updatedAt` = its page's preparedAt) when it has
   * none; null when it is not a target of this log. Reads its page only when there is no entry.
   */
  get(ref: LogRef, recipientId: string, options?: { consistent?: boolean }): Promise<LedgerEntry | null>;
  /**
   * Several recipients at once, each as `get` reads it, in the order asked (one batch read of the entries, of any
   * logs; the pages only of those without one). Eventually consistent unless asked.
   */
  getMany(
    keys: ReadonlyArray<{ ref: LogRef; recipientId: string }>,
    options?: { consistent?: boolean },
  ): Promise<Array<LedgerEntry | null>>;

  /**
   * Takes the page's lease for `lease.owner` when it is free, expired or the owner's own, with `window` (plus the
   * suspects of an expired lease) as its window.
   */
  acquire(
    ref: LogRef,
    page: TargetPage,
    lease: { owner: string; at: string; leaseUntil: string },
    window: readonly string[],
    now: Date,
  ): Promise<LeaseResult>;
  /** Writes the next window (and a new `leaseUntil`) under the lease; false when the lease was lost. */
  extend(
    ref: LogRef,
    page: TargetPage,
    lease: PageLease,
    window: readonly string[],
    leaseUntil: string,
  ): Promise<boolean>;
  /**
   * Gives the page back: an empty window, expired now; nothing when the lease is no longer as `lease` says (lost, or
   * written since by its holder: the sweeper's read of a late holder's lease must not empty the window it slid).
   */
  release(ref: LogRef, page: TargetPage, lease: PageLease, now: Date): Promise<void>;
  /** The leases of one shard, by page id (what the sweeper checks for abandoned windows). */
  leases(ref: LogRef, shard: number): Promise<Map<string, PageLease>>;

  /**
   * Each of these creates the recipient's entry, once: false when it has one already. `markSent` is true again for
   * a retry of the caller's own write (same message id, same `by`) unless an SES event recorded the send first.
   */
  markSent(
    ref: LogRef,
    target: Target,
    sent: { sesMessageId: string; at: string; by: string },
  ): Promise<boolean>;
  markFailed(
    ref: LogRef,
    target: Target,
    failure: { failureType: FailureType; failureReason: string; at: string },
  ): Promise<boolean>;
  /** A recipient whose SES call may have been accepted with no record of it: never sent again. */
  markInDoubt(ref: LogRef, target: Target, at: string): Promise<boolean>;
  /** Stop: a pending recipient becomes canceled ("Delivery canceled"). */
  cancel(ref: LogRef, target: Target, at: string): Promise<boolean>;

  /**
   * The in-doubt recipients of a log and since when each is in doubt (the inDoubt index; eventually consistent:
   * the write that acts on one is conditional), after the recipient `after`.
   */
  inDoubt(
    ref: LogRef,
    after: string | null,
    limit: number,
  ): Promise<{ entries: Array<{ recipientId: string; since: string }>; last: string | null }>;
  /** An in-doubt entry whose window passed with no SES event naming it: failed (error), once. */
  expireInDoubt(
    ref: LogRef,
    recipientId: string,
    failure: { failureType: FailureType; failureReason: string; at: string },
  ): Promise<boolean>;

  /**
   * The once-only resend of an in-doubt recipient no SES event named within the window (DESIGN section 5, the
   * sweeper): marks it resent by `by` at `at`, which starts a new window (its in-doubt `since` becomes `at`), unless
   * it was resent before, is in doubt no more, or has a message id. True: the caller may call SES once for it; a
   * crash after that call leaves it in doubt and resent, so the next expiry fails it instead of sending again.
   */
  armResend(ref: LogRef, recipientId: string, resend: { at: string; by: string }): Promise<boolean>;
  /**
   * The resend SES accepted: in-doubt → sent with its message id (`sentBy`), under the caller's arming; false when
   * an SES event recorded it first (ingestion counted that send) or it moved otherwise.
   */
  markResent(
    ref: LogRef,
    recipientId: string,
    sent: { sesMessageId: string; at: string; by: string },
  ): Promise<boolean>;
  /**
   * A resend SES did not take (throttled, the daily quota, sending paused): the caller's arming is withdrawn, so a
   * later sweep may resend the recipient; false when it is not the caller's or the recipient moved.
   */
  disarmResend(ref: LogRef, recipientId: string, by: string): Promise<boolean>;
  /**
   * Notes on the entry that an SES Send event reached it (`sendSeenAt`): true the first time only, false for a
   * duplicate or when there is no entry. The in-doubt resend's evidence counts distinct Send events with it.
   */
  noteSendEvent(ref: LogRef, recipientId: string, at: string): Promise<boolean>;

  /**
   * Where an SES message id sent to one of these profiles was recorded (their histories, newest first: the byProfile
   * index, eventually consistent): the entry's log and recipient, or null. How a feedback notification, which has
   * no message tags, is attributed.
   */
  findBySesMessageId(
    sesMessageId: string,
    profileIds: readonly string[],
  ): Promise<{ ref: LogRef; recipientId: string } | null>;
  /**
   * Applies what an SES event does to a recipient, conditionally on `before` (what the caller read) being still
   * current: for a pending recipient the entry is created (the event overtook the sender, or the sender died after
   * SES accepted), else updated under `before.status`. Status moves, failure type and reason, delivered time, the
   * message id and sent time of a reconciled entry (`reconciledAt` is set, so the sender's markSent never counts it
   * again), opens or clicks ADDed with their first times. Returns the entry before and after the write, or null
   * when it moved meanwhile (read again and recompute).
   */
  applyEvent(
    ref: LogRef,
    before: LedgerEntry,
    change: EntryChange,
  ): Promise<{ before: LedgerEntry; after: LedgerEntry } | null>;
}

/**
 * What one SES event writes on a sending-log entry: at least one change besides `updatedAt` (applyEvent refuses
 * an empty one with a RangeError).
 */
export interface EntryChange {
  status?: RecipientStatus;
  failureType?: FailureType;
  failureReason?: string;
  /** Removes failureType and failureReason (a soft failure undone by a Delivery: shared/domain/ses-events.ts). */
  clearFailure?: true;
  /** Set when the status becomes delivered. */
  deliveredAt?: string;
  /** A reconciled entry (pending or in-doubt, no message id yet) gets the message id and the time SES sent it. */
  sent?: { sesMessageId: string; at: string };
  /** Engagement: ADD 1 to opens or clicks, and set firstOpenAt / firstClickAt if absent (a click sets both). */
  track?: { kind: 'open' | 'click'; at: string };
  updatedAt: string;
}
