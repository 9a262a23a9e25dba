/**
 * The audience directory (GET /audiences) on DynamoDB Local, and the same behaviour of its in-memory fake: newest
 * first, paged, each audience with its current member count; a refused create leaves no directory entry.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoAudienceRepository } from '#adapters/dynamodb/audiences.ts';
import { AUDIENCES_PK } from '#adapters/dynamodb/keys.ts';
import type { Audience } from '#domain/profiles.ts';
import type { AudienceDirectory, AudienceRepository } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeAudiences } from '#test/helpers/fakes/index.ts';

/** The directory is one partition shared by every test of the run: each test reads its own audiences only. */
const contract = (name: string, make: () => AudienceRepository & AudienceDirectory) => {
  describe(name, () => {
    it('lists audiences newest first, paged, with their current member count', async () => {
      const repo = make();
      const run = randomUUID().slice(0, 8);
      // In the future, so they come first in the shared partition.
      const created: Audience[] = [1, 2, 3].map((i) => ({
        id: `dir-${run}-${i}`,
        name: `Directory ${i}`,
        memberCount: 0,
        createdAt: `2999-01-0${i}T00:00:00.000Z`,
      }));
      for (const audience of created) await repo.create(audience);
      await repo.addMembers(created[0]!.id, ['p1', 'p2']);
      const mine = (items: Audience[]) => items.filter((a) => a.id.startsWith(`dir-${run}`));
      const first = await repo.listAudiences({ limit: 2 });
      expect(mine(first.items).map((a) => a.id)).toEqual([created[2]!.id, created[1]!.id]);
      expect(first.nextCursor).not.toBeNull();
      const all: Audience[] = [];
      let cursor: string | undefined;
      do {
        const page = await repo.listAudiences({ limit: 100, ...(cursor ? { cursor } : {}) });
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(mine(all)).toEqual([created[2], created[1], { ...created[0], memberCount: 2 }]);
    });

    it('refuses a cursor that is not one of its own', async () => {
      await expect(make().listAudiences({ cursor: 'not-a-cursor!' })).rejects.toMatchObject({
        kind: 'invalid',
      });
    });
  });
};

const dynamo = () =>
  new DynamoAudienceRepository({ client: documentClient(), tableName: sharedTables().profiles });

contract('DynamoAudienceRepository as AudienceDirectory (DynamoDB Local)', dynamo);
contract('FakeAudiences', () => new FakeAudiences());

describe('DynamoAudienceRepository directory entries', () => {
  it('writes no directory entry when the create is refused (the id exists)', async () => {
    const repo = dynamo();
    const audience: Audience = {
      id: `dir-${randomUUID()}`,
      name: 'Once',
      memberCount: 0,
      createdAt: '2998-01-01T00:00:00.000Z',
    };
    await repo.create(audience);
    await expect(repo.create({ ...audience, createdAt: '2998-02-01T00:00:00.000Z' })).rejects.toMatchObject({
      kind: 'conflict',
    });
    const entries = await documentClient().send(
      new QueryCommand({
        TableName: sharedTables().profiles,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': AUDIENCES_PK, ':prefix': '2998-0' },
      }),
    );
    expect((entries.Items ?? []).filter((i) => i.audienceId === audience.id)).toHaveLength(1);
  });

  it('skips an entry whose audience item is gone', async () => {
    const repo = dynamo();
    const audience: Audience = {
      id: `dir-${randomUUID()}`,
      name: 'Gone',
      memberCount: 0,
      createdAt: '2997-01-01T00:00:00.000Z',
    };
    await repo.create(audience);
    await documentClient().send(
      new DeleteCommand({
        TableName: sharedTables().profiles,
        Key: { pk: `A#${audience.id}`, sk: 'AUDIENCE' },
      }),
    );
    const page = await repo.listAudiences({ limit: 100 });
    expect(page.items.some((a) => a.id === audience.id)).toBe(false);
  });
});
