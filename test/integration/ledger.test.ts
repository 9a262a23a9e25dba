/**
 * DynamoRecipientLedger against DynamoDB Local: the claim is the only way to SES, a recipient is sent at most
 * once, every status change moves the entry in the byStatus index, and an in-doubt claim is never resent.
 * The port's cases, held to the fake as well, are in test/integration/contract/ledger.test.ts; here, what the
 * adapter stores (index attributes, the spent claim's owner, reconciledAt).
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { sendingLogKey, shardOf } from '#adapters/dynamodb/keys.ts';
import { DynamoRecipientLedger } from '#adapters/dynamodb/ledger.ts';
import { DynamoRecipientLogRepository } from '#adapters/dynamodb/recipient-log.ts';
import type { LogRef } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { claimOf, logEntry } from '#test/helpers/sending-log.ts';

const client = documentClient();
const tableName = () => sharedTables().recipients;
const ledger = () => new DynamoRecipientLedger({ client, tableName: tableName() });
const log = () => new DynamoRecipientLogRepository({ client, tableName: tableName() });

/** A fresh prepared log with these recipients pending. */
const prepared = async (...recipientIds: string[]): Promise<LogRef> => {
  const ref = { deliveryId: `d-${randomUUID()}`, version: 2 };
  await log().putTargets(recipientIds.map((id) => logEntry(ref, id)));
  return ref;
};

/** The stored item, index attributes included. */
const raw = async (ref: LogRef, recipientId: string) =>
  (
    await client.send(
      new GetCommand({ TableName: tableName(), Key: sendingLogKey(ref, recipientId), ConsistentRead: true }),
    )
  ).Item;

describe('DynamoRecipientLedger (DynamoDB Local)', () => {
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
      ...logEntry(ref, 'ann'),
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
});

