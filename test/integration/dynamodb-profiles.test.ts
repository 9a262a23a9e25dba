import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoProfileRepository } from '../../shared/adapters/dynamodb/profiles.ts';
import { DynamoQuarantineRepository, quarantineItem } from '../../shared/adapters/dynamodb/quarantine.ts';
import { documentClient, sharedTables } from '../helpers/emulators.ts';

const NOW = new Date('2026-11-22T10:00:00Z');
const LATER = new Date('2026-11-22T11:00:00Z');

describe('DynamoProfileRepository (DynamoDB Local)', () => {
  const profiles = () =>
    new DynamoProfileRepository({ client: documentClient(), tableName: sharedTables().profiles });

  it('creates profiles with the given fields, optOut false by default, and returns what is stored', async () => {
    const repo = profiles();
    const id = `p-${randomUUID()}`;
    const bare = `p-${randomUUID()}`;
    const stored = await repo.upsertMany(
      [
        { id, email: 'Ann@Example.com', firstName: 'Ann', lastName: 'Lee', timeZone: 'Europe/Paris' },
        { id: bare },
      ],
      NOW,
    );
    expect(stored).toEqual([
      {
        id,
        email: 'Ann@Example.com',
        firstName: 'Ann',
        lastName: 'Lee',
        timeZone: 'Europe/Paris',
        optOut: false,
        updatedAt: NOW.toISOString(),
      },
      { id: bare, optOut: false, updatedAt: NOW.toISOString() },
    ]);
    expect(await repo.get(id)).toEqual(stored[0]);
    expect(await repo.get(`p-${randomUUID()}`)).toBeNull();
  });

  it('updates only the fields given, removes those given as null, keeps optOut unless given', async () => {
    const repo = profiles();
    const id = `p-${randomUUID()}`;
    await repo.upsertMany(
      [{ id, email: 'bo@example.com', firstName: 'Bo', lastName: 'Kim', optOut: true }],
      NOW,
    );
    const [updated] = await repo.upsertMany(
      [{ id, firstName: 'Bob', lastName: null, timeZone: undefined }],
      LATER,
    );
    const expected = {
      id,
      email: 'bo@example.com',
      firstName: 'Bob',
      optOut: true,
      updatedAt: LATER.toISOString(),
    };
    expect(updated).toEqual(expected);
    expect(await repo.get(id)).toEqual(expected);
    const [optedIn] = await repo.upsertMany([{ id, optOut: false, email: null }], LATER);
    expect(optedIn).toEqual({ id, firstName: 'Bob', optOut: false, updatedAt: LATER.toISOString() });
  });

  it('merges repeated ids of one batch in order and returns one profile per id', async () => {
    const repo = profiles();
    const id = `p-${randomUUID()}`;
    const stored = await repo.upsertMany(
      [
        { id, email: 'first@example.com', firstName: 'Cy' },
        { id, email: 'second@example.com' },
      ],
      NOW,
    );
    expect(stored).toEqual([
      { id, email: 'second@example.com', firstName: 'Cy', optOut: false, updatedAt: NOW.toISOString() },
    ]);
  });

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
