/**
 * The port's cases, held to the fake as well, are in test/integration/contract/audiences.test.ts; here, cursors
 * of another audience.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DynamoAudienceRepository } from '#adapters/dynamodb/audiences.ts';
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
