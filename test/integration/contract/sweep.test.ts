/**
 * SweepRegistry contract: the same cases against FakeSweepRegistry and DynamoSweepRegistry (DynamoDB Local, on
 * private tables: the registry is one partition and the lists must see all of it). Cursors of another list and
 * the stored item stay in test/integration/dynamodb-sweep.test.ts.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoSweepRegistry } from '#adapters/dynamodb/sweep.ts';
import type { SweepEntry, SweepRegistry } from '#ports/index.ts';
import { documentClient, privateTables } from '#test/helpers/emulators.ts';
import { FakeSweepRegistry } from '#test/helpers/fakes/index.ts';
import { allPages, type Implementation, refusesPage } from './support.ts';

const client = documentClient();
let tables: Awaited<ReturnType<typeof privateTables>>;
beforeAll(async () => {
  tables = await privateTables('sweep-contract');
});
afterAll(async () => {
  await tables.drop();
});

const implementations: Array<Implementation<SweepRegistry>> = [
  { name: 'FakeSweepRegistry', make: () => new FakeSweepRegistry() },
  {
    name: 'DynamoSweepRegistry',
    make: () => new DynamoSweepRegistry({ client, tableName: tables.names.deliveries }),
  },
];

const AT = '2026-11-22T10:00:00.000Z';

describe.each(implementations)('SweepRegistry contract: $name', ({ make }) => {
  let registry: SweepRegistry;
  const everything = async (): Promise<SweepEntry[]> =>
    (await allPages((page) => registry.list(page), 100)).items;

  beforeEach(() => {
    registry = make();
  });
  // Each case starts from an empty registry.
  afterEach(async () => {
    for (const entry of await everything()) await registry.remove(entry.deliveryId);
  });

  it('lists nothing while no delivery is registered', async () => {
    expect(await registry.list({})).toEqual({ items: [], nextCursor: null });
  });

  it('registers once: registering again keeps the registration and the sweep state', async () => {
    await registry.register('d-1', AT);
    expect(await everything()).toEqual([{ deliveryId: 'd-1', registeredAt: AT }]);
    await registry.update('d-1', { settled: 120, sweptAt: '2026-11-22T10:05:00.000Z' });
    await registry.register('d-1', '2026-11-22T11:00:00.000Z');
    expect(await everything()).toEqual([
      { deliveryId: 'd-1', registeredAt: AT, settled: 120, sweptAt: '2026-11-22T10:05:00.000Z' },
    ]);
    // A later sweep overwrites the state.
    await registry.update('d-1', { settled: 130, sweptAt: '2026-11-22T10:10:00.000Z' });
    expect(await everything()).toEqual([
      { deliveryId: 'd-1', registeredAt: AT, settled: 130, sweptAt: '2026-11-22T10:10:00.000Z' },
    ]);
  });

  it('keeps the sent marks a sweep records beside the sweep state; a removed delivery gets none', async () => {
    await registry.register('d-1', AT);
    const marks = [
      { at: '2026-11-22T10:05:00.000Z', sent: 0, events: 0 },
      { at: '2026-11-22T10:10:00.000Z', sent: 250, events: 240 },
    ];
    await registry.mark('d-1', marks);
    await registry.update('d-1', { settled: 130, sweptAt: '2026-11-22T10:10:00.000Z' });
    expect(await everything()).toEqual([
      { deliveryId: 'd-1', registeredAt: AT, settled: 130, sweptAt: '2026-11-22T10:10:00.000Z', marks },
    ]);
    await registry.mark('d-1', [marks[1]!]);
    expect((await everything())[0]!.marks).toEqual([marks[1]]);
    await registry.mark('d-gone', marks);
    expect((await everything()).map((e) => e.deliveryId)).toEqual(['d-1']);
  });

  it("keeps the state of a delivery's counter repair, each note apart; a removed delivery gets none", async () => {
    await registry.register('d-1', AT);
    await registry.noteRepair('d-1', { repairAfter: '2026-11-22T10:15:30.000Z' });
    await registry.update('d-1', { settled: 5, sweptAt: '2026-11-22T10:10:00.000Z' });
    expect(await everything()).toEqual([
      {
        deliveryId: 'd-1',
        registeredAt: AT,
        settled: 5,
        sweptAt: '2026-11-22T10:10:00.000Z',
        repairAfter: '2026-11-22T10:15:30.000Z',
      },
    ]);
    await registry.noteRepair('d-1', { healedAt: '2026-11-22T10:16:00.000Z' });
    await registry.noteRepair('d-1', { repairAfter: '2026-11-22T10:20:00.000Z' });
    expect(await everything()).toEqual([
      expect.objectContaining({
        repairAfter: '2026-11-22T10:20:00.000Z',
        healedAt: '2026-11-22T10:16:00.000Z',
      }),
    ]);
    await registry.noteRepair('d-gone', { healedAt: '2026-11-22T10:20:00.000Z' });
    expect((await everything()).map((e) => e.deliveryId)).toEqual(['d-1']);
  });

  it('lists the registered deliveries in id order, page by page; the page that takes the last has no cursor', async () => {
    // Id order is the order of the stored keys' bytes: upper case before lower case.
    const ids = ['d-5', 'd-b', 'd-7', 'd-1', 'd-C', 'd-3', 'd-A'];
    for (const id of ids) await registry.register(id, AT);
    const sorted = ['d-1', 'd-3', 'd-5', 'd-7', 'd-A', 'd-C', 'd-b'];
    const paged = await allPages((page) => registry.list(page), 3);
    expect(paged.pages.map((page) => page.map((e) => e.deliveryId))).toEqual([
      sorted.slice(0, 3),
      sorted.slice(3, 6),
      sorted.slice(6),
    ]);
    expect(await registry.list({ limit: 7 })).toEqual({
      items: sorted.map((deliveryId) => ({ deliveryId, registeredAt: AT })),
      nextCursor: null,
    });
  });

  it('removes a delivery (an absent one is fine); a sweep of a removed or unknown delivery creates nothing', async () => {
    for (const id of ['d-1', 'd-2', 'd-3']) await registry.register(id, AT);
    await registry.remove('d-2');
    await registry.remove('d-absent');
    await registry.update('d-2', { settled: 1, sweptAt: AT });
    await registry.update('d-never', { settled: 1, sweptAt: AT });
    expect((await everything()).map((e) => e.deliveryId)).toEqual(['d-1', 'd-3']);
  });

  it('defaults to 50 a page and caps the limit at 100; a limit below 1 or a malformed cursor is a 400', async () => {
    const ids = Array.from({ length: 105 }, (_, i) => `d-${String(i).padStart(3, '0')}`);
    await Promise.all(ids.map((id) => registry.register(id, AT)));
    const first = await registry.list({});
    expect(first.items.map((e) => e.deliveryId)).toEqual(ids.slice(0, 50));
    const capped = await registry.list({ limit: 1_000 });
    expect(capped.items.map((e) => e.deliveryId)).toEqual(ids.slice(0, 100));
    expect(capped.nextCursor).not.toBeNull();
    expect((await registry.list({ cursor: capped.nextCursor! })).items.map((e) => e.deliveryId)).toEqual(
      ids.slice(100),
    );
    await refusesPage(registry.list({ limit: 0 }), 'limit');
    await refusesPage(registry.list({ limit: 2.5 }), 'limit');
    await refusesPage(registry.list({ cursor: 'garbage!' }), 'cursor');
  });
});
