import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DynamoAudienceRepository } from '#adapters/dynamodb/audiences.ts';
import { shardOf } from '#adapters/dynamodb/keys.ts';
import { type DomainError, isDomainError } from '#domain/errors.ts';
import type { Audience } from '#domain/profiles.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';

const audiences = () =>
  new DynamoAudienceRepository({ client: documentClient(), tableName: sharedTables().profiles });

const newAudience = (): Audience => ({
  id: `aud-${randomUUID()}`,
  name: 'Winter buyers',
  memberCount: 0,
  createdAt: '2026-11-22T10:00:00.000Z',
});

const rejection = async (promise: Promise<unknown>): Promise<DomainError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isDomainError(error)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
};

const profileIds = (n: number, run = randomUUID().slice(0, 8)) =>
  Array.from({ length: n }, (_, i) => `prof-${run}-${String(i).padStart(4, '0')}`);

describe('DynamoAudienceRepository (DynamoDB Local)', () => {
  it('creates an audience once; a second create of the id is a conflict', async () => {
    const repo = audiences();
    const audience = newAudience();
    await repo.create(audience);
    expect(await repo.get(audience.id)).toEqual(audience);
    const error = await rejection(repo.create({ ...audience, name: 'Other' }));
    expect(error.kind).toBe('conflict');
    expect((await repo.get(audience.id))?.name).toBe('Winter buyers');
    expect(await repo.get(`aud-${randomUUID()}`)).toBeNull();
  });

  it('adds members idempotently: only new profiles are counted, repeats within a request count once', async () => {
    const repo = audiences();
    const audience = newAudience();
    await repo.create(audience);
    const ids = profileIds(60);
    expect(await repo.addMembers(audience.id, ids.slice(0, 40))).toBe(40);
    expect(await repo.addMembers(audience.id, ids.slice(0, 40))).toBe(0);
    const overlapping = [...ids.slice(20, 60), ...ids.slice(50, 60)];
    expect(await repo.addMembers(audience.id, overlapping)).toBe(20);
    expect((await repo.get(audience.id))?.memberCount).toBe(60);
    expect(await repo.addMembers(audience.id, [])).toBe(0);
  });

  it('refuses members for an audience that does not exist', async () => {
    const error = await rejection(audiences().addMembers(`aud-${randomUUID()}`, ['p1']));
    expect(error.kind).toBe('not-found');
  });

  it('pages members across the 16 shards: every member exactly once, in shard then id order', async () => {
    const repo = audiences();
    const audience = newAudience();
    await repo.create(audience);
    const ids = profileIds(300);
    expect(await repo.addMembers(audience.id, ids)).toBe(300);
    expect(new Set(ids.map((id) => shardOf(id))).size).toBe(16);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await repo.listMembers(audience.id, { cursor, limit: 37 });
      expect(page.items.length).toBeLessThanOrEqual(37);
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 100);
    expect(cursor).toBeUndefined();
    expect(seen).toHaveLength(300);
    const inShardOrder = [...ids].sort((a, b) => shardOf(a) - shardOf(b) || (a < b ? -1 : a > b ? 1 : 0));
    expect(seen).toEqual(inShardOrder);
    expect(pages).toBe(Math.ceil(300 / 37));

    const firstPage = await repo.listMembers(audience.id, {});
    expect(firstPage.items).toEqual(inShardOrder.slice(0, 50));
    const big = await repo.listMembers(audience.id, { limit: 1_000 });
    expect(big.items).toEqual(inShardOrder);
    expect(big.nextCursor).toBeNull();
  });

  it('lists nothing for an audience without members', async () => {
    const repo = audiences();
    const audience = newAudience();
    await repo.create(audience);
    expect(await repo.listMembers(audience.id, { limit: 10 })).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a malformed cursor, and the cursor of another audience, as invalid on the field cursor', async () => {
    const repo = audiences();
    const [a, b] = [newAudience(), newAudience()];
    await Promise.all([repo.create(a), repo.create(b)]);
    await Promise.all([repo.addMembers(a.id, profileIds(20)), repo.addMembers(b.id, profileIds(20))]);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const decode = (cursor: string) =>
      JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { k?: unknown };
    // A cursor inside a shard of audience a (it names a's partition).
    let page = await repo.listMembers(a.id, { limit: 1 });
    while (page.nextCursor && decode(page.nextCursor).k === undefined) {
      page = await repo.listMembers(a.id, { limit: 1, cursor: page.nextCursor });
    }
    expect(page.nextCursor).not.toBeNull();
    for (const cursor of [
      '%%%',
      encode({ s: 16 }),
      encode({ s: 1.5 }),
      encode({ s: 0, k: { pk: 'x' } }),
      encode({ s: 0, extra: true }),
      page.nextCursor!,
    ]) {
      const error = await rejection(repo.listMembers(b.id, { cursor }));
      expect(error.kind).toBe('invalid');
      expect(error.details?.fields).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    }
  });
});
