/**
 * DynamoRecipientLedger against DynamoDB Local: the claim is the only way to SES, a recipient is sent at most
 * once, every status change moves the entry in the byStatus index, and an in-doubt claim is never resent.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { sendingLogKey, shardOf } from '../../shared/adapters/dynamodb/keys.ts';
import { DynamoRecipientLedger } from '../../shared/adapters/dynamodb/ledger.ts';
import { DynamoRecipientLogRepository } from '../../shared/adapters/dynamodb/recipient-log.ts';
import type { Claim, LogRef, SendingLogEntry } from '../../shared/ports/index.ts';
import { documentClient, sharedTables } from '../helpers/emulators.ts';

const client = documentClient();
const tableName = () => sharedTables().recipients;
const ledger = () => new DynamoRecipientLedger({ client, tableName: tableName() });
const log = () => new DynamoRecipientLogRepository({ client, tableName: tableName() });

const PREPARED_AT = '2026-11-22T09:00:00.000Z';

const pending = (ref: LogRef, recipientId: string): SendingLogEntry => ({
  ...ref,
  recipientId,
  profileId: recipientId,
  email: `${recipientId}@example.com`,
  status: 'pending',
  updatedAt: PREPARED_AT,
});

/** A fresh prepared log with these recipients pending. */
const prepared = async (...recipientIds: string[]): Promise<LogRef> => {
  const ref = { deliveryId: `d-${randomUUID()}`, version: 2 };
  await log().putTargets(recipientIds.map((id) => pending(ref, id)));
  return ref;
};

const claimOf = (owner: string, at = '2026-11-22T10:00:00.000Z'): Claim => ({
  owner,
  at,
  leaseUntil: '2026-11-22T10:05:00.000Z',
});

/** The stored item, index attributes included. */
const raw = async (ref: LogRef, recipientId: string) =>
  (
    await client.send(
      new GetCommand({ TableName: tableName(), Key: sendingLogKey(ref, recipientId), ConsistentRead: true }),
    )
  ).Item;

/** `count` recipient ids that all fall in one shard (the shard of the first). */
const idsInOneShard = (count: number, tag: string): { shard: number; ids: string[] } => {
  const ids: string[] = [];
  let shard = -1;
  for (let i = 0; ids.length < count; i++) {
    const id = `r${String(i).padStart(4, '0')}-${tag}`;
    if (shard === -1) shard = shardOf(id);
    if (shardOf(id) === shard) ids.push(id);
  }
  return { shard, ids };
};

