/**
 * RecipientLogRepository contract: the same cases against FakeRecipientLog and DynamoRecipientLogRepository (the
 * `recipients` table on DynamoDB Local). The logs of one preparation, listed shard by shard in id order; a
 * profile's history newest first. Stored items and cursors of other lists stay in
 * test/integration/dynamodb-recipient-log.test.ts.
 *
 * The port's promise changed with issue #11: putTargets writes a preparation's targets (pending recipients) and the
 * ledger writes each recipient's entry, so the cases write non-pending entries through the ledger (seedLog).
 */
import { describe, expect, it } from 'vitest';
import { DynamoRecipientLedger } from '#adapters/dynamodb/ledger.ts';
import { DynamoRecipientLogRepository } from '#adapters/dynamodb/recipient-log.ts';
import type { ExclusionCause } from '#domain/delivery.ts';
import { shardOf } from '#domain/shards.ts';
import type { ExclusionLogEntry, LogRef, RecipientLedger, RecipientLogRepository } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeLedger, FakeRecipientLog } from '#test/helpers/fakes/index.ts';
import { logEntry, PREPARED_AT, seedLog, target } from '#test/helpers/sending-log.ts';
import { allPages, type Implementation, refusesPage, unique } from './support.ts';

const client = documentClient();

/** The log under contract, and the ledger that writes its entries. */
interface Subject {
  log: RecipientLogRepository;
  ledger: RecipientLedger;
}

const implementations: Array<Implementation<Subject>> = [
  {
    name: 'FakeRecipientLog',
    make: () => {
      const log = new FakeRecipientLog();
      return { log, ledger: new FakeLedger(log) };
    },
  },
  {
    name: 'DynamoRecipientLogRepository',
    make: () => ({
      log: new DynamoRecipientLogRepository({ client, tableName: sharedTables().recipients }),
      ledger: new DynamoRecipientLedger({ client, tableName: sharedTables().recipients }),
    }),
  },
];

const exclusion = (ref: LogRef, profileId: string, cause: ExclusionCause): ExclusionLogEntry => ({
  ...ref,
  profileId,
  email: cause === 'address-missing' ? null : `${profileId}@example.com`,
  status: 'ignored',
  cause,
  reason: `excluded: ${cause}`,
  at: '2026-11-22T09:00:00.000Z',
});

/** The logs' order: shard by shard, and by id within a shard. */
const byShardThenId = (a: string, b: string) => shardOf(a) - shardOf(b) || (a < b ? -1 : a > b ? 1 : 0);

