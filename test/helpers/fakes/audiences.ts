import type { Audience } from '#domain/profiles.ts';
import { shardOf } from '#domain/shards.ts';
import type { AudienceRepository, PageRequest } from '#ports/index.ts';
import { clone, paginate } from './support.ts';

export class FakeAudiences implements AudienceRepository {
  readonly items = new Map<string, Audience>();
  readonly members = new Map<string, string[]>();
  async create(a: Audience) {
    this.items.set(a.id, clone(a));
    this.members.set(a.id, []);
  }
  async get(id: string) {
    const a = this.items.get(id);
    return a ? clone(a) : null;
  }
  async addMembers(id: string, profileIds: readonly string[]) {
    const list = this.members.get(id)!;
    const fresh = profileIds.filter((p) => !list.includes(p));
    list.push(...fresh);
    this.items.get(id)!.memberCount += fresh.length;
    return fresh.length;
  }
  async listMembers(id: string, page: PageRequest) {
    return paginate([...(this.members.get(id) ?? [])], page);
  }
  async listMemberShard(id: string, shard: number, after: string | null, limit: number) {
    const all = (this.members.get(id) ?? []).filter((p) => shardOf(p) === shard).sort();
    const rest = after === null ? all : all.filter((p) => p > after);
    const profileIds = rest.slice(0, limit);
    return { profileIds, last: rest.length > limit ? profileIds.at(-1)! : null };
  }
}
