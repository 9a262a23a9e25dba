import type { Profile } from '#domain/profiles.ts';

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
   * The ids of the profiles whose address is `address` (compared normalized, as normalizeAddress does); eventually
   * consistent. How a feedback notification, which has no message tags, finds its recipient's history.
   */
  idsByEmail(address: string): Promise<string[]>;
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
