import { beforeEach, describe, expect, it } from 'vitest';
import type { DomainError } from '#domain/errors.ts';
import { addMembers, createAudience } from '#use-cases/audiences.ts';
import { getProfile, upsertProfiles } from '#use-cases/profiles.ts';
import { preparer, workflowUser } from '#test/helpers/actors.ts';
import { type FakeDeps, fakeDeps } from '#test/helpers/fakes/index.ts';

let deps: FakeDeps;
beforeEach(() => {
  deps = fakeDeps();
});

const rejection = async (promise: Promise<unknown>): Promise<DomainError> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: DomainError) => error,
  );

describe('profiles', () => {
  it('upserts, assigns ids to new profiles, keeps unspecified fields and removes null ones', async () => {
    const [created] = await upsertProfiles(deps, preparer, [{ email: 'ann@example.com', firstName: 'Ann' }]);
    expect(created).toMatchObject({ id: 'id-1', email: 'ann@example.com', firstName: 'Ann', optOut: false });
    await upsertProfiles(deps, preparer, [{ id: 'id-1', lastName: 'Lee', firstName: null }]);
    const stored = await getProfile(deps, 'id-1');
    expect(stored).toMatchObject({ email: 'ann@example.com', lastName: 'Lee' });
    expect(stored.firstName).toBeUndefined();
  });

  it('reports every failing field at once', async () => {
    const error = await rejection(
      upsertProfiles(deps, preparer, [
        { id: 'a', email: 'nope' },
        { id: 'a', timeZone: 'Moon/Base' },
      ]),
    );
    expect(error.details).toEqual({
      fields: [
        { field: 'profiles[0].email', message: 'must be an email address' },
        { field: 'profiles[1].timeZone', message: 'unknown IANA time zone' },
        { field: 'profiles[1].id', message: 'appears twice in the batch' },
      ],
    });
  });

  it('refuses empty and oversized batches, and workflow users', async () => {
    expect((await rejection(upsertProfiles(deps, preparer, []))).kind).toBe('invalid');
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `p${i}` }));
    expect((await rejection(upsertProfiles(deps, preparer, many))).message).toBe(
      'A batch holds at most 1000 items.',
    );
    expect((await rejection(upsertProfiles(deps, workflowUser, [{ id: 'x' }]))).kind).toBe('forbidden');
  });

  it('404 for an unknown profile', async () => {
    expect((await rejection(getProfile(deps, 'ghost'))).kind).toBe('not-found');
  });
});

describe('audiences', () => {
  it('adds existing profiles once and counts members', async () => {
    await upsertProfiles(deps, preparer, [{ id: 'a' }, { id: 'b' }]);
    const audience = await createAudience(deps, preparer, { name: 'VIP' });
    expect((await addMembers(deps, preparer, audience.id, ['a', 'b', 'a'])).added).toBe(2);
    const again = await addMembers(deps, preparer, audience.id, ['a']);
    expect(again).toMatchObject({ added: 0, audience: { memberCount: 2 } });
  });

  it('refuses unknown profiles naming each one, and unknown audiences with 404', async () => {
    await upsertProfiles(deps, preparer, [{ id: 'a' }]);
    const audience = await createAudience(deps, preparer, { name: 'VIP' });
    const error = await rejection(addMembers(deps, preparer, audience.id, ['a', 'ghost']));
    expect(error.details).toEqual({
      fields: [{ field: 'profileIds[1]', message: 'profile ghost does not exist' }],
    });
    expect((await rejection(addMembers(deps, preparer, 'nope', ['a']))).kind).toBe('not-found');
  });
});
