/**
 * SesEventStore and TrackingLog contracts: the same cases against FakeEventStore / FakeTrackingLog and
 * DynamoSesEventStore / DynamoTrackingLog (the `events` table on DynamoDB Local). Stored items, expiries and
 * cursors of other lists stay in test/integration/dynamodb-events.test.ts.
 *
 * The port's promise changed with issue #11: the store keeps outcome markers only (no raw SES event, no envelope
 * dedupe: every effect of an event is conditional, docs/data-model.md), so the raw-event cases went.
 */
import { describe, expect, it } from 'vitest';
import { DynamoSesEventStore, DynamoTrackingLog } from '#adapters/dynamodb/events.ts';
import { SHARDS, shardOf } from '#domain/shards.ts';
import type { SesEventStore, TrackingLog, TrackingLogEntry } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeEventStore, FakeTrackingLog } from '#test/helpers/fakes/index.ts';
import { allPages, type Implementation, refusesPage, unique } from './support.ts';

const client = documentClient();
const EXPIRES_AT = 1_800_000_000;

const stores: Array<Implementation<SesEventStore>> = [
  { name: 'FakeEventStore', make: () => new FakeEventStore() },
  {
    name: 'DynamoSesEventStore',
    make: () => new DynamoSesEventStore({ client, tableName: sharedTables().events }),
  },
];

const logs: Array<Implementation<TrackingLog>> = [
  { name: 'FakeTrackingLog', make: () => new FakeTrackingLog() },
  {
    name: 'DynamoTrackingLog',
    make: () => new DynamoTrackingLog({ client, tableName: sharedTables().events }),
  },
];

describe.each(stores)('SesEventStore contract: $name', ({ make }) => {
  it('records outcomes per message, event type and normalized address, idempotently', async () => {
    const store = make();
    const sesMessageId = unique('m');
    expect(await store.hasOutcome(sesMessageId, 'soft-bounce', 'ann@example.com')).toBe(false);
    await store.putOutcome(sesMessageId, 'soft-bounce', ' Ann@Example.COM', EXPIRES_AT);
    await store.putOutcome(sesMessageId, 'soft-bounce', 'ann@example.com', EXPIRES_AT);
    expect(await store.hasOutcome(sesMessageId, 'soft-bounce', 'ann@example.com')).toBe(true);
    expect(await store.hasOutcome(sesMessageId, 'soft-bounce', 'ANN@example.com ')).toBe(true);
    expect(await store.hasOutcome(sesMessageId, 'complaint', 'ann@example.com')).toBe(false);
    expect(await store.hasOutcome(sesMessageId, 'soft-bounce', 'bob@example.com')).toBe(false);
    expect(await store.hasOutcome(unique('m'), 'soft-bounce', 'ann@example.com')).toBe(false);
  });
});

