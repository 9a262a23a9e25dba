/**
 * The `events` table on DynamoDB Local: outcome markers (`OUT#<message>`), and the tracking log (sharded like the sending log, listed shard by shard, optionally one type).
 * The port's cases, held to the fake as well, are in test/integration/contract/events.test.ts; here, the stored
 * items, filtered pages and cursors of other lists.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoSesEventStore, DynamoTrackingLog } from '#adapters/dynamodb/events.ts';
import { outcomeKey, SHARDS, shardOf, trackingKey } from '#adapters/dynamodb/keys.ts';
import { DynamoRecipientLogRepository } from '#adapters/dynamodb/recipient-log.ts';
import { isDomainError } from '#domain/errors.ts';
import type { Page, PageRequest, TrackingLogEntry } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';

const client = documentClient();
const tableName = () => sharedTables().events;
const store = () => new DynamoSesEventStore({ client, tableName: tableName() });
const tracking = () => new DynamoTrackingLog({ client, tableName: tableName() });

const EXPIRES_AT = 1_800_000_000;

const rawItem = async (key: { pk: string; sk: string }) =>
  (await client.send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }))).Item;

/** Every page of a list; each page but the last is full, and the last is empty only for an empty list. */
const allPages = async <T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
): Promise<{ items: T[]; pages: number }> => {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ cursor, limit });
    pages++;
    if (page.nextCursor) expect(page.items).toHaveLength(limit);
    else if (pages > 1) expect(page.items.length).toBeGreaterThan(0);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages < 200);
  return { items, pages };
};

const cursorError = async (promise: Promise<unknown>) => {
  const error = await promise.catch((e: unknown) => e);
  expect(isDomainError(error) && error.details?.fields).toEqual([
    { field: 'cursor', message: expect.any(String) },
  ]);
};

describe('DynamoSesEventStore (DynamoDB Local)', () => {
  it('records outcomes per message, event type and normalized address (idempotent)', async () => {
    const sesMessageId = `m-${randomUUID()}`;
    expect(await store().hasOutcome(sesMessageId, 'soft-bounce', 'ann@example.com')).toBe(false);
    await store().putOutcome(sesMessageId, 'soft-bounce', ' Ann@Example.COM', EXPIRES_AT);
    await store().putOutcome(sesMessageId, 'soft-bounce', 'ann@example.com', EXPIRES_AT);
    expect(await store().hasOutcome(sesMessageId, 'soft-bounce', 'ann@example.com')).toBe(true);
    expect(await store().hasOutcome(sesMessageId, 'SOFT-bounce'.toLowerCase(), 'ANN@example.com')).toBe(true);
    expect(await store().hasOutcome(sesMessageId, 'complaint', 'ann@example.com')).toBe(false);
    expect(await store().hasOutcome(sesMessageId, 'soft-bounce', 'bob@example.com')).toBe(false);
    // A few bytes: the key and its expiry (one write unit).
    expect(await rawItem(outcomeKey(sesMessageId, 'soft-bounce', 'ann@example.com'))).toEqual({
      pk: `OUT#${sesMessageId}`,
      sk: 'soft-bounce#ann@example.com',
      expiresAt: EXPIRES_AT,
    });
  });
});

