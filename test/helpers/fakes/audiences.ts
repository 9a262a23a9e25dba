import { conflict, notFound } from '#domain/errors.ts';
import type { Audience } from '#domain/profiles.ts';
import { shardOf } from '#domain/shards.ts';
import type { AudienceDirectory, AudienceRepository, PageRequest } from '#ports/index.ts';
import { byKey, clone, paginate } from './support.ts';

/** Members pages hold only ids: up to 1,000 a page, as the adapter allows. */
const MAX_MEMBERS_PAGE = 1000;

/** Audiences and their members, with the adapter's conflicts, checks and member order (shard, then id). */
export class FakeAudiences implements AudienceRepository, AudienceDirectory {
  readonly items = new Map<string, Audience>();
  readonly members = new Map<string, string[]>();
  async create(a: Audience) {
    if (this.items.has(a.id)) throw conflict(`The audience ${a.id} already exists.`, { id: a.id });
    this.items.set(a.id, clone(a));
    this.members.set(a.id, []);
  }
  async get(id: string) {
    const a = this.items.get(id);
    return a ? clone(a) : null;
  }
  async addMembers(id: string, profileIds: readonly string[]) {
    const audience = this.items.get(id);
    if (!audience) throw notFound('Audience', id);
    const list = this.members.get(id)!;
    const fresh = [...new Set(profileIds)].filter((p) => !list.includes(p));
    list.push(...fresh);
    audience.memberCount += fresh.length;
    return fresh.length;
  }
  async listMembers(id: string, page: PageRequest) {
    const inShardOrder = [...(this.members.get(id) ?? [])].sort(
      (a, b) => shardOf(a) - shardOf(b) || byKey(a, b),
    );
    return paginate(inShardOrder, page, MAX_MEMBERS_PAGE);
  }
  async listMemberShard(id: string, shard: number, after: string | null, limit: number) {
    const all = (this.members.get(id) ?? []).filter((p) => shardOf(p) === shard).sort();
    const rest = after === null ? all : all.filter((p) => p > after);
    const profileIds = rest.slice(0, limit);
    return { profileIds, last: rest.length > limit ? profileIds.at(-1)! : null };
  }
  /** Newest first (creation time, then id), as the adapter's directory partition. */
  async listAudiences(page: PageRequest) {
    const all = [...this.items.values()]
      .sort((a, b) => byKey(`${b.createdAt}#${b.id}`, `${a.createdAt}#${a.id}`))
      .map(clone);
    return paginate(all, page);
  }
}
