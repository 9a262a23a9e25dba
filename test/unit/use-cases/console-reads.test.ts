/** The reads the console needs beyond the core API: audiences, an audience's profiles, the send's timeline, import counts. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { DomainError } from '#domain/errors.ts';
import { createAudience, addMembers, listAudienceProfiles, listAudiences } from '#use-cases/audiences.ts';
import { upsertProfilesCounted } from '#use-cases/profiles.ts';
import { deliveryTimeline } from '#use-cases/timeline.ts';
import { createDelivery } from '#use-cases/deliveries.ts';
import { preparer, workflowUser } from '#test/helpers/actors.ts';
import { FakeAudiences, type FakeDeps, fakeDeps } from '#test/helpers/fakes/index.ts';
import { seedLog } from '#test/helpers/sending-log.ts';

let deps: FakeDeps & { audiences: FakeAudiences };
beforeEach(() => {
  deps = { ...fakeDeps(), audiences: new FakeAudiences() };
});

const rejection = (promise: Promise<unknown>): Promise<DomainError> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: DomainError) => error,
  );

describe('console reads', () => {
  it('lists audiences newest first, paged', async () => {
    for (const name of ['First', 'Second', 'Third']) {
      await createAudience(deps, preparer, { name });
      deps.clock.advance(1000);
    }
    const first = await listAudiences(deps, { limit: 2 });
    expect(first.items.map((a) => a.name)).toEqual(['Third', 'Second']);
    const next = await listAudiences(deps, { limit: 2, cursor: first.nextCursor! });
    expect(next).toEqual({ items: [expect.objectContaining({ name: 'First' })], nextCursor: null });
  });

  it("pages an audience's members with their profiles, and 404s an unknown audience", async () => {
    await upsertProfilesCounted(deps, preparer, [
      { id: 'ann', email: 'ann@example.com' },
      { id: 'bob', email: 'bob@example.com' },
    ]);
    const audience = await createAudience(deps, preparer, { name: 'Buyers' });
    await addMembers(deps, preparer, audience.id, ['ann', 'bob']);
    // Members come in the adapter's order (shard, then id): bob's shard comes before ann's.
    const page = await listAudienceProfiles(deps, audience.id, { limit: 1 });
    expect(page.items).toEqual([expect.objectContaining({ id: 'bob', email: 'bob@example.com' })]);
    expect(page.nextCursor).not.toBeNull();
    const next = await listAudienceProfiles(deps, audience.id, { limit: 1, cursor: page.nextCursor! });
    expect(next.items).toEqual([expect.objectContaining({ id: 'ann', email: 'ann@example.com' })]);
    expect((await rejection(listAudienceProfiles(deps, 'nope', {}))).kind).toBe('not-found');
  });

  it('counts the profiles an upsert created and those it updated, after the role and size checks', async () => {
    expect(
      await upsertProfilesCounted(deps, preparer, [{ id: 'ann', email: 'ann@example.com' }]),
    ).toMatchObject({
      created: 1,
      updated: 0,
    });
    const again = await upsertProfilesCounted(deps, preparer, [
      { id: 'ann', firstName: 'Ann' },
      { email: 'new@example.com' },
    ]);
    expect(again).toMatchObject({ created: 1, updated: 1 });
    expect(again.items).toHaveLength(2);
    expect((await rejection(upsertProfilesCounted(deps, workflowUser, [{ id: 'x' }]))).kind).toBe(
      'forbidden',
    );
    expect((await rejection(upsertProfilesCounted(deps, preparer, []))).kind).toBe('invalid');
  });

  it('builds the timeline from the sending log of the prepared version only', async () => {
    const audience = await createAudience(deps, preparer, { name: 'A' });
    const delivery = await createDelivery(deps, preparer, {
      label: 'Launch',
      audienceId: audience.id,
      content: { from: 'news@example.com', subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' },
    });
    expect(await deliveryTimeline(deps, delivery.id)).toEqual({
      deliveryId: delivery.id,
      bucketSeconds: 1,
      buckets: [],
    });
    const stored = deps.deliveries.items.get(delivery.id)!;
    stored.preparation = {
      version: 2,
      targeted: 2,
      toDeliver: 2,
      excluded: 0,
      exclusions: {},
      startedAt: '2026-11-22T10:00:00.000Z',
    } as typeof stored.preparation;
    const entry = (version: number, recipientId: string) => ({
      deliveryId: delivery.id,
      version,
      recipientId,
      profileId: recipientId,
      email: `${recipientId}@example.com`,
      status: 'delivered' as const,
      sesMessageId: `m-${version}-${recipientId}`,
      sentAt: '2026-11-22T10:00:01.000Z',
      deliveredAt: '2026-11-22T10:00:02.000Z',
      updatedAt: '2026-11-22T10:00:02.000Z',
    });
    await seedLog(deps.ledger, deps.recipientLog, [entry(1, 'old'), entry(2, 'ann'), entry(2, 'bob')]);
    const timeline = await deliveryTimeline(deps, delivery.id);
    expect(timeline.buckets.map((b) => [b.sent, b.delivered])).toEqual([
      [2, 0],
      [0, 2],
    ]);
    expect((await rejection(deliveryTimeline(deps, 'nope'))).kind).toBe('not-found');
  });
});
