/**
 * Ports: what the use cases need from the outside world. Adapters in shared/adapters implement them against
 * AWS; test/helpers/fakes.ts implements them in memory for unit tests.
 */
import type { Delivery, DeliveryState, ExclusionCause, Transition } from '#domain/delivery.ts';
import type { FailureType, RealTimeCounts, RecipientStatus, Snapshot, TrackingCounts } from '#domain/kpis.ts';
import type { Audience, Profile, QuarantineEntry } from '#domain/profiles.ts';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface DeliveryRepository {
  get(id: string): Promise<Delivery | null>;
  /** Fails with a conflict if the id exists. */
  create(delivery: Delivery): Promise<void>;
  /**
   * Writes `transition.next` only if the stored delivery is still in `transition.expected` (state and version);
   * otherwise throws the 409 domain error naming the stored state.
   */
  apply(transition: Transition): Promise<Delivery>;
  list(
    filter: { state?: DeliveryState | undefined; parentId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<Delivery>>;
}

export interface StatsRepository {
  get(deliveryId: string): Promise<{
    realTime: Snapshot<RealTimeCounts> | null;
    tracking: Snapshot<TrackingCounts> | null;
  }>;
  /** Conditional on being newer than the stored snapshot: returns false when an older computation lost. */
  putRealTime(deliveryId: string, snapshot: Snapshot<RealTimeCounts>): Promise<boolean>;
  putTracking(deliveryId: string, snapshot: Snapshot<TrackingCounts>): Promise<boolean>;
}

export interface ProfileInput {
  id?: string | undefined;
  email?: string | null | undefined;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  timeZone?: string | null | undefined;
  optOut?: boolean | undefined;
}

export interface ProfileRepository {
  /** Upserts up to 1,000 profiles (ids given); unspecified fields keep their stored value. */
  upsertMany(profiles: Array<ProfileInput & { id: string }>, now: Date): Promise<Profile[]>;
  get(id: string): Promise<Profile | null>;
  getMany(ids: readonly string[]): Promise<Profile[]>;
  /**
   * Opts a profile out (a list unsubscribe): sets optOut, optOutAt and optOutSource unless already opted out.
   * Returns false when the profile does not exist or was already opted out.
   */
  optOut(
    profileId: string,
    source: { deliveryId: string; sesMessageId: string },
    at: string,
  ): Promise<boolean>;
}

export interface AudienceRepository {
  create(audience: Audience): Promise<void>;
  get(id: string): Promise<Audience | null>;
  /** Adds members (idempotent per profile id); returns how many were new. */
  addMembers(audienceId: string, profileIds: readonly string[]): Promise<number>;
  listMembers(audienceId: string, page: PageRequest): Promise<Page<string>>;
  /** One member shard (0-15) in profile-id order after `after`; `last` is null once the shard is exhausted. */
  listMemberShard(
    audienceId: string,
    shard: number,
    after: string | null,
    limit: number,
  ): Promise<{ profileIds: string[]; last: string | null }>;
}

/** The audiences, newest first: what the console lists and picks from. */
export interface AudienceDirectory {
  listAudiences(page: PageRequest): Promise<Page<Audience>>;
}

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  next(): string;
}

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

/** The sending and exclusion logs of a delivery. */
export interface RecipientLogRepository {
  /** Writes pending sending-log entries (idempotent per recipient). */
  putTargets(entries: readonly SendingLogEntry[]): Promise<void>;
  putExclusions(entries: readonly ExclusionLogEntry[]): Promise<void>;
  listSending(
    ref: LogRef,
    filter: { status?: RecipientStatus | undefined },
    page: PageRequest,
  ): Promise<Page<SendingLogEntry>>;
  listExclusions(ref: LogRef, page: PageRequest): Promise<Page<ExclusionLogEntry>>;
  /** Every message sent to a profile, newest first. */
  historyForProfile(profileId: string, page: PageRequest): Promise<Page<SendingLogEntry>>;
}

export interface QuarantineRepository {
  /** The quarantine entries of these addresses (normalized, lower case); absent ones are valid. */
  getMany(addresses: readonly string[]): Promise<QuarantineEntry[]>;
  /**
   * Moves one address's entry: reads it (consistently), asks `next` for the new entry (null = valid, no entry),
   * and writes only if it changed, conditionally on the entry being as read (retried on a lost race). Returns the
   * entry as written (or as it stayed).
   */
  update(
    address: string,
    next: (current: QuarantineEntry | null) => QuarantineEntry | null,
  ): Promise<QuarantineEntry | null>;
}

/** Starts the preparation of a delivery in `preparing` (inline, or through a queue). */
export interface PreparationStarter {
  start(ref: LogRef): Promise<void>;
}

/** Arms and deletes EventBridge Scheduler schedules for deliveries. */
export interface DeliveryScheduler {
  /** One-time schedule at the contact date; recurring schedule for a recurrence. Idempotent per delivery. */
  arm(delivery: Delivery): Promise<void>;
  /** Deletes the delivery's schedule; absent is fine. */
  disarm(deliveryId: string): Promise<void>;
}

// ---- Send pipeline -------------------------------------------------------------------------------------------

/** One send-queue message: recipient ids only (never addresses or content), all of one log shard. */
export interface SendJob {
  deliveryId: string;
  version: number;
  recipientIds: string[];
}

/** A queue message refused by its consumer: its body as received and its id. */
export interface RefusedMessage {
  messageId: string;
  body: string;
}

/** A queue's dead-letter queue, to which a consumer moves a message that can never be processed, with why. */
export interface DeadLetters {
  refuse(message: RefusedMessage, reason: string): Promise<void>;
}

/** A queue of jobs (SQS): batches SendMessageBatch calls and retries their `Failed` entries. */
export interface JobQueue<T> {
  send(jobs: readonly T[]): Promise<void>;
}

/** One message to one recipient, as the SES adapter sends it. */
export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** SES message tags ([A-Za-z0-9_-], up to 256 characters each). */
  tags: Record<string, string>;
  /** Extra headers (List-Unsubscribe, ...). */
  headers?: Record<string, string>;
}

