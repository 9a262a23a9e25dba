/**
 * Ports: what the use cases need from the outside world. Adapters in shared/adapters implement them against
 * AWS; test/helpers/fakes.ts implements them in memory for unit tests.
 */
import type { Delivery, DeliveryState, Transition } from '../domain/delivery.ts';
import type { RealTimeCounts, Snapshot, TrackingCounts } from '../domain/kpis.ts';
import type { Audience, Profile } from '../domain/profiles.ts';

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
  list(filter: { state?: DeliveryState | undefined; parentId?: string | undefined }, page: PageRequest): Promise<Page<Delivery>>;
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

/** Replays the first answer to a create request retried with the same Idempotency-Key. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  next(): string;
}
