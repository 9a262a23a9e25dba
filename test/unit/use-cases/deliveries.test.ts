import { beforeEach, describe, expect, it } from 'vitest';
import type { DomainError } from '#domain/errors.ts';
import { CONFIRM_REFUSED } from '#domain/roles.ts';
import { addMembers, createAudience } from '#use-cases/audiences.ts';
import { confirm, pause, resume, stop } from '#use-cases/control.ts';
import { createDelivery, getDelivery, listDeliveries, updateDelivery } from '#use-cases/deliveries.ts';
import { requestPreparation, runPreparation } from '#use-cases/preparation.ts';
import { upsertProfiles } from '#use-cases/profiles.ts';
import { computeStats } from '#use-cases/stats.ts';
import { admin, nobody, preparer, starter, workflowUser } from '#test/helpers/actors.ts';
import { deliveryInput } from '#test/helpers/deliveries.ts';
import { type FakeDeps, fakeDeps } from '#test/helpers/fakes/index.ts';

const rejection = async (promise: Promise<unknown>): Promise<DomainError> => {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a rejection');
};

let deps: FakeDeps;

/** Profiles: 0-2 deliverable; 3 opted out; 4 no address; 5 duplicate of 0 in other case; 6 quarantined; 7 denylisted. */
const seedAudience = async (): Promise<string> => {
  await upsertProfiles(deps, preparer, [
    { id: 'p0', email: 'ann@example.com' },
    { id: 'p1', email: 'bob@example.com' },
    { id: 'p2', email: 'cy@example.com' },
    { id: 'p3', email: 'dee@example.com', optOut: true },
    { id: 'p4' },
    { id: 'p5', email: 'ANN@Example.com' },
    { id: 'p6', email: 'bounced@example.com' },
    { id: 'p7', email: 'complainer@example.com' },
  ]);
  deps.quarantine.items.set('bounced@example.com', {
    address: 'bounced@example.com',
    status: 'quarantined',
    errorCount: 1,
    lastErrorAt: '2026-11-01T00:00:00Z',
    reason: 'hard bounce',
  });
  deps.quarantine.items.set('complainer@example.com', {
    address: 'complainer@example.com',
    status: 'denylisted',
    errorCount: 0,
    lastErrorAt: '2026-11-01T00:00:00Z',
    reason: 'complaint',
  });
  const audience = await createAudience(deps, preparer, { name: 'Winter' });
  await addMembers(deps, preparer, audience.id, ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
  return audience.id;
};

const prepared = async (overrides = {}) => {
  const audienceId = await seedAudience();
  const created = await createDelivery(deps, preparer, deliveryInput({ audienceId, ...overrides }));
  await requestPreparation(deps, preparer, created.id);
  await runPreparation(deps, deps.preparer.started.at(-1)!);
  return created.id;
};

beforeEach(() => {
  deps = fakeDeps();
});

describe('preparation', () => {
  it('answers preparing, then computes target, exclusions with their causes, and To deliver', async () => {
    const audienceId = await seedAudience();
    const created = await createDelivery(deps, preparer, deliveryInput({ audienceId }));
    const view = await requestPreparation(deps, preparer, created.id);
    expect(view.state).toBe('preparing');
    expect(view.deployment.statusText).toBe('Preparing send…');
    expect(deps.preparer.started).toEqual([{ deliveryId: created.id, version: 1 }]);

    await runPreparation(deps, { deliveryId: created.id, version: 1 });
    const ready = await getDelivery(deps, created.id);
    expect(ready.state).toBe('ready');
    expect(ready.preparation).toMatchObject({
      version: 1,
      targeted: 8,
      toDeliver: 3,
      excluded: 5,
      exclusions: {
        'opted-out': 1,
        'address-missing': 1,
        'duplicate-address': 1,
        quarantined: 1,
        denylisted: 1,
      },
    });
    expect(ready.deployment.kpis.toDeliver).toBe(3);
    expect(ready.deployment.progress).toEqual({ processed: 0, toDeliver: 3 });
    const targets = [...deps.recipientLog.sending.get(`${created.id}#1`)!.keys()].sort();
    expect(targets).toEqual(['p0', 'p1', 'p2']);
    const causes = Object.fromEntries(
      [...deps.recipientLog.exclusions.get(`${created.id}#1`)!.values()].map((e) => [e.profileId, e.cause]),
    );
    expect(causes).toEqual({
      p3: 'opted-out',
      p4: 'address-missing',
      p5: 'duplicate-address',
      p6: 'quarantined',
      p7: 'denylisted',
    });
  });

  it('fails preparation when the audience is empty', async () => {
    const audience = await createAudience(deps, preparer, { name: 'Empty' });
    const created = await createDelivery(deps, preparer, deliveryInput({ audienceId: audience.id }));
    await requestPreparation(deps, preparer, created.id);
    await runPreparation(deps, { deliveryId: created.id, version: 1 });
    const failed = await getDelivery(deps, created.id);
    expect(failed.state).toBe('preparation-failed');
    expect(failed.preparation?.errors).toEqual(['The target is empty: no recipient to deliver.']);
  });

  it('abandons a preparation whose delivery was edited meanwhile', async () => {
    const audienceId = await seedAudience();
    const created = await createDelivery(deps, preparer, deliveryInput({ audienceId }));
    await requestPreparation(deps, preparer, created.id);
    const d = deps.deliveries.items.get(created.id)!;
    deps.deliveries.items.set(created.id, { ...d, version: 2, state: 'editing' });
    expect(await runPreparation(deps, { deliveryId: created.id, version: 1 })).toBeNull();
    expect((await getDelivery(deps, created.id)).state).toBe('editing');
  });

  it('refuses preparation to workflow users (403) before looking the delivery up', async () => {
    const error = await rejection(requestPreparation(deps, workflowUser, 'does-not-exist'));
    expect(error.kind).toBe('forbidden');
  });
});

describe('confirm', () => {
  it('refuses everyone without Start deliveries with the exact message, 403 before 404', async () => {
    for (const who of [preparer, admin, workflowUser, nobody]) {
      const error = await rejection(confirm(deps, who, 'does-not-exist'));
      expect(error.kind).toBe('forbidden');
      expect(error.message).toBe(CONFIRM_REFUSED);
    }
  });

  it('404 for an unknown delivery, for a Start deliveries user', async () => {
    expect((await rejection(confirm(deps, starter, 'nope'))).kind).toBe('not-found');
  });

  it('starts the send at once, records who confirmed, and a second confirm changes nothing (409 naming sending)', async () => {
    const id = await prepared();
    const confirmed = await confirm(deps, starter, id);
    expect(confirmed).toMatchObject({
      state: 'sending',
      confirmedBy: { sub: 'sub-stella', username: 'stella' },
    });
    expect(deps.sendStarter.started).toEqual([id]);
    const error = await rejection(confirm(deps, starter, id));
    expect(error.kind).toBe('conflict');
    expect(error.details).toMatchObject({ state: 'sending' });
    expect(deps.sendStarter.started).toEqual([id]);
  });

  it('arms the schedule for a future contact date', async () => {
    const id = await prepared({ schedule: { contactDate: '2026-12-24T09:00:00', timeZone: 'Europe/Paris' } });
    expect((await confirm(deps, starter, id)).state).toBe('scheduled');
    expect(deps.scheduler.armed).toEqual([id]);
    expect(deps.sendStarter.started).toEqual([]);
  });

  it('an edit after preparation sends the delivery back to editing; confirm is then 409 until prepared again', async () => {
    const id = await prepared();
    const edited = await updateDelivery(deps, preparer, id, { label: 'Winter sale (v2)' });
    expect(edited).toMatchObject({ state: 'editing', version: 2 });
    expect((await rejection(confirm(deps, starter, id))).details).toMatchObject({ state: 'editing' });
    await requestPreparation(deps, preparer, id);
    await runPreparation(deps, { deliveryId: id, version: 2 });
    expect((await confirm(deps, starter, id)).state).toBe('sending');
  });

  it('editing a scheduled delivery deletes its schedule', async () => {
    const id = await prepared({ schedule: { contactDate: '2026-12-24T09:00:00', timeZone: 'Europe/Paris' } });
    await confirm(deps, starter, id);
    await updateDelivery(deps, starter, id, { label: 'moved' });
    expect(deps.scheduler.disarmed).toEqual([id]);
  });
});

describe('pause, resume, stop', () => {
  it('need Start deliveries and follow the lifecycle', async () => {
    const id = await prepared();
    await confirm(deps, starter, id);
    expect((await rejection(pause(deps, preparer, id))).kind).toBe('forbidden');
    expect((await pause(deps, starter, id)).state).toBe('paused');
    expect((await resume(deps, starter, id)).state).toBe('sending');
    expect(deps.sendStarter.started).toEqual([id, id]);
    expect((await stop(deps, starter, id)).state).toBe('stopped');
    expect((await rejection(resume(deps, starter, id))).details).toMatchObject({ state: 'stopped' });
  });
});

describe('create and list', () => {
  it('refuses an unknown audience naming the field', async () => {
    const error = await rejection(createDelivery(deps, preparer, deliveryInput({ audienceId: 'missing' })));
    expect(error.kind).toBe('invalid');
    expect(error.details).toEqual({
      fields: [{ field: 'audienceId', message: 'audience missing does not exist' }],
    });
  });

  it('lists by state', async () => {
    const id = await prepared();
    await createDelivery(
      deps,
      preparer,
      deliveryInput({ audienceId: deps.deliveries.items.get(id)!.audienceId }),
    );
    expect((await listDeliveries(deps, { state: 'ready' }, {})).items.map((d) => d.id)).toEqual([id]);
    expect((await listDeliveries(deps, {}, {})).items).toHaveLength(2);
  });
});

describe('compute stats', () => {
  it('recomputes from the sending log and writes both snapshots', async () => {
    const id = await prepared();
    const ref = { deliveryId: id, version: 1 };
    const targets = (await deps.ledger.pagesOf(ref, ['p0', 'p1'])).flatMap((p) => p.targets);
    const at = '2026-11-22T09:30:00.000Z';
    const sent = async (recipientId: string, sesMessageId: string) => {
      const t = targets.find((x) => x.recipientId === recipientId)!;
      await deps.ledger.markSent(ref, t, { sesMessageId, at, by: 'sender' });
      return (await deps.ledger.get(ref, recipientId))!;
    };
    // p0: delivered, opened twice, clicked once; p1: bounced.
    let p0 = await sent('p0', 'm0');
    for (const track of ['open', 'open', 'click'] as const) {
      const change = {
        ...(p0.status === 'sent' ? { status: 'delivered' as const } : {}),
        track: { kind: track, at },
        updatedAt: at,
      };
      p0 = (await deps.ledger.applyEvent(ref, p0, change))!.after;
    }
    const p1 = await sent('p1', 'm1');
    await deps.ledger.applyEvent(ref, p1, { status: 'failed', failureType: 'hard', updatedAt: at });
    const result = await computeStats(deps, id);
    expect(result.kpis).toMatchObject({
      toDeliver: 3,
      sent: 2,
      processed: 2,
      delivered: 1,
      bouncesAndErrors: 1,
      deliveredRate: 0.5,
      uniqueOpens: 1,
      openRate: 1,
      clickThroughRate: 1,
    });
    const view = await getDelivery(deps, id);
    expect(view.deployment.kpis).toEqual(result.kpis);
    expect(view.deployment.computedAt).toEqual({
      realTime: '2026-11-22T10:00:00.000Z',
      tracking: '2026-11-22T10:00:00.000Z',
    });
  });
});
