/**
 * DynamoQuarantineRepository.update against DynamoDB Local: read, compute with the domain, write only a change,
 * conditionally on the entry being as read. Races are ordered deterministically by holding one writer's requests
 * (an SDK middleware on its own client) until the other writer is done; every request reaches DynamoDB Local.
 * The port's cases, held to the fake as well, are in test/integration/contract/quarantine.test.ts; here, the
 * requests made and races ordered request by request.
 */
import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { quarantineKey } from '#adapters/dynamodb/keys.ts';
import { DynamoQuarantineRepository, QUARANTINE_UPDATE_RETRIES } from '#adapters/dynamodb/quarantine.ts';
import type { QuarantineEntry } from '#domain/profiles.ts';
import { type AddressEvent, nextQuarantine } from '#domain/quarantine.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';

const tableName = () => sharedTables().profiles;
const plain = documentClient();
const repo = (client = plain) => new DynamoQuarantineRepository({ client, tableName: tableName() });

type Operation = 'get' | 'put' | 'delete' | 'update' | 'other';
const operationOf = (commandName: string | undefined): Operation => {
  if (/^Get(Item)?Command$/.test(commandName ?? '')) return 'get';
  if (/^Put(Item)?Command$/.test(commandName ?? '')) return 'put';
  if (/^Delete(Item)?Command$/.test(commandName ?? '')) return 'delete';
  if (/^Update(Item)?Command$/.test(commandName ?? '')) return 'update';
  return 'other';
};

/**
 * A DocumentClient on DynamoDB Local whose requests wait for `before` and report to `after` once answered: the
 * requests are real, only their timing is held.
 */
const hookedClient = (hooks: {
  before?: (operation: Operation) => Promise<void>;
  after?: (operation: Operation) => void;
}) => {
  const client = documentClient();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = operationOf(context.commandName);
      await hooks.before?.(operation);
      const out = await next(args);
      hooks.after?.(operation);
      return out;
    },
    { step: 'initialize', name: 'testOrdering' },
  );
  return client;
};

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

const address = () => `q-${randomUUID().slice(0, 8)}@example.com`;
const day = (n: number) => new Date(Date.UTC(2026, 10, n, 9)).toISOString();
const soft = (at: string): AddressEvent => ({
  kind: 'soft-bounce',
  reason: 'Transient bounce: MailboxFull',
  at,
});
const byDomain = (to: string, event: AddressEvent) => (current: QuarantineEntry | null) =>
  nextQuarantine(to, current, event);

