/**
 * DynamoSweepRegistry against DynamoDB Local, on private tables (the registry is one partition: the assertions
 * need to see all of it).
 * The port's cases, held to the fake as well, are in test/integration/contract/sweep.test.ts; here, the stored
 * item and cursors of other lists.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableNames } from '#local/dynamodb/tables.ts';
import { sweepKey } from '#adapters/dynamodb/keys.ts';
import { encodeCursor } from '#adapters/dynamodb/paging.ts';
import { DynamoSweepRegistry } from '#adapters/dynamodb/sweep.ts';
import { isDomainError } from '#domain/errors.ts';
import type { SweepEntry } from '#ports/index.ts';
import { documentClient, privateTables } from '#test/helpers/emulators.ts';

const client = documentClient();
let tables: { names: TableNames; drop: () => Promise<void> };
const registry = () => new DynamoSweepRegistry({ client, tableName: tables.names.deliveries });

beforeAll(async () => {
  tables = await privateTables('sweep');
});
afterAll(async () => {
  await tables.drop();
});

const listAll = async (limit: number): Promise<{ items: SweepEntry[]; pages: number }> => {
  const items: SweepEntry[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await registry().list({ cursor, limit });
    pages++;
    if (page.nextCursor) expect(page.items).toHaveLength(limit);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages < 50);
  return { items, pages };
};

const cursorError = async (promise: Promise<unknown>) => {
  const error = await promise.catch((e: unknown) => e);
  expect(isDomainError(error) && error.details?.fields).toEqual([
    { field: 'cursor', message: expect.any(String) },
  ]);
};

describe('DynamoSweepRegistry (DynamoDB Local)', () => {
  it('registers once: registering again keeps the registration and the sweep state', async () => {
    const id = `d-${randomUUID()}`;
    await registry().register(id, '2026-11-22T10:00:00.000Z');
    await registry().update(id, { settled: 120, sweptAt: '2026-11-22T10:05:00.000Z' });
    await registry().register(id, '2026-11-22T11:00:00.000Z');
    const stored = (await listAll(100)).items.find((e) => e.deliveryId === id);
    expect(stored).toEqual({
      deliveryId: id,
      registeredAt: '2026-11-22T10:00:00.000Z',
      settled: 120,
      sweptAt: '2026-11-22T10:05:00.000Z',
    });
    const item = (
      await client.send(
        new GetCommand({ TableName: tables.names.deliveries, Key: sweepKey(id), ConsistentRead: true }),
      )
    ).Item;
    expect(item).toMatchObject({ pk: 'SWEEP', sk: `D#${id}`, entity: 'sweep' });

    // A later sweep overwrites the state.
    await registry().update(id, { settled: 130, sweptAt: '2026-11-22T10:10:00.000Z' });
    expect((await listAll(100)).items.find((e) => e.deliveryId === id)).toMatchObject({
      settled: 130,
      sweptAt: '2026-11-22T10:10:00.000Z',
    });
    await registry().remove(id);
  });

  it('rejects a malformed cursor and one from another list', async () => {
    const run = randomUUID().slice(0, 8);
    const ids = [0, 1, 2].map((i) => `d-${run}-${i}`);
    await Promise.all(ids.map((id) => registry().register(id, '2026-11-22T10:00:00.000Z')));
    const first = await registry().list({ limit: 1 });
    expect(first.nextCursor).not.toBeNull();
    expect((await registry().list({ cursor: first.nextCursor!, limit: 5 })).items).toHaveLength(2);

    await cursorError(registry().list({ cursor: 'garbage!' }));
    await cursorError(registry().list({ cursor: encodeCursor({ pk: `D#${ids[0]}`, sk: 'DELIVERY' }) }));
    await cursorError(registry().list({ cursor: encodeCursor({ s: 0, k: { pk: 'SWEEP', sk: 'D#x' } }) }));
    await cursorError(registry().list({ cursor: encodeCursor([]) }));
    const limitError = await registry()
      .list({ limit: 0 })
      .catch((e: unknown) => e);
    expect(isDomainError(limitError) && limitError.details?.fields).toEqual([
      { field: 'limit', message: expect.any(String) },
    ]);
    await Promise.all(ids.map((id) => registry().remove(id)));
  });
});