describe('DynamoRecipientLedger (DynamoDB Local)', () => {
  it('lets exactly one of two concurrent claims win; the loser sees the winner’s claim', async () => {
    const ref = await prepared('ann');
    const a = claimOf('sender-a');
    const b = claimOf('sender-b');
    const results = await Promise.all([ledger().claim(ref, 'ann', a), ledger().claim(ref, 'ann', b)]);

    const won = results.filter((r) => r.claimed);
    expect(won).toHaveLength(1);
    const winner = results[0]!.claimed ? a : b;
    const lost = results.find((r) => !r.claimed);
    expect(lost).toEqual({
      claimed: false,
      entry: { ...pending(ref, 'ann'), updatedAt: winner.at, claim: winner },
    });
    expect(await ledger().get(ref, 'ann')).toEqual({
      ...pending(ref, 'ann'),
      updatedAt: winner.at,
      claim: winner,
    });
  });

  it('refuses a claim on an absent recipient (null) and on one already sent (the entry as stored)', async () => {
    const ref = await prepared('ann');
    expect(await ledger().claim(ref, 'nobody', claimOf('s'))).toEqual({ claimed: false, entry: null });

    const claim = claimOf('s1');
    expect(await ledger().claim(ref, 'ann', claim)).toMatchObject({
      claimed: true,
      entry: { recipientId: 'ann', status: 'pending', claim },
    });
    expect(
      await ledger().markSent(ref, 'ann', claim, { sesMessageId: 'm-1', at: '2026-11-22T10:00:01Z' }),
    ).toBe(true);
    const again = await ledger().claim(ref, 'ann', claimOf('s2'));
    expect(again).toMatchObject({
      claimed: false,
      entry: { status: 'sent', sesMessageId: 'm-1' },
    });
    if (again.claimed) throw new Error('claimed twice');
    expect(again.entry).not.toHaveProperty('claim');
  });

  it('marks sent only under the claim that is stored; the entry joins byStatus sent, bySesMessageId, byProfile', async () => {
    const ref = await prepared('ann');
    const claim = claimOf('sender-a');
    expect((await ledger().claim(ref, 'ann', claim)).claimed).toBe(true);
    const sent = { sesMessageId: `m-${randomUUID()}`, at: '2026-11-22T10:00:02.000Z' };

    // Another owner, or the same owner's older claim, is stale.
    expect(await ledger().markSent(ref, 'ann', claimOf('sender-b'), sent)).toBe(false);
    expect(await ledger().markSent(ref, 'ann', { ...claim, at: '2026-11-22T09:59:00.000Z' }, sent)).toBe(
      false,
    );
    expect((await ledger().get(ref, 'ann'))?.status).toBe('pending');

    expect(await ledger().markSent(ref, 'ann', claim, sent)).toBe(true);
    const item = await raw(ref, 'ann');
    expect(item).toMatchObject({
      status: 'sent',
      statusPk: `${sendingLogKey(ref, 'ann').pk}#sent`,
      sesMessageId: sent.sesMessageId,
      sentAt: sent.at,
      historySk: `${sent.at}#${ref.deliveryId}`,
      updatedAt: sent.at,
      claimOwner: 'sender-a',
      claimedAt: claim.at,
    });
    expect(item).not.toHaveProperty('leaseUntil');
    expect(await ledger().get(ref, 'ann')).toEqual({
      ...pending(ref, 'ann'),
      status: 'sent',
      sesMessageId: sent.sesMessageId,
      sentAt: sent.at,
      updatedAt: sent.at,
    });

    // The same write again (an SDK retry after a lost answer) is recognised; another message id is not.
    expect(await ledger().markSent(ref, 'ann', claim, sent)).toBe(true);
    expect(await ledger().markSent(ref, 'ann', claim, { ...sent, sesMessageId: 'm-other' })).toBe(false);

    const history = await log().historyForProfile('ann', { limit: 100 });
    expect(history.items.filter((e) => e.deliveryId === ref.deliveryId).map((e) => e.sesMessageId)).toEqual([
      sent.sesMessageId,
    ]);
    const shard = shardOf('ann');
    expect((await ledger().listByStatus(ref, shard, 'sent', null, 10)).recipientIds).toEqual(['ann']);
    expect((await ledger().listByStatus(ref, shard, 'pending', null, 10)).recipientIds).toEqual([]);
  });

  it('gives back a pending claim on release, so another sender can claim it; a stale release does nothing', async () => {
    const ref = await prepared('ann');
    const claim = claimOf('sender-a');
    await ledger().claim(ref, 'ann', claim);
    await ledger().release(ref, 'ann', claimOf('sender-b'));
    expect((await ledger().get(ref, 'ann'))?.claim).toEqual(claim);

    await ledger().release(ref, 'ann', claim);
    const entry = await ledger().get(ref, 'ann');
    expect(entry?.status).toBe('pending');
    expect(entry).not.toHaveProperty('claim');
    expect(await ledger().claim(ref, 'ann', claimOf('sender-b'))).toMatchObject({
      claimed: true,
      entry: { claim: claimOf('sender-b') },
    });
  });

  it('makes an expired claim in-doubt (never sent again), then failed once its window has passed', async () => {
    const ref = await prepared('ann');
    const claim = claimOf('sender-a');
    // Only an in-doubt entry can be failed without a claim.
    expect(
      await ledger().markFailed(ref, 'ann', null, {
        failureType: 'error',
        failureReason: 'in doubt: no SES record',
        at: '2026-11-22T11:00:00.000Z',
      }),
    ).toBe(false);
    await ledger().claim(ref, 'ann', claim);
    expect(await ledger().markInDoubt(ref, 'ann', claimOf('sender-b'), '2026-11-22T10:10:00.000Z')).toBe(
      false,
    );
    expect(await ledger().markInDoubt(ref, 'ann', claim, '2026-11-22T10:10:00.000Z')).toBe(true);
    expect(await ledger().get(ref, 'ann')).toMatchObject({
      status: 'in-doubt',
      updatedAt: '2026-11-22T10:10:00.000Z',
      claim: { owner: 'sender-a', at: claim.at },
    });
    expect((await raw(ref, 'ann'))?.statusPk).toBe(`${sendingLogKey(ref, 'ann').pk}#in-doubt`);

    // Never resent: not claimable, not releasable, not markable by its old claim holder.
    expect((await ledger().claim(ref, 'ann', claimOf('sender-c'))).claimed).toBe(false);
    await ledger().release(ref, 'ann', claim);
    expect(
      await ledger().markSent(ref, 'ann', claim, { sesMessageId: 'm-late', at: '2026-11-22T10:11:00Z' }),
    ).toBe(false);
    expect(await ledger().markInDoubt(ref, 'ann', claim, '2026-11-22T10:12:00.000Z')).toBe(false);
    expect((await ledger().get(ref, 'ann'))?.status).toBe('in-doubt');

    const failure = {
      failureType: 'error' as const,
      failureReason: 'in doubt: no SES record',
      at: '2026-11-23T10:10:00.000Z',
    };
    expect(await ledger().markFailed(ref, 'ann', null, failure)).toBe(true);
    expect(await ledger().get(ref, 'ann')).toMatchObject({
      status: 'failed',
      failureType: 'error',
      failureReason: 'in doubt: no SES record',
      updatedAt: failure.at,
    });
    expect((await raw(ref, 'ann'))?.statusPk).toBe(`${sendingLogKey(ref, 'ann').pk}#failed`);
    // Once: a second sweeper loses.
    expect(await ledger().markFailed(ref, 'ann', null, failure)).toBe(false);
  });

  it('fails a claimed recipient (a permanent SES refusal) only under its claim', async () => {
    const ref = await prepared('ann');
    const claim = claimOf('sender-a');
    await ledger().claim(ref, 'ann', claim);
    const failure = {
      failureType: 'error' as const,
      failureReason: 'MessageRejected',
      at: '2026-11-22T10:00:03Z',
    };
    expect(await ledger().markFailed(ref, 'ann', claimOf('sender-b'), failure)).toBe(false);
    expect(await ledger().markFailed(ref, 'ann', claim, failure)).toBe(true);
    expect(await ledger().get(ref, 'ann')).toMatchObject({
      status: 'failed',
      failureType: 'error',
      failureReason: 'MessageRejected',
    });
    expect(await raw(ref, 'ann')).not.toHaveProperty('leaseUntil');
    expect(await ledger().markFailed(ref, 'ann', claim, failure)).toBe(false);
  });

  it('cancels a pending unclaimed recipient once, and never a claimed one', async () => {
    const ref = await prepared('ann', 'bob');
    await ledger().claim(ref, 'bob', claimOf('sender-a'));
    expect(await ledger().cancel(ref, 'bob', '2026-11-22T10:20:00.000Z')).toBe(false);
    expect((await ledger().get(ref, 'bob'))?.status).toBe('pending');

    expect(await ledger().cancel(ref, 'ann', '2026-11-22T10:20:00.000Z')).toBe(true);
    expect(await ledger().get(ref, 'ann')).toEqual({
      ...pending(ref, 'ann'),
      status: 'canceled',
      failureReason: 'Delivery canceled',
      updatedAt: '2026-11-22T10:20:00.000Z',
    });
    expect(await ledger().cancel(ref, 'ann', '2026-11-22T10:21:00.000Z')).toBe(false);
    expect((await ledger().claim(ref, 'ann', claimOf('sender-b'))).claimed).toBe(false);
    expect(await ledger().cancel(ref, 'nobody', '2026-11-22T10:21:00.000Z')).toBe(false);
  });

  it('lists one shard by status in id order, page by page, and entries leave the list as their status moves', async () => {
    const { shard, ids } = idsInOneShard(12, randomUUID().slice(0, 6));
    const ref = await prepared(...ids);
    const sorted = [...ids].sort();
    // Another shard and another prepared version are other lists.
    const other = ids[0]!.replace(/^r0000/, 'x');
    await log().putTargets([pending({ ...ref, version: 1 }, ids[0]!), pending(ref, other)]);

    const pages: string[][] = [];
    let after: string | null = null;
    do {
      const page: { recipientIds: string[]; last: string | null } = await ledger().listByStatus(
        ref,
        shard,
        'pending',
        after,
        5,
      );
      pages.push(page.recipientIds);
      if (page.last !== null) expect(page.last).toBe(page.recipientIds.at(-1));
      after = page.last;
    } while (after !== null && pages.length < 10);
    expect(pages).toEqual([sorted.slice(0, 5), sorted.slice(5, 10), sorted.slice(10)]);
    // A page that ends exactly at the end of the shard says so.
    expect(await ledger().listByStatus(ref, shard, 'pending', sorted[6]!, 5)).toEqual({
      recipientIds: sorted.slice(7, 12),
      last: null,
    });

    // Three sent, two canceled: they leave `pending` and appear under their new status.
    for (const id of sorted.slice(0, 3)) {
      const claim = claimOf(`s-${id}`);
      await ledger().claim(ref, id, claim);
      await ledger().markSent(ref, id, claim, { sesMessageId: `m-${id}`, at: '2026-11-22T10:30:00.000Z' });
    }
    for (const id of [sorted[4]!, sorted[8]!]) await ledger().cancel(ref, id, '2026-11-22T10:31:00.000Z');
    const stillPending = sorted.filter((_, i) => ![0, 1, 2, 4, 8].includes(i));
    expect(await ledger().listByStatus(ref, shard, 'pending', null, 100)).toEqual({
      recipientIds: stillPending,
      last: null,
    });
    expect((await ledger().listByStatus(ref, shard, 'sent', null, 100)).recipientIds).toEqual(
      sorted.slice(0, 3),
    );
    expect((await ledger().listByStatus(ref, shard, 'canceled', null, 100)).recipientIds).toEqual([
      sorted[4],
      sorted[8],
    ]);
    // A position whose entry left the status still continues after it.
    expect((await ledger().listByStatus(ref, shard, 'pending', sorted[4]!, 2)).recipientIds).toEqual([
      sorted[5],
      sorted[6],
    ]);
    await expect(ledger().listByStatus(ref, shard, 'pending', null, 0)).rejects.toThrow(RangeError);
  });
});
