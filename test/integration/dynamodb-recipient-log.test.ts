/**
 * The port's cases, held to the fake as well, are in test/integration/contract/recipient-log.test.ts; here, what
 * the adapter stores (packed target and exclusion pages, bounded in size), internals kept out, and cursors of other
 * lists.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { sendingLogKey, sendingLogPk, shardOf, targetPageKey } from '#adapters/dynamodb/keys.ts';
import { DynamoRecipientLedger } from '#adapters/dynamodb/ledger.ts';
import { PAGE_RECIPIENTS } from '#adapters/dynamodb/pages.ts';
import { DynamoRecipientLogRepository } from '#adapters/dynamodb/recipient-log.ts';
import { isDomainError } from '#domain/errors.ts';
import type { ExclusionLogEntry, Page, PageRequest } from '#ports/index.ts';
import { itemSizeBytes } from '#bench/dynamodb-meter.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { logEntry, PREPARED_AT, seedLog, target } from '#test/helpers/sending-log.ts';

const client = documentClient();
const tableName = () => sharedTables().recipients;
const log = () => new DynamoRecipientLogRepository({ client, tableName: tableName() });
const ledger = () => new DynamoRecipientLedger({ client, tableName: tableName() });

const all = async <T>(list: (page: PageRequest) => Promise<Page<T>>, limit: number): Promise<T[]> => {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ cursor, limit });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor && pages < 100);
  return items;
};

const cursorError = async (promise: Promise<unknown>) => {
  const error = await promise.catch((e: unknown) => e);
  expect(isDomainError(error) && error.details?.fields).toEqual([
    { field: 'cursor', message: expect.any(String) },
  ]);
};

/** Every item of one log shard's partition. */
const partition = async (pk: string) =>
  (
    await client.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

describe('DynamoRecipientLogRepository (DynamoDB Local)', () => {
  it('packs the targets of a shard in id order, at most 100 and under 8 KB a page; the same call writes the same pages', async () => {
    const ref = { deliveryId: `d-${randomUUID()}`, version: 1 };
    const ids = Array.from({ length: 1600 }, (_, i) => `r${String(i).padStart(4, '0')}`);
    const shard = shardOf(ids[0]!);
    const inShard = ids.filter((id) => shardOf(id) === shard);
    // Long addresses: the byte bound, not the count, closes some pages.
    const targets = ids.map((id, i) =>
      target(id, {
        email: `${id}.${'x'.repeat(i % 3 === 0 ? 200 : 5)}@example.com`,
        ...(i % 2 === 0 ? { firstName: 'Ann' } : {}),
        ...(i % 5 === 0 ? { lastName: 'Lee', profileId: `profile-${id}` } : {}),
      }),
    );
    await log().putTargets(ref, targets, PREPARED_AT);
    const items = await partition(sendingLogPk(ref, shard));
    expect(items.every((item) => String(item.sk).startsWith('T#'))).toBe(true);
    const packed = items.flatMap((item) => item.targets as string[][]);
    expect(packed.map((t) => t[0])).toEqual([...inShard].sort());
    for (const item of items) {
      expect(item.sk).toBe(`T#${(item.targets as string[][])[0]![0]}`);
      expect((item.targets as unknown[]).length).toBeLessThanOrEqual(PAGE_RECIPIENTS);
      expect(itemSizeBytes(item)).toBeLessThan(8192);
      expect(Object.keys(item).sort()).toEqual(['at', 'pk', 'sk', 'targets']);
    }
    // `[recipientId, email, firstName, lastName, profileId]`, trailing nulls dropped.
    const first = targets.find((t) => t.recipientId === inShard[0])!;
    const expected: Array<string | null> = [
      first.recipientId,
      first.email,
      first.firstName ?? null,
      first.lastName ?? null,
      first.profileId === first.recipientId ? null : first.profileId,
    ];
    while (expected.length > 2 && expected.at(-1) === null) expected.pop();
    expect(packed[0]).toEqual(expected);
    // Written again (a preparation resumed after a crash): the same pages.
    await log().putTargets(ref, [...targets].reverse(), PREPARED_AT);
    expect(await partition(sendingLogPk(ref, shard))).toEqual(items);
    const page = (
      await client.send(
        new GetCommand({
          TableName: tableName(),
          Key: targetPageKey(ref, shard, inShard.sort()[0]!),
          ConsistentRead: true,
        }),
      )
    ).Item;
    expect(page?.at).toBe(PREPARED_AT);
  });

  it('shows delivery and engagement times, never who sent, the reconciliation marker or index keys', async () => {
    const repo = log();
    const ref = { deliveryId: `d-${randomUUID()}`, version: 1 };
    const profileId = `p-${randomUUID()}`;
    await seedLog(ledger(), repo, [logEntry(ref, profileId, 'delivered', '2026-11-22T10:00:00.000Z')]);
    const stored = (
      await client.send(
        new GetCommand({ TableName: tableName(), Key: sendingLogKey(ref, profileId), ConsistentRead: true }),
      )
    ).Item!;
    expect(stored).toMatchObject({ sentBy: 'seed', historySk: `2026-11-22T10:00:00.000Z#${ref.deliveryId}` });
    const shown = logEntry(ref, profileId, 'delivered', '2026-11-22T10:00:00.000Z');
    expect((await repo.listSending(ref, {}, {})).items).toEqual([shown]);
    expect((await repo.listSending(ref, { status: 'delivered' }, {})).items).toEqual([shown]);
    expect((await repo.historyForProfile(profileId, {})).items).toEqual([shown]);
  });

  it('lists the exclusion log with each cause, packed, with the reason of each', async () => {
    const repo = log();
    const ref = { deliveryId: `d-${randomUUID()}`, version: 1 };
    const exclusions: ExclusionLogEntry[] = Array.from({ length: 130 }, (_, i) => ({
      ...ref,
      profileId: `x${i}`,
      email: i % 2 === 0 ? null : `x${i}@example.com`,
      status: 'ignored',
      cause: i % 2 === 0 ? 'address-missing' : 'opted-out',
      reason: i % 2 === 0 ? 'Address not specified' : 'The recipient no longer wants to be contacted.',
      at: '2026-11-22T10:00:00.000Z',
    }));
    await repo.putExclusions(exclusions);
    const listed = await all((page) => repo.listExclusions(ref, page), 8);
    expect(listed.sort((a, b) => Number(a.profileId.slice(1)) - Number(b.profileId.slice(1)))).toEqual(
      exclusions,
    );
    expect((await repo.listSending(ref, {}, {})).items).toEqual([]);
  });

  it('refuses the cursor of another list: another log, another status, the exclusions, another profile', async () => {
    const repo = log();
    const ref = { deliveryId: `d-${randomUUID()}`, version: 1 };
    const ids = Array.from({ length: 30 }, (_, i) => `c${i}`);
    await seedLog(
      ledger(),
      repo,
      ids.map((id, i) =>
        logEntry(
          ref,
          id,
          i % 2 === 0 ? 'sent' : 'pending',
          i % 2 === 0 ? '2026-11-22T10:00:00.000Z' : undefined,
        ),
      ),
    );
    await repo.putExclusions(
      ids.map((id) => ({
        ...ref,
        profileId: id,
        email: null,
        status: 'ignored',
        cause: 'address-missing',
        reason: 'r',
        at: PREPARED_AT,
      })),
    );
    const all = await repo.listSending(ref, {}, { limit: 5 });
    const sent = await repo.listSending(ref, { status: 'sent' }, { limit: 5 });
    const excluded = await repo.listExclusions(ref, { limit: 5 });
    expect([all.nextCursor, sent.nextCursor, excluded.nextCursor].every(Boolean)).toBe(true);
    await cursorError(repo.listSending({ ...ref, version: 2 }, {}, { cursor: all.nextCursor! }));
    await cursorError(repo.listSending(ref, { status: 'pending' }, { cursor: sent.nextCursor! }));
    await cursorError(repo.listSending(ref, { status: 'sent' }, { cursor: all.nextCursor! }));
    await cursorError(repo.listSending(ref, {}, { cursor: excluded.nextCursor! }));
    await cursorError(repo.listExclusions(ref, { cursor: all.nextCursor! }));
    // Each continues its own list.
    expect((await repo.listSending(ref, {}, { cursor: all.nextCursor!, limit: 100 })).items).toHaveLength(25);
    expect(
      (await repo.listSending(ref, { status: 'sent' }, { cursor: sent.nextCursor!, limit: 100 })).items,
    ).toHaveLength(10);
  });

  it("gives a profile's history newest first: sent messages only, across deliveries; another profile's cursor is a 400", async () => {
    const repo = log();
    const profileId = `p-${randomUUID()}`;
    const deliveries = ['d-a', 'd-b', 'd-c', 'd-d'].map((d) => `${d}-${profileId}`);
    await seedLog(ledger(), repo, [
      logEntry(
        { deliveryId: deliveries[0]!, version: 1 },
        profileId,
        'delivered',
        '2026-10-01T08:00:00.000Z',
      ),
      logEntry({ deliveryId: deliveries[1]!, version: 1 }, profileId, 'sent', '2026-11-01T08:00:00.000Z'),
      logEntry({ deliveryId: deliveries[2]!, version: 1 }, profileId, 'failed', '2026-09-01T08:00:00.000Z'),
      logEntry({ deliveryId: deliveries[3]!, version: 1 }, profileId, 'pending'),
    ]);
    const history = await all((page) => repo.historyForProfile(profileId, page), 2);
    expect(history.map((e) => [e.deliveryId, e.status])).toEqual([
      [deliveries[1], 'sent'],
      [deliveries[0], 'delivered'],
      [deliveries[2], 'failed'],
    ]);
    const first = await repo.historyForProfile(profileId, { limit: 1 });
    await cursorError(repo.historyForProfile(`p-${randomUUID()}`, { cursor: first.nextCursor! }));
  });
});
