import type { Audience } from '#domain/profiles.ts';
import type { Page, PageRequest } from './paging.ts';

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
