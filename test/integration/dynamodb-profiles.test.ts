/**
 * The port's cases, held to the fake as well, are in test/integration/contract/profiles.test.ts; here, the
 * stored opt-out record and bulk sizes.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { profileKey } from '#adapters/dynamodb/keys.ts';
import { DynamoProfileRepository } from '#adapters/dynamodb/profiles.ts';
import { DynamoQuarantineRepository, quarantineItem } from '#adapters/dynamodb/quarantine.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';

const NOW = new Date('2026-11-22T10:00:00Z');
const LATER = new Date('2026-11-22T11:00:00Z');

describe('DynamoProfileRepository (DynamoDB Local)', () => {
  const profiles = () =>
    new DynamoProfileRepository({ client: documentClient(), tableName: sharedTables().profiles });

  it('upserts hundreds at once and gets more than 100 at once, in the order asked, missing ones left out', async () => {
    const repo = profiles();
    const run = randomUUID().slice(0, 8);
    const ids = Array.from({ length: 300 }, (_, i) => `bulk-${run}-${String(i).padStart(4, '0')}`);
    const stored = await repo.upsertMany(
      ids.map((id, i) => ({ id, email: `u${i}@example.com` })),
      NOW,
    );
    expect(stored.map((p) => p.id)).toEqual(ids);
    const asked = [...ids.slice(0, 250)].reverse();
    asked.splice(10, 0, `missing-${run}`, ids[3]!);
    const got = await repo.getMany(asked);
    expect(got).toHaveLength(250);
    expect(got.map((p) => p.id)).toEqual([...new Set(asked.filter((id) => !id.startsWith('missing-')))]);
    expect(got.find((p) => p.id === ids[7])?.email).toBe('u7@example.com');
    expect(await repo.getMany([])).toEqual([]);
  });
});

describe('DynamoProfileRepository.optOut (DynamoDB Local)', () => {
  const client = documentClient();
  const profiles = () => new DynamoProfileRepository({ client, tableName: sharedTables().profiles });
  const raw = async (id: string) =>
    (
      await client.send(
        new GetCommand({ TableName: sharedTables().profiles, Key: profileKey(id), ConsistentRead: true }),
      )
    ).Item;
  const AT = '2026-11-23T08:30:00.000Z';

  it('opts a profile out once, recording when and from which message, which the profile read back shows', async () => {
    const repo = profiles();
    const id = `p-${randomUUID()}`;
    const [created] = await repo.upsertMany([{ id, email: 'dee@example.com', firstName: 'Dee' }], NOW);
    const source = { deliveryId: `d-${randomUUID()}`, sesMessageId: `m-${randomUUID()}` };

    expect(await repo.optOut(id, source, AT)).toBe(true);
    expect(await raw(id)).toMatchObject({ optOut: true, optOutAt: AT, optOutSource: source, updatedAt: AT });
    // The Profile (and the API's profile schema) shows when and from which message.
    const expected = { ...created, optOut: true, optOutAt: AT, optOutSource: source, updatedAt: AT };
    expect(await repo.get(id)).toEqual(expected);
    expect(await repo.getMany([id])).toEqual([expected]);

    // Already opted out: refused, the first record kept.
    const later = { deliveryId: `d-${randomUUID()}`, sesMessageId: `m-${randomUUID()}` };
    expect(await repo.optOut(id, later, '2026-11-24T08:30:00.000Z')).toBe(false);
    expect(await raw(id)).toMatchObject({ optOutAt: AT, optOutSource: source, updatedAt: AT });
    // Upserts answer the Profile too, with the record.
    const [touched] = await repo.upsertMany([{ id, lastName: 'Ray' }], LATER);
    expect(touched).toEqual({ ...expected, lastName: 'Ray', updatedAt: LATER.toISOString() });
  });

  it('refuses an unknown profile without creating it', async () => {
    const id = `p-${randomUUID()}`;
    expect(await profiles().optOut(id, { deliveryId: 'd', sesMessageId: `m-${randomUUID()}` }, AT)).toBe(
      false,
    );
    expect(await raw(id)).toBeUndefined();
  });

  it('opts out again after an opt-in through the API, which clears the old record', async () => {
    const repo = profiles();
    const id = `p-${randomUUID()}`;
    await repo.upsertMany([{ id, email: 'eve@example.com' }], NOW);
    expect(await repo.optOut(id, { deliveryId: 'd1', sesMessageId: 'm1' }, AT)).toBe(true);
    await repo.upsertMany([{ id, optOut: false }], LATER);
    const optedIn = await raw(id);
    expect(optedIn).toMatchObject({ optOut: false });
    expect(optedIn).not.toHaveProperty('optOutAt');
    expect(optedIn).not.toHaveProperty('optOutSource');
    const again = '2026-11-25T08:30:00.000Z';
    expect(await repo.optOut(id, { deliveryId: 'd2', sesMessageId: 'm2' }, again)).toBe(true);
    expect(await raw(id)).toMatchObject({
      optOut: true,
      optOutAt: again,
      optOutSource: { deliveryId: 'd2', sesMessageId: 'm2' },
    });
  });
});

describe('DynamoQuarantineRepository (DynamoDB Local)', () => {
  it('finds quarantine entries by normalized address and leaves valid addresses out', async () => {
    const client = documentClient();
    const tableName = sharedTables().profiles;
    const run = randomUUID().slice(0, 8);
    const entries = [
      {
        address: `Hard.${run}@Example.com`,
        status: 'quarantined' as const,
        errorCount: 1,
        lastErrorAt: '2026-11-20T10:00:00Z',
        reason: 'Permanent bounce',
      },
      {
        address: `angry.${run}@example.com`,
        status: 'denylisted' as const,
        errorCount: 0,
        lastErrorAt: '2026-11-21T10:00:00Z',
        reason: 'Complaint',
      },
    ];
    for (const entry of entries)
      await client.send(new PutCommand({ TableName: tableName, Item: quarantineItem(entry) }));
    const repo = new DynamoQuarantineRepository({ client, tableName });
    const found = await repo.getMany([
      `ok.${run}@example.com`,
      `hard.${run}@example.com`,
      ` ANGRY.${run}@EXAMPLE.COM `,
    ]);
    expect(found).toEqual([
      { ...entries[0], address: `hard.${run}@example.com` },
      { ...entries[1], address: `angry.${run}@example.com` },
    ]);
  });
});