describe.each(logs)('TrackingLog contract: $name', ({ make }) => {
  const time = (i: number) => new Date(Date.UTC(2026, 10, 22, 11, 0, i)).toISOString();

  const entryOf = (
    deliveryId: string,
    recipientId: string,
    type: TrackingLogEntry['type'],
    at: string,
    extra: Partial<TrackingLogEntry> = {},
  ): TrackingLogEntry => ({
    deliveryId,
    version: 2,
    recipientId,
    profileId: recipientId,
    sesMessageId: `m-${recipientId}`,
    type,
    at,
    eventId: unique('env'),
    ...extra,
  });

  /** The list's order: shard by shard, and within a shard by time, then event, then recipient. */
  const listOrder = (entries: TrackingLogEntry[]) => {
    const key = (e: TrackingLogEntry) => `${e.at}#${e.eventId}#${e.recipientId}`;
    return [...entries].sort(
      (a, b) =>
        shardOf(a.recipientId) - shardOf(b.recipientId) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0),
    );
  };

  /** Recipient ids spread over the shards, none in the last one (a list ending with them ends before shard 15). */
  const recipients = (tag: string, count: number) =>
    Array.from({ length: count * 2 }, (_, i) => `r${i}-${tag}`)
      .filter((id) => shardOf(id) < SHARDS - 1)
      .slice(0, count);

  it('appends an event once per recipient: a redelivery is refused and the first entry kept', async () => {
    const tracking = make();
    const deliveryId = unique('d');
    const entry = entryOf(deliveryId, 'ann', 'click', time(1), {
      link: 'https://example.com/offer',
      userAgent: 'Mozilla/5.0',
    });
    expect(await tracking.append(entry, EXPIRES_AT)).toBe(true);
    expect(await tracking.append({ ...entry, userAgent: 'other' }, EXPIRES_AT + 1)).toBe(false);
    // The same envelope naming another recipient is another entry.
    const bob = { ...entry, recipientId: 'bob', profileId: 'bob' };
    expect(await tracking.append(bob, EXPIRES_AT)).toBe(true);
    expect(await tracking.list(deliveryId, {}, {})).toEqual({
      items: listOrder([entry, bob]),
      nextCursor: null,
    });
  });

  it('lists a delivery shard by shard in time order, page by page, all or one type; the last page says so', async () => {
    const tracking = make();
    const deliveryId = unique('d');
    const ids = recipients(deliveryId.slice(2, 10), 20);
    const entries: TrackingLogEntry[] = [];
    ids.forEach((id, i) => {
      // Times run against the shards: a list in time order alone is not in the list's order.
      entries.push(entryOf(deliveryId, id, 'open', time(59 - i), { userAgent: 'Mozilla/5.0' }));
      if (i % 2 === 0) entries.push(entryOf(deliveryId, id, 'open', time(30 - i)));
      if (i % 3 === 0)
        entries.push(entryOf(deliveryId, id, 'click', time(31 - i), { link: `https://e.x/${i}` }));
      if (i === 7) entries.push(entryOf(deliveryId, id, 'opt-out', time(50)));
    });
    const otherDelivery = unique('d');
    entries.push(entryOf(otherDelivery, ids[0]!, 'click', time(1)));
    for (const e of entries) await tracking.append(e, EXPIRES_AT);
    const mine = listOrder(entries.filter((e) => e.deliveryId === deliveryId));

    for (const limit of [1, 4, 7, 50]) {
      expect((await allPages((page) => tracking.list(deliveryId, {}, page), limit)).items).toEqual(mine);
    }
    for (const type of ['click', 'opt-out', 'open'] as const) {
      const ofType = mine.filter((e) => e.type === type);
      expect(ofType.length).toBeGreaterThan(0);
      expect((await allPages((page) => tracking.list(deliveryId, { type }, page), 2)).items).toEqual(ofType);
    }
    // A page that takes the last entries exactly, with empty shards after them, has no cursor.
    expect(await tracking.list(deliveryId, {}, { limit: mine.length })).toEqual({
      items: mine,
      nextCursor: null,
    });
    expect(await tracking.list(unique('d'), {}, {})).toEqual({ items: [], nextCursor: null });
    expect((await tracking.list(otherDelivery, {}, {})).items).toHaveLength(1);
  });

  it('defaults to 50 a page and caps the limit at 100; a limit below 1 or a malformed cursor is a 400', async () => {
    const tracking = make();
    const deliveryId = unique('d');
    const [ann] = recipients(deliveryId.slice(2, 10), 1);
    const entries = Array.from({ length: 105 }, (_, i) => entryOf(deliveryId, ann!, 'open', time(i % 60)));
    await Promise.all(entries.map((e) => tracking.append(e, EXPIRES_AT)));
    expect((await tracking.list(deliveryId, {}, {})).items).toHaveLength(50);
    const capped = await tracking.list(deliveryId, {}, { limit: 1_000 });
    expect(capped.items).toEqual(listOrder(entries).slice(0, 100));
    expect((await tracking.list(deliveryId, {}, { cursor: capped.nextCursor! })).items).toEqual(
      listOrder(entries).slice(100),
    );
    await refusesPage(tracking.list(deliveryId, {}, { limit: 0 }), 'limit');
    await refusesPage(tracking.list(deliveryId, {}, { cursor: 'not a cursor' }), 'cursor');
  });
});