describe.each(implementations)('RecipientLogRepository contract: $name', ({ make }) => {
  it('lists the sending log of one preparation shard by shard in id order, all or one status, page by page', async () => {
    const { log, ledger } = make();
    const deliveryId = unique('d');
    const ref = { deliveryId, version: 3 };
    const ids = Array.from(
      { length: 45 },
      (_, i) => `r${String(i).padStart(2, '0')}-${deliveryId.slice(2, 8)}`,
    );
    const entries = ids.map((id, i) =>
      i % 3 === 0
        ? logEntry(ref, id, 'sent', `2026-11-22T10:${String(i).padStart(2, '0')}:00.000Z`)
        : logEntry(ref, id, 'pending'),
    );
    // Written in reverse: the list's order is not the order of the writes.
    await seedLog(ledger, log, [...entries].reverse());
    // An older preparation of the same delivery is another log.
    await log.putTargets({ deliveryId, version: 2 }, [target('stale')], PREPARED_AT);
    const inOrder = [...entries].sort((a, b) => byShardThenId(a.recipientId, b.recipientId));

    for (const limit of [7, 50]) {
      expect((await allPages((page) => log.listSending(ref, {}, page), limit)).items).toEqual(inOrder);
    }
    expect((await allPages((page) => log.listSending(ref, { status: 'sent' }, page), 4)).items).toEqual(
      inOrder.filter((e) => e.status === 'sent'),
    );
    expect((await allPages((page) => log.listSending(ref, { status: 'pending' }, page), 6)).items).toEqual(
      inOrder.filter((e) => e.status === 'pending'),
    );
    expect(await log.listSending(ref, { status: 'failed' }, {})).toEqual({ items: [], nextCursor: null });
    expect(
      (await log.listSending({ deliveryId, version: 2 }, {}, {})).items.map((e) => e.recipientId),
    ).toEqual(['stale']);
  });

  it('rewrites a target when preparation writes it again (one recipient)', async () => {
    const { log } = make();
    const ref = { deliveryId: unique('d'), version: 1 };
    await log.putTargets(ref, [target('ann')], PREPARED_AT);
    await log.putTargets(ref, [target('ann', { email: 'new@example.com' })], PREPARED_AT);
    expect((await log.listSending(ref, {}, {})).items).toEqual([
      { ...logEntry(ref, 'ann', 'pending'), email: 'new@example.com' },
    ]);
  });

  it('lists the exclusion log shard by shard in profile id order, each cause, a missing address as null', async () => {
    const { log } = make();
    const ref = { deliveryId: unique('d'), version: 1 };
    const causes: ExclusionCause[] = [
      'address-missing',
      'duplicate-address',
      'quarantined',
      'denylisted',
      'opted-out',
    ];
    const entries = Array.from({ length: 12 }, (_, i) =>
      exclusion(ref, `p${i}-${ref.deliveryId.slice(2, 8)}`, causes[i % 5]!),
    );
    await log.putExclusions([...entries].reverse());
    const inOrder = [...entries].sort((a, b) => byShardThenId(a.profileId, b.profileId));
    expect((await allPages((page) => log.listExclusions(ref, page), 5)).items).toEqual(inOrder);
    expect(inOrder.find((e) => e.cause === 'address-missing')?.email).toBeNull();
    expect(await log.listExclusions({ ...ref, version: 2 }, {})).toEqual({ items: [], nextCursor: null });
  });

  it("gives a profile's history newest first: sent messages only, across deliveries and preparations", async () => {
    const { log, ledger } = make();
    const profileId = unique('p');
    const [d1, d2, d3] = [unique('d'), unique('d'), unique('d')];
    await seedLog(ledger, log, [
      logEntry({ deliveryId: d1, version: 1 }, profileId, 'sent', '2026-11-20T10:00:00.000Z'),
      logEntry({ deliveryId: d2, version: 1 }, profileId, 'delivered', '2026-11-22T10:00:00.000Z'),
      logEntry({ deliveryId: d3, version: 1 }, profileId, 'pending'),
      logEntry({ deliveryId: d3, version: 2 }, profileId, 'failed', '2026-11-21T10:00:00.000Z'),
      logEntry({ deliveryId: d1, version: 1 }, unique('other'), 'sent', '2026-11-21T10:00:00.000Z'),
    ]);
    const history = await allPages((page) => log.historyForProfile(profileId, page), 2);
    expect(history.items.map((e) => [e.deliveryId, e.version])).toEqual([
      [d2, 1],
      [d3, 2],
      [d1, 1],
    ]);
    expect(await log.historyForProfile(unique('p'), {})).toEqual({ items: [], nextCursor: null });
  });

  it('defaults to 50 a page and caps the limit at 100; a limit below 1 or a malformed cursor is a 400', async () => {
    const { log } = make();
    const ref = { deliveryId: unique('d'), version: 1 };
    const targets = Array.from({ length: 105 }, (_, i) => target(`r${String(i).padStart(3, '0')}`));
    await log.putTargets(ref, targets, PREPARED_AT);
    expect((await log.listSending(ref, {}, {})).items).toHaveLength(50);
    const capped = await log.listSending(ref, {}, { limit: 1_000 });
    expect(capped.items).toHaveLength(100);
    expect((await log.listSending(ref, {}, { cursor: capped.nextCursor! })).items).toHaveLength(5);
    await refusesPage(log.listSending(ref, {}, { limit: 0 }), 'limit');
    await refusesPage(log.listExclusions(ref, { limit: -1 }), 'limit');
    await refusesPage(log.historyForProfile('r000', { limit: 0 }), 'limit');
    await refusesPage(log.listSending(ref, {}, { cursor: 'not a cursor!' }), 'cursor');
  });
});