/**
 * What SES did with a send, classified: accepted; throttled (retry later, never a failure); daily quota
 * exceeded (pause the delivery); rejected (a permanent failure of this recipient only); unknown (the call may or
 * may not have reached SES: the recipient becomes in-doubt, never resent).
 */
export type SendOutcome =
  | { kind: 'accepted'; messageId: string }
  | { kind: 'throttled'; reason: string }
  | { kind: 'daily-quota'; reason: string }
  /** Account or configuration set sending paused or suspended: stop sending and alert. */
  | { kind: 'paused'; reason: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'unknown'; reason: string };

export interface EmailSender {
  send(email: OutgoingEmail): Promise<SendOutcome>;
}

export interface SendingQuota {
  max24HourSend: number;
  sentLast24Hours: number;
  /** Messages per second. */
  maxSendRate: number;
}

export interface SendingAccount {
  quota(): Promise<SendingQuota>;
}

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

/** What one SES event writes on a sending-log entry: at least a status or a track (applyEvent refuses an empty one). */
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

/** Counter names; each recipient's changes are ADDed to its shard. */
export type CounterName =
  | 'sent'
  | 'processed'
  | 'delivered'
  | 'bouncesAndErrors'
  | 'settled'
  | 'opens'
  | 'uniqueOpens'
  | 'clicks'
  | 'uniqueClicks';

export interface Counters {
  add(deliveryId: string, shard: number, deltas: Partial<Record<CounterName, number>>): Promise<void>;
  /** ADDs corrections to the adjustment item (compute-stats' counter repair), summed with the shards by `read`. */
  adjust(deliveryId: string, deltas: Partial<Record<CounterName, number>>): Promise<void>;
  read(deliveryId: string): Promise<Record<CounterName, number>>;
}

/**
 * Where the starter is in each shard of one run (a start, a resume or a cancel), so a retry or a timeout resumes
 * instead of enqueuing twice. A position of another run reads as the start of the shard.
 */
export interface StartCheckpoints {
  get(ref: LogRef, run: string, shard: number): Promise<{ after: string | null; done: boolean }>;
  put(
    ref: LogRef,
    run: string,
    shard: number,
    position: { after: string | null; done: boolean },
  ): Promise<void>;
}

/** Where a preparation is: member shards are read in order, each from a cursor; counts so far. */
export interface PreparationState {
  memberShard: number;
  cursor: string | null;
  targeted: number;
  toDeliver: number;
  exclusions: Partial<Record<ExclusionCause, number>>;
}

export interface PreparationCheckpoints {
  get(ref: LogRef): Promise<PreparationState | null>;
  put(ref: LogRef, state: PreparationState): Promise<void>;
}

/** Queue messages of the pipeline (ids only). */
export interface PrepareJob {
  deliveryId: string;
  version: number;
}

export interface StartJob {
  kind: 'start' | 'cancel';
  deliveryId: string;
  version: number;
  /** One run per confirm, resume or stop: checkpoints of another run are ignored. */
  run: string;
}

/** What EventBridge Scheduler hands the scheduled-start function (the schedule's input). */
export interface ScheduleInput {
  deliveryId: string;
  kind: 'once' | 'recurring';
  /** `<aws.scheduler.scheduled-time>`, replaced by Scheduler. */
  scheduledTime: string;
}

// ---- SES event ingestion -------------------------------------------------------------------------------------

/** One SES event as received, keyed by its message and envelope. */
export interface RawSesEvent {
  sesMessageId: string;
  envelopeId: string;
  eventType: string;
  record: unknown;
  receivedAt: string;
  /** Epoch seconds (the table's TTL). */
  expiresAt: number;
}

/** Raw SES events and their dedupe markers (the `events` table, TTL `expiresAt`). */
export interface SesEventStore {
  /** Whether this envelope was ingested before (its raw event is stored once its effects are applied). */
  hasRaw(sesMessageId: string, envelopeId: string): Promise<boolean>;
  /**
   * Stores one event as received, keyed by its SES message id and envelope id; false when that envelope was
   * stored before (an exact duplicate: the conditional put is the dedupe).
   */
  putRaw(event: RawSesEvent): Promise<boolean>;
  /** Whether a terminal outcome `messageId#eventType#recipient` was applied before (in another envelope). */
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

/**
 * Deliveries the sweeper watches (registered when a send starts): in-doubt recipients fail after the
 * reconciliation window, abandoned claims become in-doubt, a stalled send is re-driven.
 */
export interface SweepEntry {
  deliveryId: string;
  registeredAt: string;
  /** The delivery's settled count (sum of its counter shards) at the last sweep, and when that was. */
  settled?: number;
  sweptAt?: string;
}

export interface SweepRegistry {
  /** Idempotent: keeps an existing entry's sweep state. */
  register(deliveryId: string, at: string): Promise<void>;
  list(page: PageRequest): Promise<Page<SweepEntry>>;
  update(deliveryId: string, state: { settled: number; sweptAt: string }): Promise<void>;
  remove(deliveryId: string): Promise<void>;
}
