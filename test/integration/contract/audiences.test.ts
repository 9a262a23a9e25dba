/**
 * AudienceRepository contract: the same cases against FakeAudiences and DynamoAudienceRepository (the `profiles`
 * table on DynamoDB Local). Members are kept once each, in 16 shards, listed shard by shard in profile id order.
 * Cursors of another audience stay in test/integration/dynamodb-audiences.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DynamoAudienceRepository } from '#adapters/dynamodb/audiences.ts';
import type { Audience } from '#domain/profiles.ts';
import { SHARDS, shardOf } from '#domain/shards.ts';
import type { AudienceRepository } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeAudiences } from '#test/helpers/fakes/index.ts';
import { allPages, type Implementation, refusesPage, rejection, unique } from './support.ts';

const implementations: Array<Implementation<AudienceRepository>> = [
  { name: 'FakeAudiences', make: () => new FakeAudiences() },
  {
    name: 'DynamoAudienceRepository',
    make: () =>
      new DynamoAudienceRepository({ client: documentClient(), tableName: sharedTables().profiles }),
  },
];

const newAudience = (): Audience => ({
  id: unique('aud'),
  name: 'Winter buyers',
  memberCount: 0,
  createdAt: '2026-11-22T10:00:00.000Z',
});

const profileIds = (n: number) => {
  const run = unique('prof').slice(5, 13);
  return Array.from({ length: n }, (_, i) => `prof-${run}-${String(i).padStart(4, '0')}`);
};

const inShardOrder = (ids: string[]) =>
  [...ids].sort((a, b) => shardOf(a) - shardOf(b) || (a < b ? -1 : a > b ? 1 : 0));

describe.each(implementations)('AudienceRepository contract: $name', ({ make }) => {
  it('creates an audience once; a second create of the id is a conflict and keeps the first', async () => {
    const repo = make();
    const audience = newAudience();
    await repo.create(audience);
    expect(await repo.get(audience.id)).toEqual(audience);
    const error = await rejection(repo.create({ ...audience, name: 'Other' }));
    expect(error.kind).toBe('conflict');
    expect(error.details).toEqual({ id: audience.id });
    expect(await repo.get(audience.id)).toEqual(audience);
    expect(await repo.get(unique('aud'))).toBeNull();
  });

  it('adds members idempotently: only new profiles are counted, repeats within a request count once', async () => {
    const repo = make();
    const audience = newAudience();
    await repo.create(audience);
    const ids = profileIds(60);
    expect(await repo.addMembers(audience.id, ids.slice(0, 40))).toBe(40);
    expect(await repo.addMembers(audience.id, ids.slice(0, 40))).toBe(0);
    expect(await repo.addMembers(audience.id, [...ids.slice(20, 60), ...ids.slice(50, 60)])).toBe(20);
    expect((await repo.get(audience.id))?.memberCount).toBe(60);
    expect(await repo.addMembers(audience.id, [])).toBe(0);
    expect((await allPages((page) => repo.listMembers(audience.id, page), 100)).items).toEqual(
      inShardOrder(ids),
    );
  });

  it('refuses members for an audience that does not exist', async () => {
    const error = await rejection(make().addMembers(unique('aud'), ['p1']));
    expect(error.kind).toBe('not-found');
  });

  it('pages members shard by shard in id order: 50 by default, up to 1,000 a page; a limit below 1 or a malformed cursor is a 400', async () => {
    const repo = make();
    const audience = newAudience();
    await repo.create(audience);
    const ids = profileIds(300);
    await repo.addMembers(audience.id, [...ids].reverse());
    expect(new Set(ids.map((id) => shardOf(id))).size).toBe(SHARDS);
    const ordered = inShardOrder(ids);
    expect((await allPages((page) => repo.listMembers(audience.id, page), 37)).items).toEqual(ordered);
    expect((await repo.listMembers(audience.id, {})).items).toEqual(ordered.slice(0, 50));
    expect(await repo.listMembers(audience.id, { limit: 1_000 })).toEqual({
      items: ordered,
      nextCursor: null,
    });
    await refusesPage(repo.listMembers(audience.id, { limit: 0 }), 'limit');
    await refusesPage(repo.listMembers(audience.id, { cursor: '%%%' }), 'cursor');
  });

  it('lists nothing for an audience without members', async () => {
    const repo = make();
    const audience = newAudience();
    await repo.create(audience);
    expect(await repo.listMembers(audience.id, { limit: 10 })).toEqual({ items: [], nextCursor: null });
    expect(await repo.listMemberShard(audience.id, 3, null, 10)).toEqual({ profileIds: [], last: null });
  });

  it('reads one member shard in id order after a position; the page that takes the last says so', async () => {
    const repo = make();
    const audience = newAudience();
    await repo.create(audience);
    const ids = profileIds(120);
    await repo.addMembers(audience.id, [...ids].reverse());
    const shard = shardOf(ids[0]!);
    const mine = ids.filter((id) => shardOf(id) === shard).sort();
    expect(mine.length).toBeGreaterThan(3);
    const pages: string[][] = [];
    let after: string | null = null;
    do {
      const page: { profileIds: string[]; last: string | null } = await repo.listMemberShard(
        audience.id,
        shard,
        after,
        2,
      );
      pages.push(page.profileIds);
      if (page.last !== null) expect(page.last).toBe(page.profileIds.at(-1));
      after = page.last;
    } while (after !== null && pages.length < 100);
    expect(pages.flat()).toEqual(mine);
    expect(await repo.listMemberShard(audience.id, shard, mine.at(-3)!, 2)).toEqual({
      profileIds: mine.slice(-2),
      last: null,
    });
    expect(await repo.listMemberShard(audience.id, shard, null, mine.length)).toEqual({
      profileIds: mine,
      last: null,
    });
  });
});