describe('DynamoQuarantineRepository.update (DynamoDB Local)', () => {
  it('writes nothing when the domain changes nothing (one consistent read only)', async () => {
    const to = address();
    const denylisted = await repo().update(to, byDomain(to, { kind: 'complaint', at: day(1) }));
    const operations: Operation[] = [];
    const counting = hookedClient({ after: (operation) => operations.push(operation) });
    expect(await repo(counting).update(to, byDomain(to, soft(day(5))))).toEqual(denylisted);
    expect(operations).toEqual(['get']);
    // An address that stays valid: no write either.
    operations.length = 0;
    expect(await repo(counting).update(address(), () => null)).toBeNull();
    expect(operations).toEqual(['get']);
  });

  it('stores the entry under the normalized address and refuses a next entry for another address', async () => {
    const run = randomUUID().slice(0, 8);
    const stored = await repo().update(` Mixed.${run}@Example.COM `, (current) => {
      expect(current).toBeNull();
      return {
        address: `MIXED.${run}@example.com`,
        status: 'quarantined',
        errorCount: 1,
        lastErrorAt: day(1),
        reason: 'Permanent bounce: General',
      };
    });
    expect(stored?.address).toBe(`mixed.${run}@example.com`);
    expect(await repo().getMany([`mixed.${run}@example.com`])).toEqual([stored]);
    expect(quarantineKey(` Mixed.${run}@Example.COM `).pk).toBe(`Q#mixed.${run}@example.com`);

    await expect(
      repo().update(`other.${run}@example.com`, () => ({ ...stored!, address: `mixed.${run}@example.com` })),
    ).rejects.toThrow(RangeError);
    expect(await repo().getMany([`other.${run}@example.com`])).toEqual([]);
  });

  it('applies both of two racing soft bounces a day apart: the loser re-reads and counts the second error', async () => {
    const to = address();
    const bRead = deferred();
    const aDone = deferred();
    let bGets = 0;
    let bPuts = 0;
    // B reads (nothing yet), then its first write waits until A has written.
    const clientB = hookedClient({
      before: async (operation) => {
        if (operation === 'put' && bPuts++ === 0) await aDone.promise;
      },
      after: (operation) => {
        if (operation === 'get' && bGets++ === 0) bRead.resolve();
      },
    });
    const seenByB: Array<QuarantineEntry | null> = [];
    const b = repo(clientB).update(to, (current) => {
      seenByB.push(current);
      return nextQuarantine(to, current, soft(day(2)));
    });
    await bRead.promise;
    const a = await repo().update(to, byDomain(to, soft(day(1))));
    expect(a).toMatchObject({ errorCount: 1, lastErrorAt: day(1) });
    aDone.resolve();

    const written = await b;
    expect(seenByB).toEqual([null, a]);
    expect(bPuts).toBe(2);
    expect(written).toMatchObject({ status: 'erroneous', errorCount: 2, lastErrorAt: day(2) });
    expect(await repo().getMany([to])).toEqual([written]);
  });

  it('does not delete an entry that moved after it was read; re-reads and decides again', async () => {
    const to = address();
    await repo().update(to, byDomain(to, soft(day(1))));
    const bRead = deferred();
    const aDone = deferred();
    let bGets = 0;
    let bDeletes = 0;
    const clientB = hookedClient({
      before: async (operation) => {
        if (operation === 'delete' && bDeletes++ === 0) await aDone.promise;
      },
      after: (operation) => {
        if (operation === 'get' && bGets++ === 0) bRead.resolve();
      },
    });
    // B: a delivery releases the erroneous address. A: meanwhile a hard bounce quarantines it.
    const seenByB: Array<QuarantineEntry | null> = [];
    const b = repo(clientB).update(to, (current) => {
      seenByB.push(current);
      return nextQuarantine(to, current, { kind: 'delivered', at: day(3) });
    });
    await bRead.promise;
    const a = await repo().update(
      to,
      byDomain(to, { kind: 'hard-bounce', reason: 'Permanent bounce: General', at: day(2) }),
    );
    aDone.resolve();

    // The quarantined entry stays: a delivery does not release it.
    expect(await b).toEqual(a);
    expect(seenByB.map((e) => e?.status)).toEqual(['erroneous', 'quarantined']);
    expect(await repo().getMany([to])).toEqual([a]);
  });

  it('gives up with an error after its retries when the entry keeps moving', async () => {
    const to = address();
    await repo().update(to, byDomain(to, soft(day(1))));
    // Before each of its writes, another writer moves the entry.
    const clientB = hookedClient({
      before: async (operation) => {
        if (operation !== 'put') return;
        await plain.send(
          new UpdateCommand({
            TableName: tableName(),
            Key: quarantineKey(to),
            UpdateExpression: 'ADD errorCount :one',
            ExpressionAttributeValues: { ':one': 1 },
          }),
        );
      },
    });
    let calls = 0;
    await expect(
      repo(clientB).update(to, (current) => {
        calls++;
        return { ...current!, lastErrorAt: day(9) };
      }),
    ).rejects.toThrow(/gave up/);
    expect(calls).toBe(1 + QUARANTINE_UPDATE_RETRIES);
    expect((await repo().getMany([to]))[0]).toMatchObject({
      errorCount: 1 + 1 + QUARANTINE_UPDATE_RETRIES,
      lastErrorAt: day(1),
    });
  });
});
