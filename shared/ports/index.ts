/**
 * Ports: what the use cases need from the outside world. Adapters in shared/adapters implement them against
 * AWS; test/helpers/fakes.ts implements them in memory for unit tests.
 */
import type { Delivery, DeliveryState, ExclusionCause, Transition } from '../domain/delivery.ts';
import type {
  FailureType,
  RealTimeCounts,
  RecipientStatus,
  Snapshot,
  TrackingCounts,
} from '../domain/kpis.ts';
import type { Audience, Profile, QuarantineEntry } from '../domain/profiles.ts';

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
}

export interface AudienceRepository {
  create(audience: Audience): Promise<void>;
  get(id: string): Promise<Audience | null>;
  /** Adds members (idempotent per profile id); returns how many were new. */
  addMembers(audienceId: string, profileIds: readonly string[]): Promise<number>;
  listMembers(audienceId: string, page: PageRequest): Promise<Page<string>>;
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
  updatedAt: string;
  opens?: number;
  clicks?: number;
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
