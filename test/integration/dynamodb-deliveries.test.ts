/**
 * The port's cases, held to the fake as well, are in test/integration/contract/deliveries.test.ts; here, the
 * confirm's record and the cursors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliveryRepository } from '#adapters/dynamodb/deliveries.ts';
import {
  confirmDelivery,
  createDelivery,
  createExecution,
  type Delivery,
  startPreparation,
} from '#domain/delivery.ts';
import { type DomainError, isDomainError } from '#domain/errors.ts';
import type { DeliveryRepository } from '#ports/index.ts';
import { preparer, starter } from '#test/helpers/actors.ts';
import { deliveryInput, later, readyDelivery } from '#test/helpers/deliveries.ts';
import { documentClient, privateTables } from '#test/helpers/emulators.ts';

/** The domain error a promise rejects with (fails the test if it resolves or throws something else). */
const rejection = async (promise: Promise<unknown>): Promise<DomainError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isDomainError(error)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
};

const collect = async (
  repo: DeliveryRepository,
  filter: Parameters<DeliveryRepository['list']>[0],
  limit: number,
): Promise<{ pages: string[][]; cursors: Array<string | null> }> => {
  const pages: string[][] = [];
  const cursors: Array<string | null> = [];
  let cursor: string | undefined;
  do {
    const page = await repo.list(filter, { cursor, limit });
    pages.push(page.items.map((d) => d.id));
    cursors.push(page.nextCursor);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 50);
  return { pages, cursors };
};

describe('DynamoDeliveryRepository (DynamoDB Local)', () => {
  let tables: Awaited<ReturnType<typeof privateTables>>;
  let repo: DynamoDeliveryRepository;

  beforeAll(async () => {
    tables = await privateTables('deliveries');
    repo = new DynamoDeliveryRepository({ client: documentClient(), tableName: tables.names.deliveries });
  });
  afterAll(async () => {
    await tables.drop();
  });

  it('applies a confirm once; the same confirm again is a 409 naming sending, and changes nothing', async () => {
    const ready: Delivery = { ...readyDelivery(), id: 'confirm-1' };
    await repo.create(ready);
    const confirm = confirmDelivery(ready, starter, later(5));
    const sent = await repo.apply(confirm);
    expect(sent.state).toBe('sending');
    expect(sent.confirmedBy).toEqual({ sub: starter.sub, username: starter.username });

    const again = await rejection(repo.apply(confirmDelivery(ready, starter, later(6))));
    expect(again.kind).toBe('conflict');
    expect(again.details).toMatchObject({ state: 'sending', version: ready.version });
    expect(again.message).toContain('sending');

    const stored = await repo.get('confirm-1');
    expect(stored).toEqual(sent);
    expect(stored?.history.filter((h) => h.action === 'confirm')).toHaveLength(1);
  });

  describe('lists', () => {
    // Tables of their own: a list by state sees every delivery in that state.
    let listTables: Awaited<ReturnType<typeof privateTables>>;
    let repo: DynamoDeliveryRepository;
    const top: Delivery[] = [];

    beforeAll(async () => {
      listTables = await privateTables('lists');
      repo = new DynamoDeliveryRepository({
        client: documentClient(),
        tableName: listTables.names.deliveries,
      });
      for (let i = 0; i < 7; i++) {
        const d = createDelivery(deliveryInput({ label: `top ${i}` }), preparer, `top-${i}`, later(i));
        await repo.create(d);
        top.push(d);
      }
      // Three of them move on to preparing.
      for (const i of [1, 4, 6]) {
        top[i] = await repo.apply(startPreparation(top[i]!, preparer, later(20 + i)));
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
      await listTables.drop();
    });

    it('lists top-level deliveries newest first in pages, without the executions', async () => {
      const { pages, cursors } = await collect(repo, {}, 3);
      expect(pages).toEqual([
        ['parent-1', 'top-6', 'top-5'],
        ['top-4', 'top-3', 'top-2'],
        ['top-1', 'top-0'],
      ]);
      expect(cursors[cursors.length - 1]).toBeNull();
      expect(cursors.slice(0, -1).every((c) => typeof c === 'string' && /^[A-Za-z0-9_-]+$/.test(c))).toBe(
        true,
      );
    });

    it('refuses a malformed cursor, and a cursor of another list, as invalid on the field cursor', async () => {
      const first = await repo.list({ state: 'editing' }, { limit: 2 });
      expect(first.nextCursor).not.toBeNull();
      const bad = [
        'not a cursor!',
        Buffer.from('{"pk":').toString('base64url'),
        Buffer.from(JSON.stringify({ pk: 'D#x' })).toString('base64url'),
        Buffer.from(JSON.stringify([1, 2])).toString('base64url'),
      ];
      for (const cursor of bad) {
        const error = await rejection(repo.list({ state: 'editing' }, { cursor }));
        expect(error.kind).toBe('invalid');
        expect(error.details?.fields).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      }
      // A valid cursor of the editing list does not continue the preparing list or the top-level list.
      for (const filter of [{ state: 'preparing' as const }, {}]) {
        const error = await rejection(repo.list(filter, { cursor: first.nextCursor! }));
        expect(error.details?.fields).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      }
    });
  });
});
