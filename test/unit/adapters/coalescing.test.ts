/**
 * Read coalescing (shared/adapters/coalescing.ts): concurrent reads of one turn become one batch read, answered in
 * order; a failed batch fails its callers; consistent reads and every other method pass through, on the adapter
 * itself (private fields work).
 */
import { describe, expect, it } from 'vitest';
import { batchLoader, coalescingLedger, coalescingQuarantine } from '#adapters/coalescing.ts';
import type { QuarantineEntry } from '#domain/profiles.ts';
import type { LogRef, RecipientLedger } from '#ports/index.ts';
import { FakeLedger, FakeQuarantine, FakeRecipientLog } from '#test/helpers/fakes/index.ts';
import { PREPARED_AT, target } from '#test/helpers/sending-log.ts';

describe('batchLoader', () => {
  it('answers the loads of one turn with one call, in order; the next turn makes another call', async () => {
    const calls: number[][] = [];
    const load = batchLoader(async (keys: number[]) => {
      calls.push(keys);
      return keys.map((k) => k * 10);
    });
    expect(await Promise.all([load(1), load(2), load(3)])).toEqual([10, 20, 30]);
    expect(await load(4)).toBe(40);
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it('splits a turn of more than 100 loads into batches of 100', async () => {
    const sizes: number[] = [];
    const load = batchLoader(async (keys: number[]) => {
      sizes.push(keys.length);
      return keys;
    });
    const keys = Array.from({ length: 250 }, (_, i) => i);
    expect(await Promise.all(keys.map(load))).toEqual(keys);
    expect(sizes).toEqual([100, 100, 50]);
  });

  it('fails every caller of a failed batch, and only those', async () => {
    let fail = true;
    const load = batchLoader(async (keys: string[]) => {
      if (fail) throw new Error('throttled');
      return keys;
    });
    const results = await Promise.allSettled([load('a'), load('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await load('c')).toBe('c');
  });
});

describe('coalescingLedger', () => {
  const ref: LogRef = { deliveryId: 'd-1', version: 1 };

  it('gathers eventually consistent gets into getMany; a consistent get and other methods pass through', async () => {
    const log = new FakeRecipientLog();
    const ledger = new FakeLedger(log);
    await log.putTargets(
      ref,
      ['a', 'b', 'c'].map((id) => target(id)),
      PREPARED_AT,
    );
    await ledger.markSent(ref, target('b'), { sesMessageId: 'm-b', at: PREPARED_AT, by: 's' });
    const calls: string[] = [];
    const spied: RecipientLedger = Object.assign(Object.create(ledger) as RecipientLedger, {
      getMany: (keys: Parameters<RecipientLedger['getMany']>[0], options?: { consistent?: boolean }) => {
        calls.push(`getMany ${keys.length} ${options?.consistent}`);
        return ledger.getMany(keys);
      },
      get: (r: LogRef, id: string, options?: { consistent?: boolean }) => {
        calls.push(`get ${id} ${options?.consistent}`);
        return ledger.get(r, id);
      },
    });
    const coalesced = coalescingLedger(spied);
    const read = await Promise.all(
      ['a', 'b', 'x'].map((id) => coalesced.get(ref, id, { consistent: false })),
    );
    expect(read.map((e) => e?.status ?? null)).toEqual(['pending', 'sent', null]);
    expect((await coalesced.get(ref, 'c', { consistent: true }))?.status).toBe('pending');
    expect(calls).toEqual(['getMany 3 false', 'get c true']);
    const [page] = await coalesced.pagesOf(ref, ['a']);
    expect(page?.targets.map((t) => t.recipientId)).toContain('a');
  });

  it('keeps an adapter with private fields working', async () => {
    class WithPrivate {
      readonly #secret = 42;
      value() {
        return this.#secret;
      }
      getMany() {
        return Promise.resolve([]);
      }
    }
    const wrapped = coalescingLedger(
      new WithPrivate() as unknown as RecipientLedger,
    ) as unknown as WithPrivate;
    expect(wrapped.value()).toBe(42);
  });
});

describe('coalescingQuarantine', () => {
  it('gathers getMany calls into one; each caller gets the entries of its own addresses', async () => {
    const quarantine = new FakeQuarantine();
    const entry: QuarantineEntry = {
      address: 'ann@example.com',
      status: 'erroneous',
      errorCount: 1,
      lastErrorAt: PREPARED_AT,
      reason: 'mailbox full',
    };
    await quarantine.update('Ann@Example.com', () => entry);
    let calls = 0;
    const getMany = quarantine.getMany.bind(quarantine);
    quarantine.getMany = (addresses) => {
      calls += 1;
      return getMany(addresses);
    };
    const coalesced = coalescingQuarantine(quarantine);
    const [ann, bob, both] = await Promise.all([
      coalesced.getMany(['ann@example.com']),
      coalesced.getMany(['bob@example.com']),
      coalesced.getMany(['ANN@example.com', 'bob@example.com']),
    ]);
    expect(calls).toBe(1);
    expect(ann?.map((e) => e.address)).toEqual(['ann@example.com']);
    expect(bob).toEqual([]);
    expect(both?.map((e) => e.address)).toEqual(['ann@example.com']);
  });
});
