/**
 * RecipientLedger contract: the same cases against FakeLedger (over FakeRecipientLog) and DynamoRecipientLedger
 * (over DynamoRecipientLogRepository, on DynamoDB Local). The claim is the only way to SES, a recipient is sent
 * at most once, an in-doubt claim is never resent, and SES events move entries under the status they read.
 * Storage details (index attributes, stored claim owner) stay in test/integration/ledger.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DynamoRecipientLedger } from '#adapters/dynamodb/ledger.ts';
import { DynamoRecipientLogRepository } from '#adapters/dynamodb/recipient-log.ts';
import { shardOf } from '#domain/shards.ts';
import type { Claim, RecipientLedger, RecipientLogRepository } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeLedger, FakeRecipientLog } from '#test/helpers/fakes/index.ts';
import { claimOf, logEntry } from '#test/helpers/sending-log.ts';
import { idsInOneShard, type Implementation, unique } from './support.ts';

interface Subject {
  ledger: RecipientLedger;
  log: RecipientLogRepository;
}

const client = documentClient();

const implementations: Array<Implementation<Subject>> = [
  {
    name: 'FakeLedger',
    make: () => {
      const log = new FakeRecipientLog();
      return { log, ledger: new FakeLedger(log) };
    },
  },
  {
    name: 'DynamoRecipientLedger',
    make: () => {
      const tableName = sharedTables().recipients;
      return {
        log: new DynamoRecipientLogRepository({ client, tableName }),
        ledger: new DynamoRecipientLedger({ client, tableName }),
      };
    },
  },
];

const SENT_AT = '2026-11-22T10:00:02.000Z';

const failure = (failureReason: string, at = '2026-11-22T10:00:03.000Z') => ({
  failureType: 'error' as const,
  failureReason,
  at,
});

describe.each(implementations)('RecipientLedger contract: $name', ({ make }) => {
  /** A fresh prepared log (a delivery of its own) with these recipients pending. */
  const prepared = async (...recipientIds: string[]) => {
    const { ledger, log } = make();
    const ref = { deliveryId: unique('d'), version: 2 };
    await log.putTargets(recipientIds.map((id) => logEntry(ref, id)));
    return { ledger, log, ref };
  };

  /** A fresh log whose recipients were claimed and marked sent (message ids unique to this log). */
  const sentLog = async (...recipientIds: string[]) => {
    const subject = await prepared(...recipientIds);
    const messageIds: Record<string, string> = {};
    for (const id of recipientIds) {
      const claim = claimOf(`sender-${id}`);
      expect((await subject.ledger.claim(subject.ref, id, claim)).claimed).toBe(true);
      messageIds[id] = unique('m');
      expect(
        await subject.ledger.markSent(subject.ref, id, claim, { sesMessageId: messageIds[id], at: SENT_AT }),
      ).toBe(true);
    }
    return { ...subject, messageIds };
  };

  describe('claims', () => {
    it('claims a pending, unclaimed recipient: the entry comes back with the claim, updated at the claim time', async () => {
      const { ledger, ref } = await prepared('ann');
      const claim = claimOf('sender-a');
      const claimed = { ...logEntry(ref, 'ann'), updatedAt: claim.at, claim };
      expect(await ledger.claim(ref, 'ann', claim)).toEqual({ claimed: true, entry: claimed });
      expect(await ledger.get(ref, 'ann')).toEqual(claimed);
    });

    it('refuses a claim on an absent recipient (null) and on a claimed one (the entry with its claim)', async () => {
      const { ledger, ref } = await prepared('ann');
      expect(await ledger.get(ref, 'nobody')).toBeNull();
      expect(await ledger.claim(ref, 'nobody', claimOf('s'))).toEqual({ claimed: false, entry: null });
      const first = claimOf('sender-a');
      await ledger.claim(ref, 'ann', first);
      expect(await ledger.claim(ref, 'ann', claimOf('sender-b'))).toEqual({
        claimed: false,
        entry: { ...logEntry(ref, 'ann'), updatedAt: first.at, claim: first },
      });
    });

    it('lets exactly one of two concurrent claims win; the loser sees the winner’s claim', async () => {
      const { ledger, ref } = await prepared('ann');
      const a = claimOf('sender-a');
      const b = claimOf('sender-b');
      const results = await Promise.all([ledger.claim(ref, 'ann', a), ledger.claim(ref, 'ann', b)]);
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
      const winner = results[0]!.claimed ? a : b;
      expect(results.find((r) => !r.claimed)).toEqual({
        claimed: false,
        entry: { ...logEntry(ref, 'ann'), updatedAt: winner.at, claim: winner },
      });
      expect(await ledger.get(ref, 'ann')).toEqual({
        ...logEntry(ref, 'ann'),
        updatedAt: winner.at,
        claim: winner,
      });
    });

    it('gives back only the holder’s pending claim: a stale release does nothing, a released recipient is claimed again', async () => {
      const { ledger, ref } = await prepared('ann');
      const claim = claimOf('sender-a');
      await ledger.claim(ref, 'ann', claim);
      await ledger.release(ref, 'ann', claimOf('sender-b'));
      await ledger.release(ref, 'ann', { ...claim, at: '2026-11-22T09:59:00.000Z' });
      expect((await ledger.get(ref, 'ann'))?.claim).toEqual(claim);

      await ledger.release(ref, 'ann', claim);
      const released = await ledger.get(ref, 'ann');
      expect(released).toMatchObject({ status: 'pending' });
      expect(released).not.toHaveProperty('claim');
      expect(await ledger.claim(ref, 'ann', claimOf('sender-b'))).toMatchObject({
        claimed: true,
        entry: { claim: claimOf('sender-b') },
      });
      // Releasing an absent recipient is fine.
      await ledger.release(ref, 'nobody', claim);
      expect(await ledger.get(ref, 'nobody')).toBeNull();
    });

    it('never releases an in-doubt claim (it stays in doubt, never resent)', async () => {
      const { ledger, ref } = await prepared('ann');
      const claim = claimOf('sender-a');
      await ledger.claim(ref, 'ann', claim);
      expect(await ledger.markInDoubt(ref, 'ann', claim, '2026-11-22T10:10:00.000Z')).toBe(true);
      await ledger.release(ref, 'ann', claim);
      expect(await ledger.get(ref, 'ann')).toMatchObject({ status: 'in-doubt', claim });
      expect((await ledger.claim(ref, 'ann', claimOf('sender-b'))).claimed).toBe(false);
    });
  });

  describe('sends and failures', () => {
    it('marks sent only under the claim that is stored, and spends the claim', async () => {
      const { ledger, ref } = await prepared('ann', 'bob');
      const sent = { sesMessageId: unique('m'), at: SENT_AT };
      // Unclaimed, absent: refused.
      expect(await ledger.markSent(ref, 'bob', claimOf('sender-a'), sent)).toBe(false);
      expect(await ledger.markSent(ref, 'nobody', claimOf('sender-a'), sent)).toBe(false);

      const claim = claimOf('sender-a');
      await ledger.claim(ref, 'ann', claim);
      // Another owner, or the same owner's older claim, is stale.
      expect(await ledger.markSent(ref, 'ann', claimOf('sender-b'), sent)).toBe(false);
      expect(await ledger.markSent(ref, 'ann', { ...claim, at: '2026-11-22T09:59:00.000Z' }, sent)).toBe(
        false,
      );
      expect((await ledger.get(ref, 'ann'))?.status).toBe('pending');

      expect(await ledger.markSent(ref, 'ann', claim, sent)).toBe(true);
      expect(await ledger.get(ref, 'ann')).toEqual({
        ...logEntry(ref, 'ann'),
        status: 'sent',
        sesMessageId: sent.sesMessageId,
        sentAt: sent.at,
        updatedAt: sent.at,
      });
      expect((await ledger.get(ref, 'bob'))?.status).toBe('pending');
      // A sent recipient is never claimed again, and its spent claim gives nothing back.
      await ledger.release(ref, 'ann', claim);
      expect(await ledger.claim(ref, 'ann', claimOf('sender-c'))).toEqual({
        claimed: false,
        entry: await ledger.get(ref, 'ann'),
      });
    });

    it('recognises a retry of its own markSent (an SDK retry after a lost answer), not another message id', async () => {
      const { ledger, ref } = await prepared('ann');
      const claim = claimOf('sender-a');
      await ledger.claim(ref, 'ann', claim);
      const sent = { sesMessageId: unique('m'), at: SENT_AT };
      expect(await ledger.markSent(ref, 'ann', claim, sent)).toBe(true);
      expect(await ledger.markSent(ref, 'ann', claim, sent)).toBe(true);
      expect(await ledger.markSent(ref, 'ann', claim, { ...sent, sesMessageId: 'm-other' })).toBe(false);
      expect(await ledger.markSent(ref, 'ann', claimOf('sender-b'), sent)).toBe(false);
      expect((await ledger.get(ref, 'ann'))?.sesMessageId).toBe(sent.sesMessageId);
    });

    it('fails a claimed recipient (a permanent SES refusal) only under its claim, once, and spends the claim', async () => {
      const { ledger, ref } = await prepared('ann');
      const claim = claimOf('sender-a');
      await ledger.claim(ref, 'ann', claim);
      const refused = failure('MessageRejected');
      expect(await ledger.markFailed(ref, 'ann', claimOf('sender-b'), refused)).toBe(false);
      expect(await ledger.markFailed(ref, 'ann', claim, refused)).toBe(true);
      expect(await ledger.get(ref, 'ann')).toEqual({
        ...logEntry(ref, 'ann'),
        status: 'failed',
        failureType: 'error',
        failureReason: 'MessageRejected',
        updatedAt: refused.at,
      });
      expect(await ledger.markFailed(ref, 'ann', claim, refused)).toBe(false);
      expect(await ledger.markFailed(ref, 'nobody', claim, refused)).toBe(false);
    });

    it('makes a claimed recipient in-doubt only under its claim; then it is never claimed, sent or made in-doubt again', async () => {
      const { ledger, ref } = await prepared('ann');
      const claim = claimOf('sender-a');
      await ledger.claim(ref, 'ann', claim);
      expect(await ledger.markInDoubt(ref, 'ann', claimOf('sender-b'), '2026-11-22T10:10:00.000Z')).toBe(
        false,
      );
      expect(await ledger.markInDoubt(ref, 'ann', claim, '2026-11-22T10:10:00.000Z')).toBe(true);
      const inDoubt = {
        ...logEntry(ref, 'ann'),
        status: 'in-doubt',
        updatedAt: '2026-11-22T10:10:00.000Z',
        claim,
      };
      expect(await ledger.get(ref, 'ann')).toEqual(inDoubt);

      expect(await ledger.claim(ref, 'ann', claimOf('sender-c'))).toEqual({ claimed: false, entry: inDoubt });
      expect(await ledger.markSent(ref, 'ann', claim, { sesMessageId: 'm-late', at: SENT_AT })).toBe(false);
      expect(await ledger.markInDoubt(ref, 'ann', claim, '2026-11-22T10:12:00.000Z')).toBe(false);
      expect(await ledger.markFailed(ref, 'ann', claim, failure('MessageRejected'))).toBe(false);
      expect(await ledger.markInDoubt(ref, 'nobody', claim, '2026-11-22T10:12:00.000Z')).toBe(false);
      expect(await ledger.get(ref, 'ann')).toEqual(inDoubt);
    });

    it('fails an in-doubt recipient without a claim once its window has passed, once; never a pending one', async () => {
      const { ledger, ref } = await prepared('ann');
      const expired = failure('in doubt: no SES record', '2026-11-23T10:10:00.000Z');
      expect(await ledger.markFailed(ref, 'ann', null, expired)).toBe(false);
      const claim = claimOf('sender-a');
      await ledger.claim(ref, 'ann', claim);
      expect(await ledger.markFailed(ref, 'ann', null, expired)).toBe(false);
      await ledger.markInDoubt(ref, 'ann', claim, '2026-11-22T10:10:00.000Z');

      expect(await ledger.markFailed(ref, 'ann', null, expired)).toBe(true);
      expect(await ledger.get(ref, 'ann')).toMatchObject({
        status: 'failed',
        failureType: 'error',
        failureReason: 'in doubt: no SES record',
        updatedAt: expired.at,
      });
      // Once: a second sweeper loses.
      expect(await ledger.markFailed(ref, 'ann', null, expired)).toBe(false);
      expect(await ledger.markFailed(ref, 'nobody', null, expired)).toBe(false);
    });

    it('cancels a pending unclaimed recipient once, and never a claimed or an absent one', async () => {
      const { ledger, ref } = await prepared('ann', 'bob');
      await ledger.claim(ref, 'bob', claimOf('sender-a'));
      expect(await ledger.cancel(ref, 'bob', '2026-11-22T10:20:00.000Z')).toBe(false);
      expect((await ledger.get(ref, 'bob'))?.status).toBe('pending');

      expect(await ledger.cancel(ref, 'ann', '2026-11-22T10:20:00.000Z')).toBe(true);
      expect(await ledger.get(ref, 'ann')).toEqual({
        ...logEntry(ref, 'ann'),
        status: 'canceled',
        failureReason: 'Delivery canceled',
        updatedAt: '2026-11-22T10:20:00.000Z',
      });
      expect(await ledger.cancel(ref, 'ann', '2026-11-22T10:21:00.000Z')).toBe(false);
      expect((await ledger.claim(ref, 'ann', claimOf('sender-b'))).claimed).toBe(false);
      expect(await ledger.cancel(ref, 'nobody', '2026-11-22T10:21:00.000Z')).toBe(false);
    });

    it('keeps claims and internals out of the sending log and the history', async () => {
      const { ledger, log, ref } = await prepared('ann', 'bob', 'cid');
      const ann = claimOf('sender-a');
      await ledger.claim(ref, 'ann', ann);
      await ledger.markSent(ref, 'ann', ann, { sesMessageId: unique('m'), at: SENT_AT });
      const bob = claimOf('sender-b');
      await ledger.claim(ref, 'bob', bob);
      await ledger.markInDoubt(ref, 'bob', bob, '2026-11-22T10:10:00.000Z');
      await ledger.claim(ref, 'cid', claimOf('sender-c'));

      const listed = await log.listSending(ref, {}, {});
      expect(listed.items).toHaveLength(3);
      for (const entry of listed.items) {
        expect(entry).not.toHaveProperty('claim');
        expect(entry).toEqual(await ledger.get(ref, entry.recipientId).then((e) => e && withoutClaim(e)));
      }
      const history = await log.historyForProfile('ann', { limit: 100 });
      const mine = history.items.filter((e) => e.deliveryId === ref.deliveryId);
      expect(mine).toEqual([await ledger.get(ref, 'ann')]);
    });
  });

  describe('SES events', () => {
    it('finds an entry by its SES message id once it has one, and nothing for an unknown id', async () => {
      const { ledger, ref, messageIds } = await sentLog('ann', 'bob');
      expect(await ledger.findBySesMessageId(messageIds.bob!)).toEqual({ ref, recipientId: 'bob' });
      expect(await ledger.findBySesMessageId(messageIds.ann!)).toEqual({ ref, recipientId: 'ann' });
      expect(await ledger.findBySesMessageId(unique('m'))).toBeNull();
    });

    it('applies an event under the status it read (before and after); a stale status or an absent entry is refused', async () => {
      const { ledger, ref } = await sentLog('ann');
      const before = await ledger.get(ref, 'ann');
      const change = {
        status: 'delivered' as const,
        deliveredAt: '2026-11-22T10:00:05.000Z',
        updatedAt: '2026-11-22T10:00:06.000Z',
      };
      expect(await ledger.applyEvent(ref, 'ann', 'pending', change)).toBeNull();
      expect(await ledger.get(ref, 'ann')).toEqual(before);
      expect(await ledger.applyEvent(ref, 'nobody', 'sent', change)).toBeNull();
      expect(await ledger.get(ref, 'nobody')).toBeNull();

      const result = await ledger.applyEvent(ref, 'ann', 'sent', change);
      expect(result).toEqual({
        before,
        after: {
          ...before,
          status: 'delivered',
          deliveredAt: change.deliveredAt,
          updatedAt: change.updatedAt,
        },
      });
      expect(await ledger.get(ref, 'ann')).toEqual(result?.after);
      // The same event again reads `delivered` now: under `sent` it is refused.
      expect(await ledger.applyEvent(ref, 'ann', 'sent', change)).toBeNull();
    });

    it('moves a failure with its type and reason', async () => {
      const { ledger, ref } = await sentLog('ann');
      const result = await ledger.applyEvent(ref, 'ann', 'sent', {
        status: 'failed',
        failureType: 'hard',
        failureReason: 'Permanent bounce: General',
        updatedAt: '2026-11-22T10:01:00.000Z',
      });
      expect(result?.after).toEqual({
        ...result?.before,
        status: 'failed',
        failureType: 'hard',
        failureReason: 'Permanent bounce: General',
        updatedAt: '2026-11-22T10:01:00.000Z',
      });
      expect(await ledger.get(ref, 'ann')).toEqual(result?.after);
    });

    it('lets exactly one of two concurrent status moves from the same status win', async () => {
      const { ledger, ref } = await sentLog('ann');
      const at = '2026-11-22T10:01:00.000Z';
      const results = await Promise.all([
        ledger.applyEvent(ref, 'ann', 'sent', { status: 'delivered', deliveredAt: at, updatedAt: at }),
        ledger.applyEvent(ref, 'ann', 'sent', {
          status: 'failed',
          failureType: 'hard',
          failureReason: 'Permanent bounce: General',
          updatedAt: at,
        }),
      ]);
      const won = results.filter((r) => r !== null);
      expect(won).toHaveLength(1);
      expect(await ledger.get(ref, 'ann')).toEqual(won[0]!.after);
    });

    it('reconciles an in-doubt entry once: its message id and sent time, the claim spent; no in-doubt expiry afterwards', async () => {
      const { ledger, log, ref } = await prepared('ann');
      const claim = claimOf('sender-a');
      await ledger.claim(ref, 'ann', claim);
      await ledger.markInDoubt(ref, 'ann', claim, '2026-11-22T10:10:00.000Z');
      const inDoubt = await ledger.get(ref, 'ann');

      const sent = { sesMessageId: unique('m'), at: '2026-11-22T10:00:01.000Z' };
      const result = await ledger.applyEvent(ref, 'ann', 'in-doubt', {
        status: 'sent',
        sent,
        updatedAt: '2026-11-22T10:12:00.000Z',
      });
      const expected = {
        ...withoutClaim(inDoubt!),
        status: 'sent' as const,
        sesMessageId: sent.sesMessageId,
        sentAt: sent.at,
        updatedAt: '2026-11-22T10:12:00.000Z',
      };
      expect(result).toEqual({ before: inDoubt, after: expected });
      expect(await ledger.get(ref, 'ann')).toEqual(expected);
      expect(await ledger.findBySesMessageId(sent.sesMessageId)).toEqual({ ref, recipientId: 'ann' });
      const history = await log.historyForProfile('ann', { limit: 100 });
      expect(history.items.filter((e) => e.deliveryId === ref.deliveryId)).toEqual([expected]);

      // A second reconcile (another event naming another message) is refused even under the right status.
      expect(
        await ledger.applyEvent(ref, 'ann', 'sent', {
          status: 'sent',
          sent: { sesMessageId: unique('m'), at: sent.at },
          updatedAt: '2026-11-22T10:13:00.000Z',
        }),
      ).toBeNull();
      expect((await ledger.get(ref, 'ann'))?.sesMessageId).toBe(sent.sesMessageId);
      expect(await ledger.markFailed(ref, 'ann', null, failure('in doubt', '2026-11-23T10:10:00.000Z'))).toBe(
        false,
      );
    });

    it('refuses markSent on an entry an SES event reconciled first, even with the same message id', async () => {
      const { ledger, ref } = await prepared('ann');
      const claim = claimOf('sender-a');
      await ledger.claim(ref, 'ann', claim);
      const sent = { sesMessageId: unique('m'), at: SENT_AT };
      // The Send event overtook the sender's markSent (the claim holder is mid-call).
      const result = await ledger.applyEvent(ref, 'ann', 'pending', {
        status: 'sent',
        sent,
        updatedAt: '2026-11-22T10:00:03.000Z',
      });
      expect(result?.after).not.toHaveProperty('claim');
      expect(await ledger.markSent(ref, 'ann', claim, sent)).toBe(false);
      expect(await ledger.get(ref, 'ann')).toEqual(result?.after);
    });

    it('counts opens and clicks and keeps the first times; a click with no open sets the first open too', async () => {
      const { ledger, log, ref } = await sentLog('ann', 'bob');
      const t = (minute: number) => `2026-11-22T11:${String(minute).padStart(2, '0')}:00.000Z`;

      // ann: an open proves delivery (status, delivered time and the open in one write), then another open.
      const first = await ledger.applyEvent(ref, 'ann', 'sent', {
        status: 'delivered',
        deliveredAt: t(1),
        track: { kind: 'open', at: t(1) },
        updatedAt: t(2),
      });
      expect(first?.after).toMatchObject({
        status: 'delivered',
        opens: 1,
        firstOpenAt: t(1),
        deliveredAt: t(1),
      });
      expect(first?.before).not.toHaveProperty('opens');
      const second = await ledger.applyEvent(ref, 'ann', 'delivered', {
        track: { kind: 'open', at: t(5) },
        updatedAt: t(5),
      });
      expect(second?.before).toMatchObject({ opens: 1, firstOpenAt: t(1) });
      expect(second?.after).toMatchObject({ opens: 2, firstOpenAt: t(1), updatedAt: t(5) });
      expect(second?.after).not.toHaveProperty('clicks');
      expect(await ledger.get(ref, 'ann')).toEqual(second?.after);

      // bob: a click first sets both first times; a later open keeps them.
      const click = await ledger.applyEvent(ref, 'bob', 'sent', {
        status: 'delivered',
        deliveredAt: t(3),
        track: { kind: 'click', at: t(3) },
        updatedAt: t(3),
      });
      expect(click?.after).toMatchObject({ clicks: 1, firstClickAt: t(3), firstOpenAt: t(3) });
      expect(click?.after).not.toHaveProperty('opens');
      await ledger.applyEvent(ref, 'bob', 'delivered', {
        track: { kind: 'open', at: t(4) },
        updatedAt: t(4),
      });
      const afterClick = await ledger.applyEvent(ref, 'bob', 'delivered', {
        track: { kind: 'click', at: t(6) },
        updatedAt: t(6),
      });
      expect(afterClick?.after).toMatchObject({ opens: 1, clicks: 2, firstOpenAt: t(3), firstClickAt: t(3) });
      expect(await ledger.get(ref, 'bob')).toEqual(afterClick?.after);

      // The sending log shows the engagement.
      const listed = await log.listSending(ref, { status: 'delivered' }, {});
      expect(listed.items.find((e) => e.recipientId === 'bob')).toEqual(afterClick?.after);
    });

    it('adds concurrent opens atomically: each write reports the count it made', async () => {
      const { ledger, ref } = await sentLog('ann');
      const at = '2026-11-22T12:00:00.000Z';
      await ledger.applyEvent(ref, 'ann', 'sent', { status: 'delivered', deliveredAt: at, updatedAt: at });
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          ledger.applyEvent(ref, 'ann', 'delivered', { track: { kind: 'open', at }, updatedAt: at }),
        ),
      );
      expect(results.map((r) => r?.after.opens).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(results.map((r) => (r?.before.opens ?? 0) + 1).sort()).toEqual([1, 2, 3, 4, 5]);
      expect((await ledger.get(ref, 'ann'))?.opens).toBe(5);
    });

    it('refuses a change with nothing but updatedAt (RangeError) without writing, even for an absent entry', async () => {
      const { ledger, ref } = await sentLog('ann');
      const before = await ledger.get(ref, 'ann');
      const empty = { updatedAt: '2026-11-22T13:00:00.000Z' };
      await expect(ledger.applyEvent(ref, 'ann', 'sent', empty)).rejects.toThrow(RangeError);
      await expect(ledger.applyEvent(ref, 'nobody', 'sent', empty)).rejects.toThrow(RangeError);
      expect(await ledger.get(ref, 'ann')).toEqual(before);
    });

    it('takes any one field besides updatedAt as a change (a delivered time alone)', async () => {
      const { ledger, ref } = await sentLog('ann');
      const result = await ledger.applyEvent(ref, 'ann', 'sent', {
        deliveredAt: '2026-11-22T10:05:00.000Z',
        updatedAt: '2026-11-22T10:05:01.000Z',
      });
      expect(result?.after).toEqual({
        ...result?.before,
        deliveredAt: '2026-11-22T10:05:00.000Z',
        updatedAt: '2026-11-22T10:05:01.000Z',
      });
      expect(await ledger.get(ref, 'ann')).toEqual(result?.after);
    });
  });

  describe('lists by status', () => {
    it('lists one shard by status in id order, page by page; entries follow their status', async () => {
      const { shard, ids } = idsInOneShard(12, unique('s').slice(0, 10));
      const { ledger, log, ref } = await prepared(...ids);
      const sorted = [...ids].sort();
      // Another shard and another prepared version are other lists.
      const other = ['x', 'y', 'z']
        .map((prefix) => `${prefix}-${ids[0]}`)
        .find((id) => shardOf(id) !== shard)!;
      await log.putTargets([logEntry({ ...ref, version: 1 }, ids[0]!), logEntry(ref, other)]);

      const pages: string[][] = [];
      let after: string | null = null;
      do {
        const page: { recipientIds: string[]; last: string | null } = await ledger.listByStatus(
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
      expect(await ledger.listByStatus(ref, shard, 'pending', sorted[6]!, 5)).toEqual({
        recipientIds: sorted.slice(7, 12),
        last: null,
      });

      // Three sent, two canceled: they leave `pending` and appear under their new status.
      for (const id of sorted.slice(0, 3)) {
        const claim = claimOf(`s-${id}`);
        await ledger.claim(ref, id, claim);
        await ledger.markSent(ref, id, claim, { sesMessageId: unique('m'), at: SENT_AT });
      }
      for (const id of [sorted[4]!, sorted[8]!]) await ledger.cancel(ref, id, '2026-11-22T10:31:00.000Z');
      const stillPending = sorted.filter((_, i) => ![0, 1, 2, 4, 8].includes(i));
      expect(await ledger.listByStatus(ref, shard, 'pending', null, 100)).toEqual({
        recipientIds: stillPending,
        last: null,
      });
      expect((await ledger.listByStatus(ref, shard, 'sent', null, 100)).recipientIds).toEqual(
        sorted.slice(0, 3),
      );
      expect((await ledger.listByStatus(ref, shard, 'canceled', null, 100)).recipientIds).toEqual([
        sorted[4],
        sorted[8],
      ]);
      // A position whose entry left the status still continues after it.
      expect((await ledger.listByStatus(ref, shard, 'pending', sorted[4]!, 2)).recipientIds).toEqual([
        sorted[5],
        sorted[6],
      ]);
      expect(await ledger.listByStatus(ref, shard, 'in-doubt', null, 10)).toEqual({
        recipientIds: [],
        last: null,
      });
    });

    it('pages whole entries of one status, claims included, as the sweeper reads them', async () => {
      const { shard, ids } = idsInOneShard(5, unique('e').slice(0, 10));
      const { ledger, ref } = await prepared(...ids);
      const claim = claimOf('sender-1');
      await ledger.claim(ref, ids[1]!, claim);
      const first = await ledger.entriesByStatus(ref, shard, 'pending', null, 3);
      expect(first).toEqual({
        entries: [
          logEntry(ref, ids[0]!),
          { ...logEntry(ref, ids[1]!), updatedAt: claim.at, claim },
          logEntry(ref, ids[2]!),
        ],
        last: ids[2],
      });
      expect(await ledger.entriesByStatus(ref, shard, 'pending', first.last, 3)).toEqual({
        entries: [logEntry(ref, ids[3]!), logEntry(ref, ids[4]!)],
        last: null,
      });
      expect(await ledger.entriesByStatus(ref, shard, 'in-doubt', null, 3)).toEqual({
        entries: [],
        last: null,
      });
    });

    it('refuses a page size below 1', async () => {
      const { ledger, ref } = await prepared('ann');
      await expect(ledger.listByStatus(ref, shardOf('ann'), 'pending', null, 0)).rejects.toThrow(RangeError);
      await expect(ledger.entriesByStatus(ref, shardOf('ann'), 'pending', null, 0)).rejects.toThrow(
        RangeError,
      );
    });
  });
});

const withoutClaim = <T extends { claim?: Claim }>(entry: T): Omit<T, 'claim'> => {
  const { claim: _claim, ...rest } = entry;
  return rest;
};
