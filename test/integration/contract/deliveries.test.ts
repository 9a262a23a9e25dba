/**
 * DeliveryRepository contract: the same cases against FakeDeliveries and DynamoDeliveryRepository (DynamoDB Local,
 * on private tables: a list by state sees every delivery in that state). Transitions are conditional on the
 * state and version they were computed from; lists are newest first, one partition each. Cursors of another list
 * stay in test/integration/dynamodb-deliveries.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliveryRepository } from '#adapters/dynamodb/deliveries.ts';
import {
  confirmDelivery,
  createDelivery,
  createExecution,
  type Delivery,
  editDelivery,
  startPreparation,
} from '#domain/delivery.ts';
import type { DeliveryRepository } from '#ports/index.ts';
import { preparer, starter } from '#test/helpers/actors.ts';
import { deliveryInput, later, readyDelivery, T0 } from '#test/helpers/deliveries.ts';
import { documentClient, privateTables } from '#test/helpers/emulators.ts';
import { FakeDeliveries } from '#test/helpers/fakes/index.ts';
import { allPages, type Implementation, refusesPage, rejection } from './support.ts';

interface Subject {
  repo: DeliveryRepository;
  drop: () => Promise<void>;
}

const implementations: Array<Implementation<Promise<Subject>>> = [
  { name: 'FakeDeliveries', make: async () => ({ repo: new FakeDeliveries(), drop: async () => {} }) },
  {
    name: 'DynamoDeliveryRepository',
    make: async () => {
      const tables = await privateTables('deliveries-contract');
      return {
        repo: new DynamoDeliveryRepository({ client: documentClient(), tableName: tables.names.deliveries }),
        drop: tables.drop,
      };
    },
  },
];

const ids = async (list: Promise<{ items: Delivery[] }>) => (await list).items.map((d) => d.id);

describe.each(implementations)('DeliveryRepository contract: $name', ({ make }) => {
  let subject: Subject;
  let repo: DeliveryRepository;
  beforeAll(async () => {
    subject = await make();
    repo = subject.repo;
  });
  afterAll(async () => {
    await subject.drop();
  });

  it('stores the whole delivery and reads it back; an absent one is null', async () => {
    const stored: Delivery = {
      ...readyDelivery({ schedule: { contactDate: '2026-12-01T09:00:00', timeZone: 'Europe/Paris' } }),
      id: 'whole-1',
    };
    await repo.create(stored);
    expect(await repo.get('whole-1')).toEqual(stored);
    expect(await repo.get('absent')).toBeNull();
  });

  it('refuses a second create of the same id with a conflict naming the stored state; nothing changes', async () => {
    const first = createDelivery(deliveryInput(), preparer, 'twice-1', T0);
    await repo.create(first);
    const prepared = await repo.apply(startPreparation(first, preparer, later(1)));
    const error = await rejection(
      repo.create(createDelivery(deliveryInput({ label: 'other' }), preparer, 'twice-1', T0)),
    );
    expect(error.kind).toBe('conflict');
    expect(error.details).toEqual({ state: 'preparing', id: 'twice-1' });
    expect(await repo.get('twice-1')).toEqual(prepared);
  });

  it('applies a transition once; the same again is a 409 naming the stored state and version, and changes nothing', async () => {
    const ready: Delivery = { ...readyDelivery(), id: 'confirm-1' };
    await repo.create(ready);
    const sent = await repo.apply(confirmDelivery(ready, starter, later(5)));
    expect(sent.state).toBe('sending');
    expect(await repo.get('confirm-1')).toEqual(sent);

    const again = await rejection(repo.apply(confirmDelivery(ready, starter, later(6))));
    expect(again.kind).toBe('conflict');
    expect(again.details).toEqual({ state: 'sending', version: ready.version });
    expect(again.message).toBe('The delivery is sending: the change was not applied.');
    expect(await repo.get('confirm-1')).toEqual(sent);
  });

  it('refuses a transition computed from a version that has since changed', async () => {
    const editing = createDelivery(deliveryInput(), preparer, 'stale-1', T0);
    await repo.create(editing);
    const edited = await repo.apply(editDelivery(editing, { label: 'Renamed' }, preparer, later(1)));
    expect(edited.version).toBe(2);
    const error = await rejection(repo.apply(startPreparation(editing, preparer, later(2))));
    expect(error.kind).toBe('conflict');
    expect(error.details).toEqual({ state: 'editing', version: 2 });
    expect(await repo.get('stale-1')).toEqual(edited);
  });

  it('answers not-found when the delivery of a transition does not exist', async () => {
    const ghost = createDelivery(deliveryInput(), preparer, 'ghost-1', T0);
    const error = await rejection(repo.apply(startPreparation(ghost, preparer, later(1))));
    expect(error.kind).toBe('not-found');
    expect(await repo.get('ghost-1')).toBeNull();
  });

  describe('lists', () => {
    // A repository of its own: the lists see every delivery in it.
    let lists: Subject;
    beforeAll(async () => {
      lists = await make();
      const { repo } = lists;
      const top: Delivery[] = [];
      for (let i = 0; i < 7; i++) {
        const d = createDelivery(deliveryInput({ label: `top ${i}` }), preparer, `top-${i}`, later(i));
        await repo.create(d);
        top.push(d);
      }
      for (const i of [1, 4, 6]) await repo.apply(startPreparation(top[i]!, preparer, later(20 + i)));
      // Created at the same time: newest first is then by id, descending.
      for (const id of ['tie-a', 'tie-c', 'tie-b']) {
        await repo.create(createDelivery(deliveryInput({ label: id }), preparer, id, later(10)));
      }
      const parent = createDelivery(
        deliveryInput({
          label: 'weekly',
          recurrence: { expression: 'rate(7 days)', timeZone: 'Europe/Paris' },
        }),
        preparer,
        'parent-1',
        later(30),
      );
      await repo.create(parent);
      for (let i = 0; i < 5; i++) {
        const e = createExecution(parent, `exec-${i}`, later(40 + i), later(40 + i));
        await repo.create(e);
        if (i % 2 === 0) await repo.apply(startPreparation(e, null, later(50 + i)));
      }
    });
    afterAll(async () => {
      await lists.drop();
    });

    it('lists top-level deliveries newest first, page by page, without the executions', async () => {
      const { pages } = await allPages((page) => lists.repo.list({}, page), 3);
      expect(pages.map((page) => page.map((d) => d.id))).toEqual([
        ['parent-1', 'tie-c', 'tie-b'],
        ['tie-a', 'top-6', 'top-5'],
        ['top-4', 'top-3', 'top-2'],
        ['top-1', 'top-0'],
      ]);
    });

    it('lists by state, following the transitions, newest first', async () => {
      expect(
        (await allPages((page) => lists.repo.list({ state: 'preparing' }, page), 2)).items.map((d) => d.id),
      ).toEqual(['top-6', 'top-4', 'top-1']);
      expect(await ids(lists.repo.list({ state: 'editing' }, {}))).toEqual([
        'parent-1',
        'tie-c',
        'tie-b',
        'tie-a',
        'top-5',
        'top-3',
        'top-2',
        'top-0',
      ]);
      expect(await lists.repo.list({ state: 'sending' }, {})).toEqual({ items: [], nextCursor: null });
    });

    it("lists a recurring delivery's executions, all or in one state", async () => {
      const all = await allPages((page) => lists.repo.list({ parentId: 'parent-1' }, page), 2);
      expect(all.items.map((d) => d.id)).toEqual(['exec-4', 'exec-3', 'exec-2', 'exec-1', 'exec-0']);
      const preparing = await lists.repo.list({ parentId: 'parent-1', state: 'preparing' }, {});
      expect(preparing.items.map((d) => d.id)).toEqual(['exec-4', 'exec-2', 'exec-0']);
      expect(preparing.nextCursor).toBeNull();
      expect(await lists.repo.list({ parentId: 'top-1' }, {})).toEqual({ items: [], nextCursor: null });
    });

    it('defaults to 50 a page and caps the limit at 100; a limit below 1 or a malformed cursor is a 400', async () => {
      const parent = createDelivery(
        deliveryInput({ label: 'daily', recurrence: { expression: 'rate(1 day)', timeZone: 'UTC' } }),
        preparer,
        'parent-bulk',
        later(60),
      );
      const executions = Array.from({ length: 105 }, (_, i) =>
        createExecution(parent, `bulk-${String(i).padStart(3, '0')}`, later(100 + i), later(100 + i)),
      );
      await Promise.all(executions.map((e) => lists.repo.create(e)));
      const newestFirst = executions.map((e) => e.id).reverse();
      expect(await ids(lists.repo.list({ parentId: 'parent-bulk' }, {}))).toEqual(newestFirst.slice(0, 50));
      const capped = await lists.repo.list({ parentId: 'parent-bulk' }, { limit: 1_000 });
      expect(capped.items.map((d) => d.id)).toEqual(newestFirst.slice(0, 100));
      expect(await ids(lists.repo.list({ parentId: 'parent-bulk' }, { cursor: capped.nextCursor! }))).toEqual(
        newestFirst.slice(100),
      );
      await refusesPage(lists.repo.list({}, { limit: 0 }), 'limit');
      await refusesPage(lists.repo.list({ state: 'editing' }, { cursor: 'not a cursor!' }), 'cursor');
    });
  });
});
