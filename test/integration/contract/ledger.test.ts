/**
 * RecipientLedger contract: the same cases against FakeLedger (over FakeRecipientLog) and DynamoRecipientLedger
 * (over DynamoRecipientLogRepository, on DynamoDB Local). A recipient is pending until its entry is created, once;
 * a sender calls SES only from the window of a page lease it holds, and the recipients of an expired window with no
 * entry are suspects, never sent; SES events move entries under what was read. Storage details (items, index keys,
 * internals) stay in test/integration/ledger.test.ts.
 *
 * The port's promise changed with issue #11 (docs/data-model.md): claims per recipient gave way to page leases,
 * entries are created at the outcome (markSent, markFailed, markInDoubt, cancel take the target), applyEvent takes
 * the entry read (a pending recipient's entry is created), and listByStatus/entriesByStatus gave way to the pages,
 * their entries, the leases and the in-doubt list. The cases follow. Later in #11, getMany: several recipients read
 * at once (the ingester's batch reads).
 */
import { describe, expect, it } from 'vitest';
import { DynamoRecipientLedger } from '#adapters/dynamodb/ledger.ts';
import { DynamoRecipientLogRepository } from '#adapters/dynamodb/recipient-log.ts';
import type { LogRef, RecipientLedger, RecipientLogRepository, Target } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeLedger, FakeRecipientLog } from '#test/helpers/fakes/index.ts';
import { logEntry, PREPARED_AT, target } from '#test/helpers/sending-log.ts';
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
const CLICKED_AT = '2026-11-22T10:05:00.000Z';
const NOW = new Date('2026-11-22T10:00:00.000Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);
const leaseOf = (owner: string, at = NOW, ms = 60_000) => ({
  owner,
  at: at.toISOString(),
  leaseUntil: new Date(at.getTime() + ms).toISOString(),
});

describe.each(implementations)('RecipientLedger contract: $name', ({ make }) => {
  /** A fresh prepared log (a delivery of its own) with these recipients pending. */
  const prepared = async (...recipientIds: string[]) => {
    const { ledger, log } = make();
    const ref: LogRef = { deliveryId: unique('d'), version: 2 };
    await log.putTargets(
      ref,
      recipientIds.map((id) => target(id)),
      PREPARED_AT,
    );
    return { ledger, log, ref };
  };
  const pageOf = async (ledger: RecipientLedger, ref: LogRef, id: string) => {
    const [page] = await ledger.pagesOf(ref, [id]);
    if (!page) throw new Error(`no page holds ${id}`);
    return page;
  };
  const sentAs = (sesMessageId: string, by = 'sender-a') => ({ sesMessageId, at: SENT_AT, by });

  describe('pages and pending recipients', () => {
    it('lists the pages of a shard in id order, page by page; finds the page of a recipient; none for others', async () => {
      const { shard, ids } = idsInOneShard(240, unique('s').slice(0, 10));
      const { ledger, ref } = await prepared(...[...ids].reverse());
      const sorted = [...ids].sort();
      const all: string[] = [];
      const pageIds: string[] = [];
      let after: string | null = null;
      do {
        const batch: Awaited<ReturnType<RecipientLedger['pages']>> = await ledger.pages(ref, shard, after, 1);
        for (const page of batch.pages) {
          expect(page.shard).toBe(shard);
          expect(page.id).toBe(page.targets[0]!.recipientId);
          expect(page.preparedAt).toBe(PREPARED_AT);
          expect(page.targets.length).toBeLessThanOrEqual(100);
          pageIds.push(page.id);
          all.push(...page.targets.map((t) => t.recipientId));
        }
        after = batch.last;
      } while (after !== null && pageIds.length < 20);
      expect(all).toEqual(sorted);
      expect(pageIds).toHaveLength(3);
      expect(await ledger.pages(ref, (shard + 1) % 16, null, 10)).toEqual({ pages: [], last: null });

      const [p] = await ledger.pagesOf(ref, [sorted[60]!, sorted[61]!, 'not-a-target']);
      expect(p?.targets.map((t) => t.recipientId)).toContain(sorted[61]);
      expect((await ledger.pagesOf(ref, [sorted[0]!, sorted[239]!])).map((x) => x.id).sort()).toEqual(
        [pageIds[0], pageIds[2]].sort(),
      );
      expect(await ledger.pagesOf(ref, ['not-a-target'])).toEqual([]);
      expect(await ledger.pages(ref, shard, null, 10)).toMatchObject({ last: null });
      await expect(ledger.pages(ref, shard, null, 0)).rejects.toThrow(RangeError);
    });

    it('keeps the prepared address and names; shows a pending recipient from its page, none for a non-target', async () => {
      const { ledger, log } = make();
      const ref = { deliveryId: unique('d'), version: 1 };
      const ann: Target = { ...target('ann'), firstName: 'Ann', lastName: 'Lee' };
      const bob: Target = { ...target('bob'), profileId: 'profile-of-bob' };
      await log.putTargets(ref, [ann, bob], PREPARED_AT);
      const targets = (await ledger.pagesOf(ref, ['ann', 'bob'])).flatMap((p) => p.targets);
      expect(targets.sort((a, b) => (a.recipientId < b.recipientId ? -1 : 1))).toEqual([ann, bob]);
      expect(await ledger.get(ref, 'ann')).toEqual(logEntry(ref, 'ann'));
      expect(await ledger.get(ref, 'bob')).toEqual({ ...logEntry(ref, 'bob'), profileId: 'profile-of-bob' });
      expect(await ledger.get(ref, 'nobody')).toBeNull();
    });
  });

  it('reads several recipients of several logs at once, in the order asked, as get reads each', async () => {
    const one = await prepared('ann', 'bob');
    const { ledger } = one;
    const other: LogRef = { deliveryId: unique('d'), version: 1 };
    await one.log.putTargets(other, [target('cy')], PREPARED_AT);
    await ledger.markSent(one.ref, target('bob'), sentAs('m-bob'));
    const keys = [
      { ref: other, recipientId: 'cy' },
      { ref: one.ref, recipientId: 'bob' },
      { ref: one.ref, recipientId: 'nobody' },
      { ref: one.ref, recipientId: 'ann' },
      { ref: one.ref, recipientId: 'bob' },
    ];
    const expected = await Promise.all(keys.map((k) => ledger.get(k.ref, k.recipientId)));
    expect(expected.map((e) => e?.status ?? null)).toEqual(['pending', 'sent', null, 'pending', 'sent']);
    expect(await ledger.getMany(keys, { consistent: true })).toEqual(expected);
    expect(await ledger.getMany([])).toEqual([]);
  });

  describe('entries, created once', () => {
    it('marks sent: the entry with its message id; a retry of the same write is recognised, any other refused', async () => {
      const { ledger, ref } = await prepared('ann', 'bob');
      const m = unique('m');
      expect(await ledger.markSent(ref, target('ann'), sentAs(m))).toBe(true);
      expect(await ledger.get(ref, 'ann')).toEqual({
        ...logEntry(ref, 'ann'),
        status: 'sent',
        sesMessageId: m,
        sentAt: SENT_AT,
        updatedAt: SENT_AT,
      });
      // The SDK retried a write whose answer was lost: the same message id from the same sender.
      expect(await ledger.markSent(ref, target('ann'), sentAs(m))).toBe(true);
      expect(await ledger.markSent(ref, target('ann'), sentAs('m-other'))).toBe(false);
      expect(await ledger.markSent(ref, target('ann'), sentAs(m, 'sender-b'))).toBe(false);
      expect((await ledger.get(ref, 'ann'))?.sesMessageId).toBe(m);
      expect((await ledger.get(ref, 'bob'))?.status).toBe('pending');
    });

    it('fails, makes in-doubt or cancels a pending recipient once; no entry is written over another', async () => {
      const { ledger, ref } = await prepared('ann', 'bob', 'cid', 'dan');
      const failure = { failureType: 'error' as const, failureReason: 'MessageRejected', at: SENT_AT };
      expect(await ledger.markFailed(ref, target('ann'), failure)).toBe(true);
      expect(await ledger.get(ref, 'ann')).toEqual({
        ...logEntry(ref, 'ann'),
        status: 'failed',
        failureType: 'error',
        failureReason: 'MessageRejected',
        updatedAt: SENT_AT,
      });
      expect(await ledger.markInDoubt(ref, target('bob'), SENT_AT)).toBe(true);
      expect(await ledger.get(ref, 'bob')).toEqual({
        ...logEntry(ref, 'bob'),
        status: 'in-doubt',
        updatedAt: SENT_AT,
      });
      expect(await ledger.cancel(ref, target('cid'), SENT_AT)).toBe(true);
      expect(await ledger.get(ref, 'cid')).toEqual({
        ...logEntry(ref, 'cid'),
        status: 'canceled',
        failureReason: 'Delivery canceled',
        updatedAt: SENT_AT,
      });
      for (const id of ['ann', 'bob', 'cid']) {
        const before = await ledger.get(ref, id);
        expect(await ledger.markSent(ref, target(id), sentAs(unique('m')))).toBe(false);
        expect(await ledger.markFailed(ref, target(id), failure)).toBe(false);
        expect(await ledger.markInDoubt(ref, target(id), SENT_AT)).toBe(false);
        expect(await ledger.cancel(ref, target(id), SENT_AT)).toBe(false);
        expect(await ledger.get(ref, id)).toEqual(before);
      }
      expect((await ledger.get(ref, 'dan'))?.status).toBe('pending');
    });

    it('lets exactly one of two concurrent writes of an entry win', async () => {
      const { ledger, ref } = await prepared('ann');
      const results = await Promise.all([
        ledger.markSent(ref, target('ann'), sentAs(unique('m'))),
        ledger.cancel(ref, target('ann'), SENT_AT),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await ledger.get(ref, 'ann'))?.status).toBe(results[0] ? 'sent' : 'canceled');
    });

    it('gives the entries of a page by recipient, the pending ones having none', async () => {
      const { shard, ids } = idsInOneShard(4, unique('e').slice(0, 10));
      const { ledger, ref } = await prepared(...ids);
      await ledger.markSent(ref, target(ids[1]!), sentAs(unique('m')));
      await ledger.cancel(ref, target(ids[3]!), SENT_AT);
      const [page] = (await ledger.pages(ref, shard, null, 10)).pages;
      const entries = await ledger.entriesOf(ref, page!);
      expect([...entries.keys()].sort()).toEqual([ids[1], ids[3]].sort());
      expect(entries.get(ids[3]!)).toEqual(await ledger.get(ref, ids[3]!));
    });
  });

  describe('page leases', () => {
    it('takes a free page with its window; refuses another owner while it holds; lets its owner take it again', async () => {
      const { ledger, ref } = await prepared('ann', 'bob');
      const page = await pageOf(ledger, ref, 'ann');
      const a = leaseOf('sender-a');
      expect(await ledger.acquire(ref, page, a, ['ann'], NOW)).toEqual({
        acquired: true,
        lease: { ...a, window: ['ann'] },
        suspects: [],
      });
      expect(await ledger.acquire(ref, page, leaseOf('sender-b'), ['ann'], later(59_000))).toEqual({
        acquired: false,
        lease: { ...a, window: ['ann'] },
      });
      expect((await ledger.leases(ref, page.shard)).get(page.id)).toEqual({ ...a, window: ['ann'] });
      const again = await ledger.acquire(ref, page, a, ['ann'], later(1_000));
      expect(again.acquired).toBe(true);
    });

    it('takes over an expired lease: its window’s recipients with no entry are suspects, in the new window', async () => {
      const { shard, ids } = idsInOneShard(4, unique('x').slice(0, 10));
      const { ledger, ref } = await prepared(...ids);
      const [page] = (await ledger.pages(ref, shard, null, 10)).pages;
      const [w, x, y, z] = [...ids].sort() as [string, string, string, string];
      await ledger.acquire(ref, page!, leaseOf('sender-a'), [w, x, y], NOW);
      await ledger.markSent(ref, target(w), sentAs(unique('m')));
      const b = leaseOf('sender-b', later(61_000));
      const taken = await ledger.acquire(ref, page!, b, [z], later(61_000));
      expect(taken).toEqual({ acquired: true, lease: { ...b, window: [x, y, z] }, suspects: [x, y] });
      // The old owner's window writes are refused from now on.
      const old = { ...leaseOf('sender-a'), window: [w, x, y] };
      expect(await ledger.extend(ref, page!, old, [z], later(120_000).toISOString())).toBe(false);
      expect((await ledger.leases(ref, shard)).get(page!.id)).toEqual({ ...b, window: [x, y, z] });
    });

    it('writes the next window under the lease; gives the page back with an empty window', async () => {
      const { ledger, ref } = await prepared('ann', 'bob');
      const page = await pageOf(ledger, ref, 'ann');
      const taken = await ledger.acquire(ref, page, leaseOf('sender-a'), ['ann'], NOW);
      if (!taken.acquired) throw new Error('not acquired');
      const until = later(90_000).toISOString();
      expect(await ledger.extend(ref, page, taken.lease, ['bob'], until)).toBe(true);
      expect((await ledger.leases(ref, page.shard)).get(page.id)).toEqual({
        ...taken.lease,
        window: ['bob'],
        leaseUntil: until,
      });
      // The lease as its holder knows it after that write.
      await ledger.release(ref, page, { ...taken.lease, window: ['bob'], leaseUntil: until }, later(2_000));
      expect((await ledger.leases(ref, page.shard)).get(page.id)).toEqual({
        ...taken.lease,
        window: [],
        leaseUntil: later(2_000).toISOString(),
      });
      // Given back: free for another sender, with nothing suspect.
      expect(
        await ledger.acquire(ref, page, leaseOf('sender-b', later(3_000)), ['bob'], later(3_000)),
      ).toMatchObject({
        acquired: true,
        suspects: [],
      });
    });

    it('gives back nothing its holder wrote after the lease was read: a late holder keeps the window it slid', async () => {
      // The sweeper reads a lease whose time ran out, but its holder is alive (its calls waited for the pacer) and
      // writes its next window before the sweeper gives the page back. Emptying that window would let the next
      // sender take the page with no suspects and send the holder's new recipients a second time.
      const { ledger, ref } = await prepared('ann', 'bob');
      const page = await pageOf(ledger, ref, 'ann');
      const taken = await ledger.acquire(ref, page, leaseOf('sender-a', NOW, 3_000), ['ann'], NOW);
      if (!taken.acquired) throw new Error('not acquired');
      const read = (await ledger.leases(ref, page.shard)).get(page.id)!;
      const until = later(8_000).toISOString();
      expect(await ledger.extend(ref, page, taken.lease, ['ann', 'bob'], until)).toBe(true);
      await ledger.release(ref, page, read, later(5_000));
      expect((await ledger.leases(ref, page.shard)).get(page.id)).toEqual({
        ...taken.lease,
        window: ['ann', 'bob'],
        leaseUntil: until,
      });
      expect(
        await ledger.acquire(ref, page, leaseOf('sender-b', later(6_000)), ['bob'], later(6_000)),
      ).toMatchObject({ acquired: false });
    });
  });

  describe('in doubt', () => {
    it('lists the in-doubt recipients with since when; fails each once after its window, never another status', async () => {
      const { ledger, ref } = await prepared('ann', 'bob', 'cid');
      await ledger.markInDoubt(ref, target('ann'), '2026-11-22T10:10:00.000Z');
      await ledger.markInDoubt(ref, target('cid'), '2026-11-22T10:11:00.000Z');
      await ledger.markSent(ref, target('bob'), sentAs(unique('m')));
      const first = await ledger.inDoubt(ref, null, 1);
      expect(first).toEqual({
        entries: [{ recipientId: 'ann', since: '2026-11-22T10:10:00.000Z' }],
        last: 'ann',
      });
      expect(await ledger.inDoubt(ref, 'ann', 1)).toEqual({
        entries: [{ recipientId: 'cid', since: '2026-11-22T10:11:00.000Z' }],
        last: null,
      });
      const expired = {
        failureType: 'error' as const,
        failureReason: 'in doubt: no SES record',
        at: '2026-11-23T10:10:00.000Z',
      };
      expect(await ledger.expireInDoubt(ref, 'ann', expired)).toBe(true);
      expect(await ledger.get(ref, 'ann')).toMatchObject({
        status: 'failed',
        failureType: 'error',
        updatedAt: expired.at,
      });
      expect(await ledger.expireInDoubt(ref, 'ann', expired)).toBe(false);
      expect(await ledger.expireInDoubt(ref, 'bob', expired)).toBe(false);
      expect(await ledger.expireInDoubt(ref, 'nobody', expired)).toBe(false);
      expect((await ledger.inDoubt(ref, null, 10)).entries.map((e) => e.recipientId)).toEqual(['cid']);
      await expect(ledger.inDoubt(ref, null, 0)).rejects.toThrow(RangeError);
    });
  });

  describe('the once-only resend of an in-doubt recipient', () => {
    const armAt = '2026-11-23T10:10:00.000Z';
    it('arms it once (a new window from then on); records what SES accepted only under its own arming', async () => {
      const { ledger, ref } = await prepared('ann', 'bob');
      await ledger.markInDoubt(ref, target('ann'), '2026-11-22T10:10:00.000Z');
      await ledger.markSent(ref, target('bob'), sentAs(unique('m')));
      expect(await ledger.armResend(ref, 'ann', { at: armAt, by: 'sweep-1' })).toBe(true);
      expect(await ledger.armResend(ref, 'ann', { at: armAt, by: 'sweep-2' })).toBe(false);
      expect(await ledger.armResend(ref, 'bob', { at: armAt, by: 'sweep-1' })).toBe(false);
      expect(await ledger.armResend(ref, 'nobody', { at: armAt, by: 'sweep-1' })).toBe(false);
      // Still in doubt, with a new since: the window starts again.
      expect((await ledger.inDoubt(ref, null, 10)).entries).toEqual([{ recipientId: 'ann', since: armAt }]);
      const sent = { sesMessageId: unique('m'), at: '2026-11-23T10:10:01.000Z' };
      expect(await ledger.markResent(ref, 'ann', { ...sent, by: 'sweep-2' })).toBe(false);
      expect(await ledger.markResent(ref, 'ann', { ...sent, by: 'sweep-1' })).toBe(true);
      expect(await ledger.markResent(ref, 'ann', { ...sent, by: 'sweep-1' })).toBe(false);
      const entry = await ledger.get(ref, 'ann');
      expect(entry).toMatchObject({ status: 'sent', sesMessageId: sent.sesMessageId, sentAt: sent.at });
      expect(entry).not.toHaveProperty('resentAt');
      expect(await ledger.findBySesMessageId(sent.sesMessageId, ['ann'])).toEqual({
        ref,
        recipientId: 'ann',
      });
      expect((await ledger.inDoubt(ref, null, 10)).entries).toEqual([]);
    });

    it('a resend left unrecorded (a crash after the SES call) is never armed again: it can only expire', async () => {
      const { ledger, ref } = await prepared('ann');
      await ledger.markInDoubt(ref, target('ann'), '2026-11-22T10:10:00.000Z');
      expect(await ledger.armResend(ref, 'ann', { at: armAt, by: 'sweep-1' })).toBe(true);
      expect(await ledger.armResend(ref, 'ann', { at: armAt, by: 'sweep-1' })).toBe(false);
      const failure = {
        failureType: 'error' as const,
        failureReason: 'in doubt: no SES record',
        at: SENT_AT,
      };
      expect(await ledger.expireInDoubt(ref, 'ann', failure)).toBe(true);
      expect(await ledger.get(ref, 'ann')).toMatchObject({ status: 'failed', failureType: 'error' });
    });

    it('withdraws its own arming only (SES did not take it): the recipient may be armed again', async () => {
      const { ledger, ref } = await prepared('ann');
      await ledger.markInDoubt(ref, target('ann'), '2026-11-22T10:10:00.000Z');
      expect(await ledger.armResend(ref, 'ann', { at: armAt, by: 'sweep-1' })).toBe(true);
      expect(await ledger.disarmResend(ref, 'ann', 'sweep-2')).toBe(false);
      expect(await ledger.disarmResend(ref, 'ann', 'sweep-1')).toBe(true);
      expect(await ledger.armResend(ref, 'ann', { at: armAt, by: 'sweep-3' })).toBe(true);
    });
  });

  describe('SES events', () => {
    it('notes a Send event on an entry once (a duplicate is refused), never without an entry, kept out of the log', async () => {
      const { ledger, log, ref } = await prepared('ann', 'bob', 'cid');
      await ledger.markSent(ref, target('ann'), sentAs(unique('m')));
      await ledger.markInDoubt(ref, target('bob'), '2026-11-22T10:10:00.000Z');
      const before = await ledger.get(ref, 'ann');
      expect(await ledger.noteSendEvent(ref, 'ann', '2026-11-22T10:11:00.000Z')).toBe(true);
      expect(await ledger.noteSendEvent(ref, 'ann', '2026-11-22T10:12:00.000Z')).toBe(false);
      expect(await ledger.noteSendEvent(ref, 'bob', '2026-11-22T10:11:00.000Z')).toBe(true);
      expect(await ledger.noteSendEvent(ref, 'cid', '2026-11-22T10:11:00.000Z')).toBe(false);
      expect(await ledger.noteSendEvent(ref, 'nobody', '2026-11-22T10:11:00.000Z')).toBe(false);
      expect(await ledger.get(ref, 'ann')).toEqual(before);
      expect(await ledger.get(ref, 'cid')).toMatchObject({ status: 'pending' });
      const listed = await log.listSending(ref, {}, {});
      for (const entry of listed.items) expect(entry).not.toHaveProperty('sendSeenAt');
    });

    it("finds an entry by its SES message id in its profiles' histories; nothing otherwise", async () => {
      const { ledger, log, ref } = await prepared('ann', 'bob');
      const m = unique('m');
      await ledger.markSent(ref, target('bob'), sentAs(m));
      // Bob's later messages of other deliveries, more than a page of his history: it is found behind them.
      for (let i = 0; i < 120; i++) {
        const later = { deliveryId: unique('d'), version: 1 };
        await log.putTargets(later, [target('bob')], PREPARED_AT);
        const at = new Date(Date.parse(SENT_AT) + (i + 1) * 60_000).toISOString();
        await ledger.markSent(later, target('bob'), { sesMessageId: unique('m'), at, by: 's' });
      }
      expect(await ledger.findBySesMessageId(m, ['ann', 'bob'])).toEqual({ ref, recipientId: 'bob' });
      expect(await ledger.findBySesMessageId(unique('m'), ['ann', 'bob'])).toBeNull();
      expect(await ledger.findBySesMessageId(m, ['ann'])).toBeNull();
      expect(await ledger.findBySesMessageId(m, [])).toBeNull();
    });

    it('applies an event under what was read (before and after); a stale read is refused', async () => {
      const { ledger, ref } = await prepared('ann');
      await ledger.markSent(ref, target('ann'), sentAs(unique('m')));
      const before = (await ledger.get(ref, 'ann'))!;
      const change = {
        status: 'delivered' as const,
        deliveredAt: '2026-11-22T10:00:05.000Z',
        updatedAt: '2026-11-22T10:00:06.000Z',
      };
      expect(await ledger.applyEvent(ref, { ...before, status: 'in-doubt' }, change)).toBeNull();
      expect(await ledger.get(ref, 'ann')).toEqual(before);
      const result = await ledger.applyEvent(ref, before, change);
      const after = {
        ...before,
        status: 'delivered',
        deliveredAt: change.deliveredAt,
        updatedAt: change.updatedAt,
      };
      expect(result).toEqual({ before, after });
      expect(await ledger.get(ref, 'ann')).toEqual(after);
      // The same event again, from the same stale read, is refused.
      expect(await ledger.applyEvent(ref, before, change)).toBeNull();
    });

    it('undoes a soft failure: delivered, its failure type and reason removed', async () => {
      const { ledger, ref } = await prepared('ann');
      await ledger.markSent(ref, target('ann'), sentAs(unique('m')));
      const sent = (await ledger.get(ref, 'ann'))!;
      const failed = await ledger.applyEvent(ref, sent, {
        status: 'failed',
        failureType: 'soft',
        failureReason: 'Transient bounce (General)',
        updatedAt: '2026-11-22T10:00:05.000Z',
      });
      const result = await ledger.applyEvent(ref, failed!.after, {
        status: 'delivered',
        clearFailure: true,
        deliveredAt: '2026-11-22T10:00:04.000Z',
        updatedAt: '2026-11-22T10:00:06.000Z',
      });
      const after = {
        ...sent,
        status: 'delivered',
        deliveredAt: '2026-11-22T10:00:04.000Z',
        updatedAt: '2026-11-22T10:00:06.000Z',
      };
      expect(result?.after).toEqual(after);
      expect(await ledger.get(ref, 'ann')).toEqual(after);
    });

    it('creates the entry of a pending recipient an event names first; the sender’s markSent then counts nothing', async () => {
      const { ledger, ref } = await prepared('ann');
      const pending = (await ledger.get(ref, 'ann'))!;
      const sent = { sesMessageId: unique('m'), at: '2026-11-22T10:00:01.000Z' };
      const result = await ledger.applyEvent(ref, pending, {
        status: 'sent',
        sent,
        updatedAt: '2026-11-22T10:00:03.000Z',
      });
      const after = {
        ...pending,
        status: 'sent',
        sesMessageId: sent.sesMessageId,
        sentAt: sent.at,
        updatedAt: '2026-11-22T10:00:03.000Z',
      };
      expect(result).toEqual({ before: pending, after });
      expect(await ledger.get(ref, 'ann')).toEqual(after);
      expect(await ledger.markSent(ref, target('ann'), { ...sent, by: 'sender-a' })).toBe(false);
      // A second creation from the same pending read is refused.
      expect(await ledger.applyEvent(ref, pending, { status: 'sent', sent, updatedAt: SENT_AT })).toBeNull();
    });

    it('reconciles an in-doubt entry once: its message id and sent time; out of the in-doubt list and into the history', async () => {
      const { ledger, log, ref } = await prepared('ann');
      await ledger.markInDoubt(ref, target('ann'), '2026-11-22T10:10:00.000Z');
      const inDoubt = (await ledger.get(ref, 'ann'))!;
      const sent = { sesMessageId: unique('m'), at: '2026-11-22T10:00:01.000Z' };
      const result = await ledger.applyEvent(ref, inDoubt, {
        status: 'sent',
        sent,
        updatedAt: '2026-11-22T10:12:00.000Z',
      });
      const expected = {
        ...inDoubt,
        status: 'sent' as const,
        sesMessageId: sent.sesMessageId,
        sentAt: sent.at,
        updatedAt: '2026-11-22T10:12:00.000Z',
      };
      expect(result).toEqual({ before: inDoubt, after: expected });
      expect(await ledger.findBySesMessageId(sent.sesMessageId, ['ann'])).toEqual({
        ref,
        recipientId: 'ann',
      });
      expect((await ledger.inDoubt(ref, null, 10)).entries).toEqual([]);
      const history = await log.historyForProfile('ann', { limit: 100 });
      expect(history.items.filter((e) => e.deliveryId === ref.deliveryId)).toEqual([expected]);
      // A second reconcile (another message) is refused even under the right status.
      expect(
        await ledger.applyEvent(ref, expected, {
          status: 'sent',
          sent: { sesMessageId: unique('m'), at: sent.at },
          updatedAt: '2026-11-22T10:13:00.000Z',
        }),
      ).toBeNull();
      expect(
        await ledger.expireInDoubt(ref, 'ann', { failureType: 'error', failureReason: 'x', at: SENT_AT }),
      ).toBe(false);
    });

    it('reconciles a recipient failed in doubt (no message id): no failure left, its message id recorded', async () => {
      const { ledger, ref } = await prepared('ann');
      await ledger.markInDoubt(ref, target('ann'), '2026-11-22T10:10:00.000Z');
      await ledger.expireInDoubt(ref, 'ann', {
        failureType: 'error',
        failureReason: 'in doubt: no SES record',
        at: '2026-11-23T10:10:00.000Z',
      });
      const failed = (await ledger.get(ref, 'ann'))!;
      const sent = { sesMessageId: unique('m'), at: '2026-11-22T10:00:01.000Z' };
      const result = await ledger.applyEvent(ref, failed, {
        status: 'delivered',
        deliveredAt: '2026-11-22T10:00:02.000Z',
        sent,
        updatedAt: '2026-11-23T10:12:00.000Z',
      });
      const { failureType: _t, failureReason: _r, ...rest } = failed;
      const expected = {
        ...rest,
        status: 'delivered' as const,
        deliveredAt: '2026-11-22T10:00:02.000Z',
        sesMessageId: sent.sesMessageId,
        sentAt: sent.at,
        updatedAt: '2026-11-23T10:12:00.000Z',
      };
      expect(result).toEqual({ before: failed, after: expected });
      expect(await ledger.get(ref, 'ann')).toEqual(expected);
    });

    it('lets exactly one of two concurrent status moves from the same read win', async () => {
      const { ledger, ref } = await prepared('ann');
      await ledger.markSent(ref, target('ann'), sentAs(unique('m')));
      const before = (await ledger.get(ref, 'ann'))!;
      const at = '2026-11-22T10:01:00.000Z';
      const results = await Promise.all([
        ledger.applyEvent(ref, before, { status: 'delivered', deliveredAt: at, updatedAt: at }),
        ledger.applyEvent(ref, before, {
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

    it('counts opens and clicks and keeps the first times; a click with no open sets the first open too', async () => {
      const { ledger, log, ref } = await prepared('ann', 'bob');
      await ledger.markSent(ref, target('ann'), sentAs(unique('m')));
      await ledger.markSent(ref, target('bob'), sentAs(unique('m')));
      const t = (minute: number) => `2026-11-22T11:${String(minute).padStart(2, '0')}:00.000Z`;
      const ann = (await ledger.get(ref, 'ann'))!;
      const first = await ledger.applyEvent(ref, ann, {
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
      const second = await ledger.applyEvent(ref, first!.after, {
        track: { kind: 'open', at: t(5) },
        updatedAt: t(5),
      });
      expect(second?.after).toMatchObject({ opens: 2, firstOpenAt: t(1), updatedAt: t(5) });
      expect(second?.after).not.toHaveProperty('clicks');
      expect(await ledger.get(ref, 'ann')).toEqual(second?.after);

      const bob = (await ledger.get(ref, 'bob'))!;
      const click = await ledger.applyEvent(ref, bob, {
        status: 'delivered',
        deliveredAt: t(3),
        track: { kind: 'click', at: t(3) },
        updatedAt: t(3),
      });
      expect(click?.after).toMatchObject({ clicks: 1, firstClickAt: t(3), firstOpenAt: t(3) });
      expect(click?.after).not.toHaveProperty('opens');
      const listed = await log.listSending(ref, { status: 'delivered' }, {});
      expect(listed.items.find((e) => e.recipientId === 'bob')).toEqual(click?.after);
    });

    it('adds concurrent opens atomically: each write reports the count it made', async () => {
      const { ledger, ref } = await prepared('ann');
      await ledger.markSent(ref, target('ann'), sentAs(unique('m')));
      const at = '2026-11-22T12:00:00.000Z';
      const sent = (await ledger.get(ref, 'ann'))!;
      const delivered = (await ledger.applyEvent(ref, sent, {
        status: 'delivered',
        deliveredAt: at,
        updatedAt: at,
      }))!.after;
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          ledger.applyEvent(ref, delivered, { track: { kind: 'open', at }, updatedAt: at }),
        ),
      );
      expect(results.map((r) => r?.after.opens).sort()).toEqual([1, 2, 3, 4, 5]);
      expect((await ledger.get(ref, 'ann'))?.opens).toBe(5);
    });

    it('refuses a change with nothing but updatedAt (RangeError) without writing, even for a pending recipient', async () => {
      const { ledger, ref } = await prepared('ann', 'bob');
      await ledger.markSent(ref, target('ann'), sentAs(unique('m')));
      const before = (await ledger.get(ref, 'ann'))!;
      const empty = { updatedAt: '2026-11-22T13:00:00.000Z' };
      await expect(ledger.applyEvent(ref, before, empty)).rejects.toThrow(RangeError);
      await expect(ledger.applyEvent(ref, (await ledger.get(ref, 'bob'))!, empty)).rejects.toThrow(
        RangeError,
      );
      expect(await ledger.get(ref, 'ann')).toEqual(before);
      expect((await ledger.get(ref, 'bob'))?.status).toBe('pending');
    });

    it('keeps internals out of the sending log and the history', async () => {
      const { ledger, log, ref } = await prepared('ann', 'bob', 'cid');
      await ledger.markSent(ref, target('ann'), sentAs(unique('m')));
      await ledger.markInDoubt(ref, target('bob'), '2026-11-22T10:10:00.000Z');
      const listed = await log.listSending(ref, {}, {});
      expect(listed.items).toHaveLength(3);
      for (const entry of listed.items) expect(entry).toEqual(await ledger.get(ref, entry.recipientId));
      const history = await log.historyForProfile('ann', { limit: 100 });
      expect(history.items.filter((e) => e.deliveryId === ref.deliveryId)).toEqual([
        await ledger.get(ref, 'ann'),
      ]);
    });
  });
});

describe.each(implementations)('RecipientLedger contract, the recount scan: $name', ({ make }) => {
  it('scans the entries of one shard in id order, each once, with the facts a recount needs, none pending', async () => {
    const { ledger, log } = make();
    const ref: LogRef = { deliveryId: unique('d'), version: 1 };
    const { shard, ids } = idsInOneShard(7, unique('s'));
    await log.putTargets(
      ref,
      ids.map((id) => target(id)),
      PREPARED_AT,
    );
    const [a, b, c, d, e] = ids as [string, string, string, string, string];
    await ledger.markSent(ref, target(a), { sesMessageId: `m-${a}`, at: SENT_AT, by: 's' });
    await ledger.markSent(ref, target(b), { sesMessageId: `m-${b}`, at: SENT_AT, by: 's' });
    await ledger.markFailed(ref, target(c), { failureType: 'error', failureReason: 'x', at: SENT_AT });
    await ledger.markInDoubt(ref, target(d), SENT_AT);
    await ledger.cancel(ref, target(e), SENT_AT);
    const sentB = await ledger.get(ref, b);
    await ledger.applyEvent(ref, sentB!, {
      status: 'delivered',
      deliveredAt: SENT_AT,
      track: { kind: 'click', at: SENT_AT },
      updatedAt: CLICKED_AT,
    });
    const seen: Array<Awaited<ReturnType<RecipientLedger['scanEntries']>>['entries'][number]> = [];
    let after: string | null = null;
    let reads = 0;
    do {
      const page: Awaited<ReturnType<RecipientLedger['scanEntries']>> = await ledger.scanEntries(
        ref,
        shard,
        after,
        2,
      );
      seen.push(...page.entries);
      after = page.last;
      reads++;
    } while (after !== null && reads < 10);
    expect(seen).toEqual(
      [
        { recipientId: a, status: 'sent', hasMessageId: true, opens: 0, clicks: 0, updatedAt: SENT_AT },
        {
          recipientId: b,
          status: 'delivered',
          hasMessageId: true,
          opens: 0,
          clicks: 1,
          updatedAt: CLICKED_AT,
        },
        { recipientId: c, status: 'failed', hasMessageId: false, opens: 0, clicks: 0, updatedAt: SENT_AT },
        { recipientId: d, status: 'in-doubt', hasMessageId: false, opens: 0, clicks: 0, updatedAt: SENT_AT },
        { recipientId: e, status: 'canceled', hasMessageId: false, opens: 0, clicks: 0, updatedAt: SENT_AT },
      ].sort((x, y) => (x.recipientId < y.recipientId ? -1 : 1)),
    );
    // Another shard of the same log has none of them.
    expect((await ledger.scanEntries(ref, (shard + 1) % 16, null, 100)).entries).toEqual([]);
    await expect(ledger.scanEntries(ref, shard, null, 0)).rejects.toThrow(RangeError);
  });
});