describe('DynamoRecipientLedger and SES events (DynamoDB Local)', () => {
  const SENT_AT = '2026-11-22T10:00:02.000Z';

  /** A fresh log whose recipients were claimed and sent by a sender (message ids unique to this log). */
  const sentLog = async (...recipientIds: string[]) => {
    const ref = await prepared(...recipientIds);
    const messageIds: Record<string, string> = {};
    for (const id of recipientIds) {
      const claim = claimOf(`sender-${id}`);
      await ledger().claim(ref, id, claim);
      messageIds[id] = `m-${randomUUID()}`;
      expect(await ledger().markSent(ref, id, claim, { sesMessageId: messageIds[id], at: SENT_AT })).toBe(
        true,
      );
    }
    return { ref, messageIds };
  };

  it('moves sent to delivered under the status it read; a stale status or a missing entry is refused', async () => {
    const { ref } = await sentLog('ann');
    const shard = shardOf('ann');
    const before = await ledger().get(ref, 'ann');
    const change = {
      status: 'delivered' as const,
      deliveredAt: '2026-11-22T10:00:05.000Z',
      updatedAt: '2026-11-22T10:00:06.000Z',
    };

    // The ingester read `pending` (stale): nothing is written.
    expect(await ledger().applyEvent(ref, 'ann', 'pending', change)).toBeNull();
    expect(await ledger().get(ref, 'ann')).toEqual(before);
    expect(await ledger().applyEvent(ref, 'nobody', 'sent', change)).toBeNull();
    expect(await raw(ref, 'nobody')).toBeUndefined();

    const result = await ledger().applyEvent(ref, 'ann', 'sent', change);
    expect(result).toEqual({
      before,
      after: { ...before, status: 'delivered', deliveredAt: change.deliveredAt, updatedAt: change.updatedAt },
    });
    expect(await ledger().get(ref, 'ann')).toEqual(result?.after);
    expect((await raw(ref, 'ann'))?.statusPk).toBe(`${sendingLogKey(ref, 'ann').pk}#delivered`);
    expect((await ledger().listByStatus(ref, shard, 'sent', null, 10)).recipientIds).toEqual([]);
    expect((await ledger().listByStatus(ref, shard, 'delivered', null, 10)).recipientIds).toEqual(['ann']);
    // The same event again reads `delivered` now: under `sent` it is refused.
    expect(await ledger().applyEvent(ref, 'ann', 'sent', change)).toBeNull();
    // The sending log shows the delivered time.
    const listed = await log().listSending(ref, { status: 'delivered' }, {});
    expect(result?.after).not.toHaveProperty('claim');
    expect(listed.items).toEqual([result?.after]);
  });

  it('lets exactly one of two concurrent status moves from the same status win', async () => {
    const { ref } = await sentLog('ann');
    const at = '2026-11-22T10:01:00.000Z';
    const results = await Promise.all([
      ledger().applyEvent(ref, 'ann', 'sent', { status: 'delivered', deliveredAt: at, updatedAt: at }),
      ledger().applyEvent(ref, 'ann', 'sent', {
        status: 'failed',
        failureType: 'hard',
        failureReason: 'Permanent bounce: General',
        updatedAt: at,
      }),
    ]);
    const won = results.filter((r) => r !== null);
    expect(won).toHaveLength(1);
    expect(await ledger().get(ref, 'ann')).toEqual(won[0]!.after);
    const shard = shardOf('ann');
    const status = won[0]!.after.status;
    expect((await ledger().listByStatus(ref, shard, status, null, 10)).recipientIds).toEqual(['ann']);
    if (status === 'failed') {
      expect(won[0]!.after).toMatchObject({
        failureType: 'hard',
        failureReason: 'Permanent bounce: General',
      });
      expect((await raw(ref, 'ann'))?.deliveredAt).toBeUndefined();
    }
  });

  it('reconciles an in-doubt entry once: message id, sent time and history, never counted again by the sender', async () => {
    const ref = await prepared('ann');
    const claim = claimOf('sender-a');
    await ledger().claim(ref, 'ann', claim);
    expect(await ledger().markInDoubt(ref, 'ann', claim, '2026-11-22T10:10:00.000Z')).toBe(true);
    const inDoubt = await ledger().get(ref, 'ann');
    expect(inDoubt?.claim).toEqual(claim);

    const sesMessageId = `m-${randomUUID()}`;
    const reconciledAt = '2026-11-22T10:12:00.000Z';
    const sent = { sesMessageId, at: '2026-11-22T10:00:01.000Z' };
    const result = await ledger().applyEvent(ref, 'ann', 'in-doubt', {
      status: 'sent',
      sent,
      updatedAt: reconciledAt,
    });
    const { claim: _spent, ...withoutClaim } = inDoubt!;
    const expected = {
      ...withoutClaim,
      status: 'sent' as const,
      sesMessageId,
      sentAt: sent.at,
      updatedAt: reconciledAt,
    };
    expect(result).toEqual({ before: inDoubt, after: expected });
    expect(await ledger().get(ref, 'ann')).toEqual(expected);

    const item = await raw(ref, 'ann');
    expect(item).toMatchObject({
      statusPk: `${sendingLogKey(ref, 'ann').pk}#sent`,
      historySk: `${sent.at}#${ref.deliveryId}`,
      reconciledAt,
      claimOwner: 'sender-a',
    });
    expect(item).not.toHaveProperty('leaseUntil');
    expect(await ledger().findBySesMessageId(sesMessageId)).toEqual({ ref, recipientId: 'ann' });
    const history = await log().historyForProfile('ann', { limit: 100 });
    expect(history.items.filter((e) => e.deliveryId === ref.deliveryId)).toEqual([expected]);
    expect((await ledger().listByStatus(ref, shardOf('ann'), 'in-doubt', null, 10)).recipientIds).toEqual([]);

    // A second reconcile (another event naming another message) is refused even under the right status.
    expect(
      await ledger().applyEvent(ref, 'ann', 'sent', {
        status: 'sent',
        sent: { sesMessageId: `m-${randomUUID()}`, at: sent.at },
        updatedAt: '2026-11-22T10:13:00.000Z',
      }),
    ).toBeNull();
    expect((await ledger().get(ref, 'ann'))?.sesMessageId).toBe(sesMessageId);
    // The in-doubt expiry no longer applies.
    expect(
      await ledger().markFailed(ref, 'ann', null, {
        failureType: 'error',
        failureReason: 'in doubt: no SES record',
        at: '2026-11-23T10:10:00.000Z',
      }),
    ).toBe(false);
  });

  it('refuses markSent on an entry an SES event reconciled first, even with the same message id', async () => {
    const ref = await prepared('ann', 'bob');
    const sesMessageId = `m-${randomUUID()}`;
    const sent = { sesMessageId, at: SENT_AT };
    // ann: the Send event overtook the sender's markSent (the claim holder is mid-call).
    const claim = claimOf('sender-a');
    await ledger().claim(ref, 'ann', claim);
    expect(
      await ledger().applyEvent(ref, 'ann', 'pending', {
        status: 'sent',
        sent,
        updatedAt: '2026-11-22T10:00:03Z',
      }),
    ).not.toBeNull();
    expect(await ledger().markSent(ref, 'ann', claim, sent)).toBe(false);
    expect(await raw(ref, 'ann')).toMatchObject({
      status: 'sent',
      sesMessageId,
      reconciledAt: '2026-11-22T10:00:03Z',
    });

    // bob: the sender's own write, retried after a lost answer, is still recognised.
    const bobClaim = claimOf('sender-b');
    await ledger().claim(ref, 'bob', bobClaim);
    const bobSent = { sesMessageId: `m-${randomUUID()}`, at: SENT_AT };
    expect(await ledger().markSent(ref, 'bob', bobClaim, bobSent)).toBe(true);
    expect(await ledger().markSent(ref, 'bob', bobClaim, bobSent)).toBe(true);
    expect(await raw(ref, 'bob')).not.toHaveProperty('reconciledAt');
  });

  it('refuses an empty change (nothing but updatedAt) without writing', async () => {
    const { ref } = await sentLog('ann');
    const before = await raw(ref, 'ann');
    await expect(
      ledger().applyEvent(ref, 'ann', 'sent', { updatedAt: '2026-11-22T13:00:00.000Z' }),
    ).rejects.toThrow(RangeError);
    expect(await raw(ref, 'ann')).toEqual(before);
  });
});