describe('DynamoTrackingLog (DynamoDB Local)', () => {
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
    sesMessageId: `m-${deliveryId}-${recipientId}`,
    type,
    at,
    eventId: `env-${randomUUID()}`,
    ...extra,
  });

  /** Shard order, then time (and event) order within a shard: the list's order. */
  const listOrder = (entries: TrackingLogEntry[]) =>
    [...entries].sort(
      (a, b) =>
        shardOf(a.recipientId) - shardOf(b.recipientId) ||
        trackingKey(a.deliveryId, a.recipientId, a.at, `${a.eventId}#${a.recipientId}`).sk.localeCompare(
          trackingKey(b.deliveryId, b.recipientId, b.at, `${b.eventId}#${b.recipientId}`).sk,
        ),
    );

  /** Recipient ids of a delivery, none in the last shard (so a list ending with them ends before shard 15). */
  const recipients = (deliveryId: string, count: number) =>
    Array.from({ length: count * 2 }, (_, i) => `r${i}-${deliveryId.slice(2, 10)}`)
      .filter((id) => shardOf(id) < SHARDS - 1)
      .slice(0, count);

  const time = (i: number) => new Date(Date.UTC(2026, 10, 22, 11, 0, i)).toISOString();

  it('appends an entry once per key and stores it with its expiry; the same event for another recipient is another entry', async () => {
    const deliveryId = `d-${randomUUID()}`;
    const entry = entryOf(deliveryId, 'ann', 'click', time(1), {
      link: 'https://example.com/offer',
      userAgent: 'Mozilla/5.0',
    });
    expect(await tracking().append(entry, EXPIRES_AT)).toBe(true);
    // A redelivered event: refused, the first entry kept.
    expect(await tracking().append({ ...entry, userAgent: 'other' }, EXPIRES_AT + 1)).toBe(false);
    const key = trackingKey(deliveryId, 'ann', entry.at, `${entry.eventId}#ann`);
    expect(await rawItem(key)).toEqual({ ...entry, ...key, entity: 'tracking', expiresAt: EXPIRES_AT });
    expect(await tracking().append({ ...entry, recipientId: 'bob', profileId: 'bob' }, EXPIRES_AT)).toBe(
      true,
    );

    const listed = await tracking().list(deliveryId, {}, {});
    expect(listed.nextCursor).toBeNull();
    expect(listed.items).toEqual(listOrder([entry, { ...entry, recipientId: 'bob', profileId: 'bob' }]));
  });

  it('lists a delivery shard by shard in time order, page by page, all or one type; the last page says so', async () => {
    const deliveryId = `d-${randomUUID()}`;
    const ids = recipients(deliveryId, 20);
    const entries: TrackingLogEntry[] = [];
    ids.forEach((id, i) => {
      entries.push(entryOf(deliveryId, id, 'open', time(i), { userAgent: 'Mozilla/5.0' }));
      if (i % 2 === 0) entries.push(entryOf(deliveryId, id, 'open', time(40 + i)));
      if (i % 3 === 0)
        entries.push(entryOf(deliveryId, id, 'click', time(41 + i), { link: `https://e.x/${i}` }));
      if (i === 7) entries.push(entryOf(deliveryId, id, 'opt-out', time(50)));
    });
    // Another delivery's events are another list.
    const otherDelivery = `d-${randomUUID()}`;
    entries.push(entryOf(otherDelivery, ids[0]!, 'click', time(1)));
    await Promise.all(entries.map((e) => tracking().append(e, EXPIRES_AT)));
    const mine = listOrder(entries.filter((e) => e.deliveryId === deliveryId));
    const list = (type?: TrackingLogEntry['type']) => (page: PageRequest) =>
      tracking().list(deliveryId, { type }, page);

    for (const limit of [1, 4, 7, 50]) {
      const { items } = await allPages(list(), limit);
      expect(items).toEqual(mine);
    }
    const clicks = mine.filter((e) => e.type === 'click');
    expect(clicks.length).toBeGreaterThan(3);
    for (const limit of [1, 2, 3]) expect((await allPages(list('click'), limit)).items).toEqual(clicks);
    expect((await allPages(list('opt-out'), 2)).items).toEqual(mine.filter((e) => e.type === 'opt-out'));
    expect((await allPages(list('open'), 10)).items).toEqual(mine.filter((e) => e.type === 'open'));

    // A page that takes the last entries exactly, with empty shards after them, has no cursor.
    expect(await tracking().list(deliveryId, {}, { limit: mine.length })).toEqual({
      items: mine,
      nextCursor: null,
    });
    expect(await tracking().list(deliveryId, { type: 'click' }, { limit: clicks.length })).toEqual({
      items: clicks,
      nextCursor: null,
    });
    expect(await tracking().list(`d-${randomUUID()}`, {}, {})).toEqual({ items: [], nextCursor: null });
    expect((await tracking().list(otherDelivery, {}, {})).items).toHaveLength(1);
  });

  it('fills filtered pages across many entries of another type', async () => {
    const deliveryId = `d-${randomUUID()}`;
    const [ann, bob] = recipients(deliveryId, 2);
    const entries: TrackingLogEntry[] = [];
    // 450 opens in one shard with 5 clicks among and after them, and a click in another shard.
    for (let i = 0; i < 450; i++) entries.push(entryOf(deliveryId, ann!, 'open', time(i)));
    for (const i of [10, 220, 221, 449, 460]) entries.push(entryOf(deliveryId, ann!, 'click', time(i)));
    entries.push(entryOf(deliveryId, bob!, 'click', time(1)));
    for (let i = 0; i < entries.length; i += 50) {
      await Promise.all(entries.slice(i, i + 50).map((e) => tracking().append(e, EXPIRES_AT)));
    }
    const clicks = listOrder(entries).filter((e) => e.type === 'click');
    const { items, pages } = await allPages(
      (page) => tracking().list(deliveryId, { type: 'click' }, page),
      2,
    );
    expect(items).toEqual(clicks);
    expect(pages).toBe(3);
    const first = await tracking().list(deliveryId, { type: 'click' }, { limit: 100 });
    expect(first).toEqual({ items: clicks, nextCursor: null });
  });

  it('rejects a malformed cursor and one from another list, also at a shard boundary', async () => {
    const deliveryId = `d-${randomUUID()}`;
    const ids = recipients(deliveryId, 40);
    const ann = ids[0]!;
    const bob = ids.find((id) => shardOf(id) !== shardOf(ann))!;
    const [first, second] = [ann, bob].sort((a, b) => shardOf(a) - shardOf(b));
    await Promise.all([
      tracking().append(entryOf(deliveryId, first!, 'open', time(1)), EXPIRES_AT),
      tracking().append(entryOf(deliveryId, second!, 'open', time(2)), EXPIRES_AT),
      tracking().append(entryOf(deliveryId, second!, 'click', time(3)), EXPIRES_AT),
    ]);
    // Within a shard, and at the end of the first shard (more in a later one).
    const inShard = await tracking().list(deliveryId, {}, { limit: 2 });
    const atBoundary = await tracking().list(deliveryId, {}, { limit: 1 });
    for (const page of [inShard, atBoundary]) {
      expect(page.nextCursor).not.toBeNull();
      // The cursor continues its own list (also filtered: same partitions)...
      const rest = await tracking().list(deliveryId, {}, { limit: 5, cursor: page.nextCursor! });
      expect(rest.items).toHaveLength(3 - page.items.length);
      expect(rest.nextCursor).toBeNull();
      // ...and is a 400 on another delivery's.
      await cursorError(tracking().list(`d-${randomUUID()}`, {}, { cursor: page.nextCursor! }));
    }
    const clicks = await tracking().list(deliveryId, { type: 'click' }, { cursor: atBoundary.nextCursor! });
    expect(clicks).toEqual({ items: [expect.objectContaining({ recipientId: second })], nextCursor: null });

    // A sending-log cursor (a key of the recipients table) or garbage is a 400 too.
    const sending = new DynamoRecipientLogRepository({ client, tableName: sharedTables().recipients });
    const ref = { deliveryId, version: 1 };
    const sameShard = ids.filter((id) => shardOf(id) === shardOf(ann)).slice(0, 2);
    expect(sameShard).toHaveLength(2);
    await sending.putTargets(
      ref,
      sameShard.map((id) => ({ recipientId: id, profileId: id, email: `${id}@example.com` })),
      time(0),
    );
    const sendingPage = await sending.listSending(ref, {}, { limit: 1 });
    expect(sendingPage.nextCursor).not.toBeNull();
    await cursorError(tracking().list(deliveryId, {}, { cursor: sendingPage.nextCursor! }));
    await cursorError(tracking().list(deliveryId, {}, { cursor: 'not a cursor' }));
    await cursorError(
      tracking().list(deliveryId, {}, { cursor: Buffer.from('{"s":99}').toString('base64url') }),
    );
  });
});
