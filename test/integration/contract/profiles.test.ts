/**
 * ProfileRepository contract: the same cases against FakeProfiles and DynamoProfileRepository (the `profiles`
 * table on DynamoDB Local). Upserts set the fields given and remove those given as null; an opt-out is taken once.
 * The stored opt-out record and bulk sizes stay in test/integration/dynamodb-profiles.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DynamoProfileRepository } from '#adapters/dynamodb/profiles.ts';
import type { ProfileRepository } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeProfiles } from '#test/helpers/fakes/index.ts';
import { type Implementation, unique } from './support.ts';

const implementations: Array<Implementation<ProfileRepository>> = [
  { name: 'FakeProfiles', make: () => new FakeProfiles() },
  {
    name: 'DynamoProfileRepository',
    make: () => new DynamoProfileRepository({ client: documentClient(), tableName: sharedTables().profiles }),
  },
];

const NOW = new Date('2026-11-22T10:00:00.000Z');
const LATER = new Date('2026-11-22T11:00:00.000Z');
const AT = '2026-11-23T08:30:00.000Z';

describe.each(implementations)('ProfileRepository contract: $name', ({ make }) => {
  it('creates profiles with the given fields, optOut false by default, and returns what is stored', async () => {
    const repo = make();
    const [id, bare] = [unique('p'), unique('p')];
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
    expect(await repo.get(unique('p'))).toBeNull();
  });

  it('finds the profiles at an address (compared normalized), following address changes and removals', async () => {
    const repo = make();
    const [a, b, c] = [unique('p'), unique('p'), unique('p')];
    const address = `${unique('shared')}@Example.com`;
    await repo.upsertMany(
      [
        { id: a, email: address },
        { id: b, email: ` ${address.toLowerCase()} ` },
        { id: c, email: `${unique('other')}@example.com` },
      ],
      NOW,
    );
    expect((await repo.idsByEmail(address.toUpperCase())).sort()).toEqual([a, b].sort());
    await repo.upsertMany(
      [
        { id: a, email: `${unique('moved')}@example.com` },
        { id: b, email: null },
      ],
      LATER,
    );
    await repo.upsertMany([{ id: c, email: address }], LATER);
    expect(await repo.idsByEmail(address)).toEqual([c]);
    expect(await repo.idsByEmail(`${unique('nobody')}@example.com`)).toEqual([]);
    // Nothing internal shows in the profile.
    expect(Object.keys((await repo.get(c))!).sort()).toEqual(['email', 'id', 'optOut', 'updatedAt']);
  });

  it('updates only the fields given, removes those given as null, keeps optOut unless given', async () => {
    const repo = make();
    const id = unique('p');
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
      optOutAt: NOW.toISOString(),
      updatedAt: LATER.toISOString(),
    };
    expect(updated).toEqual(expected);
    expect(await repo.get(id)).toEqual(expected);
    const [optedIn] = await repo.upsertMany([{ id, optOut: false, email: null }], LATER);
    expect(optedIn).toEqual({ id, firstName: 'Bob', optOut: false, updatedAt: LATER.toISOString() });
  });

  it('merges repeated ids of one batch in order and returns one profile per id, in order of first appearance', async () => {
    const repo = make();
    const [id, other] = [unique('p'), unique('p')];
    const stored = await repo.upsertMany(
      [
        { id, email: 'first@example.com', firstName: 'Cy' },
        { id: other },
        { id, email: 'second@example.com' },
      ],
      NOW,
    );
    expect(stored).toEqual([
      { id, email: 'second@example.com', firstName: 'Cy', optOut: false, updatedAt: NOW.toISOString() },
      { id: other, optOut: false, updatedAt: NOW.toISOString() },
    ]);
  });

  it('gets profiles in the order asked, each once, missing ones left out', async () => {
    const repo = make();
    const ids = [unique('p'), unique('p'), unique('p')];
    await repo.upsertMany(
      ids.map((id, i) => ({ id, email: `u${i}@example.com` })),
      NOW,
    );
    const got = await repo.getMany([ids[2]!, unique('missing'), ids[0]!, ids[2]!]);
    expect(got.map((p) => p.id)).toEqual([ids[2], ids[0]]);
    expect(got[1]).toEqual({
      id: ids[0],
      email: 'u0@example.com',
      optOut: false,
      updatedAt: NOW.toISOString(),
    });
    expect(await repo.getMany([])).toEqual([]);
  });

  it('opts a profile out once; the profile read back keeps its shape', async () => {
    const repo = make();
    const id = unique('p');
    const [created] = await repo.upsertMany([{ id, email: 'dee@example.com', firstName: 'Dee' }], NOW);
    const source = { deliveryId: unique('d'), sesMessageId: unique('m') };
    expect(await repo.optOut(id, source, AT)).toBe(true);
    const expected = { ...created, optOut: true, optOutAt: AT, optOutSource: source, updatedAt: AT };
    expect(await repo.get(id)).toEqual(expected);
    expect(await repo.getMany([id])).toEqual([expected]);
    expect(
      await repo.optOut(
        id,
        { deliveryId: unique('d'), sesMessageId: unique('m') },
        '2026-11-24T08:30:00.000Z',
      ),
    ).toBe(false);
    expect(await repo.get(id)).toEqual(expected);
    // After an opt-in through the API (which forgets the last opt-out), a new opt-out is taken.
    const [optedIn] = await repo.upsertMany([{ id, optOut: false }], LATER);
    expect(optedIn).toEqual({ ...created, optOut: false, updatedAt: LATER.toISOString() });
    expect(await repo.optOut(id, source, '2026-11-25T08:30:00.000Z')).toBe(true);
    expect(await repo.get(id)).toMatchObject({ optOutAt: '2026-11-25T08:30:00.000Z', optOutSource: source });
  });

  it('records when an upsert opts a profile out, keeps that time while it stays out, and forgets it on opt-in', async () => {
    const repo = make();
    const id = unique('p');
    const [out] = await repo.upsertMany([{ id, email: 'eve@example.com', optOut: true }], NOW);
    expect(out).toEqual({
      id,
      email: 'eve@example.com',
      optOut: true,
      optOutAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    const [still] = await repo.upsertMany([{ id, optOut: true, firstName: 'Eve' }], LATER);
    expect(still).toMatchObject({
      optOut: true,
      optOutAt: NOW.toISOString(),
      updatedAt: LATER.toISOString(),
    });
    expect(await repo.optOut(id, { deliveryId: 'd', sesMessageId: unique('m') }, AT)).toBe(false);
    const [back] = await repo.upsertMany([{ id, optOut: false }], LATER);
    expect(back).not.toHaveProperty('optOutAt');
  });

  it('refuses to opt out an unknown profile, without creating it', async () => {
    const repo = make();
    const id = unique('p');
    expect(await repo.optOut(id, { deliveryId: 'd', sesMessageId: unique('m') }, AT)).toBe(false);
    expect(await repo.get(id)).toBeNull();
  });

  it('lets one of two concurrent opt-outs win', async () => {
    const repo = make();
    const id = unique('p');
    await repo.upsertMany([{ id }], NOW);
    const results = await Promise.all([
      repo.optOut(id, { deliveryId: 'd1', sesMessageId: 'm1' }, AT),
      repo.optOut(id, { deliveryId: 'd2', sesMessageId: 'm2' }, AT),
    ]);
    expect(results.sort()).toEqual([false, true]);
  });
});
