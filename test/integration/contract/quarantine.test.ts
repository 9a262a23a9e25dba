/**
 * QuarantineRepository contract: the same cases against FakeQuarantine and DynamoQuarantineRepository (the
 * `profiles` table on DynamoDB Local). Entries are kept per normalized address; `update` reads, asks the domain
 * for the next entry and writes only a change. Races ordered request by request, the number of requests and the
 * give-up after retries stay in test/integration/dynamodb-quarantine.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DynamoQuarantineRepository } from '#adapters/dynamodb/quarantine.ts';
import type { QuarantineEntry } from '#domain/profiles.ts';
import { type AddressEvent, nextQuarantine } from '#domain/quarantine.ts';
import type { QuarantineRepository } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeQuarantine } from '#test/helpers/fakes/index.ts';
import { type Implementation, unique } from './support.ts';

const client = documentClient();

const implementations: Array<Implementation<QuarantineRepository>> = [
  { name: 'FakeQuarantine', make: () => new FakeQuarantine() },
  {
    name: 'DynamoQuarantineRepository',
    make: () => new DynamoQuarantineRepository({ client, tableName: sharedTables().profiles }),
  },
];

const address = () => `${unique('q').slice(0, 12)}@example.com`;
const day = (n: number) => new Date(Date.UTC(2026, 10, n, 9)).toISOString();
const soft = (at: string): AddressEvent => ({
  kind: 'soft-bounce',
  reason: 'Transient bounce: MailboxFull',
  at,
});
const byDomain = (to: string, event: AddressEvent) => (current: QuarantineEntry | null) =>
  nextQuarantine(to, current, event);

describe.each(implementations)('QuarantineRepository contract: $name', ({ make }) => {
  it('creates, moves and keeps an entry; returns the entry as written', async () => {
    const repo = make();
    const to = address();
    expect(await repo.getMany([to])).toEqual([]);
    const first = await repo.update(to, byDomain(to, soft(day(1))));
    expect(first).toEqual({
      address: to,
      status: 'erroneous',
      errorCount: 1,
      lastErrorAt: day(1),
      reason: 'Transient bounce: MailboxFull',
    });
    expect(await repo.getMany([to])).toEqual([first]);

    const hard = await repo.update(
      to,
      byDomain(to, { kind: 'hard-bounce', reason: 'Permanent bounce: General', at: day(2) }),
    );
    expect(hard).toMatchObject({ status: 'quarantined', errorCount: 2, lastErrorAt: day(2) });
    expect(await repo.getMany([to])).toEqual([hard]);
    // A quarantined address is not released by a delivery: nothing changes.
    expect(await repo.update(to, byDomain(to, { kind: 'delivered', at: day(3) }))).toEqual(hard);
    expect(await repo.getMany([to])).toEqual([hard]);
  });

  it('deletes an entry the domain releases; an address that stays valid stays absent', async () => {
    const repo = make();
    const to = address();
    await repo.update(to, byDomain(to, soft(day(1))));
    expect(await repo.update(to, byDomain(to, { kind: 'delivered', at: day(2) }))).toBeNull();
    expect(await repo.getMany([to])).toEqual([]);
    const seen: Array<QuarantineEntry | null> = [];
    expect(
      await repo.update(to, (current) => {
        seen.push(current);
        return null;
      }),
    ).toBeNull();
    expect(seen).toEqual([null]);
  });

  it('keeps an entry under its normalized address: found whatever the case and spaces, stored in lower case', async () => {
    const repo = make();
    const local = unique('Mixed').slice(0, 14);
    const stored = await repo.update(` ${local}@Example.COM `, (current) => {
      expect(current).toBeNull();
      return {
        address: `${local.toUpperCase()}@example.com`,
        status: 'quarantined',
        errorCount: 1,
        lastErrorAt: day(1),
        reason: 'Permanent bounce: General',
      };
    });
    const normalized = `${local.toLowerCase()}@example.com`;
    expect(stored?.address).toBe(normalized);
    expect(await repo.getMany([normalized])).toEqual([stored]);
    expect(await repo.getMany([` ${local.toUpperCase()}@EXAMPLE.com`])).toEqual([stored]);
    // The next update reads the same entry.
    const seen: Array<QuarantineEntry | null> = [];
    await repo.update(normalized.toUpperCase(), (current) => {
      seen.push(current);
      return current;
    });
    expect(seen).toEqual([stored]);
  });

  it('answers the entries of the addresses asked, in their order, each once; absent ones are left out', async () => {
    const repo = make();
    const [a, b, c] = [address(), address(), address()];
    for (const to of [a, b]) await repo.update(to, byDomain(to, soft(day(1))));
    const found = await repo.getMany([b, c, a.toUpperCase(), b]);
    expect(found.map((e) => e.address)).toEqual([b, a]);
    expect(await repo.getMany([])).toEqual([]);
  });

  it('refuses a next entry for another address, writing nothing', async () => {
    const repo = make();
    const [to, other] = [address(), address()];
    await expect(
      repo.update(to, () => ({
        address: other,
        status: 'quarantined',
        errorCount: 1,
        lastErrorAt: day(1),
        reason: 'Permanent bounce: General',
      })),
    ).rejects.toThrow(RangeError);
    expect(await repo.getMany([to, other])).toEqual([]);
  });

  it('applies every one of five concurrent updates, each on the entry as it then is', async () => {
    const repo = make();
    const to = address();
    const increment = (current: QuarantineEntry | null): QuarantineEntry => ({
      address: to,
      status: 'erroneous',
      errorCount: (current?.errorCount ?? 0) + 1,
      lastErrorAt: day(1 + (current?.errorCount ?? 0)),
      reason: 'Transient bounce',
    });
    const results = await Promise.all(Array.from({ length: 5 }, () => repo.update(to, increment)));
    expect(results.map((r) => r?.errorCount).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await repo.getMany([to]))[0]?.errorCount).toBe(5);
  });
});
