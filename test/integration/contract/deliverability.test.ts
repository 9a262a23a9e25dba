/**
 * ProofLog and GuardCounters contracts: the same cases against the fakes and the DynamoDB adapters (DynamoDB Local,
 * shared tables, unique delivery ids). Their items' shape is in docs/data-model.md, "Deliverability items".
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoProofLog, proofKey } from '#adapters/dynamodb/proofs.ts';
import { DynamoGuardCounters, guardKey } from '#adapters/dynamodb/reputation-guard.ts';
import type { GuardCounters, Proof, ProofLog } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeGuardCounters, FakeProofLog } from '#test/helpers/fakes/index.ts';
import { allPages, type Implementation, unique } from './support.ts';

const client = documentClient();
const table = () => sharedTables().deliveries;

const proof = (
  deliveryId: string,
  proofId: string,
  addresses = ['a@example.com', 'b@example.com'],
): Proof => ({
  deliveryId,
  proofId,
  version: 2,
  subject: '[Proof] Hello',
  sentAt: '2026-11-22T10:00:00.000Z',
  sentBy: { sub: 'sub-pat', username: 'pat' },
  recipients: addresses.map((address) => ({
    address,
    status: 'pending',
    opens: 0,
    clicks: 0,
    updatedAt: '2026-11-22T10:00:00.000Z',
  })),
});

const proofLogs: Array<Implementation<ProofLog>> = [
  { name: 'FakeProofLog', make: () => new FakeProofLog() },
  { name: 'DynamoProofLog', make: () => new DynamoProofLog({ client, tableName: table() }) },
];

describe.each(proofLogs)('ProofLog contract: $name', ({ make }) => {
  it('stores a proof and lists a delivery’s proofs newest first, in pages', async () => {
    const log = make();
    const d = unique('d');
    for (const id of ['lx0001-a', 'lx0003-c', 'lx0002-b']) await log.put(proof(d, id));
    await log.put(proof(unique('other'), 'lx0004-d'));
    expect(await log.get(d, 'lx0003-c')).toEqual(proof(d, 'lx0003-c'));
    expect(await log.get(d, 'nope')).toBeNull();
    const { items, pages } = await allPages((page) => log.list(d, page), 2);
    expect(items.map((p) => p.proofId)).toEqual(['lx0003-c', 'lx0002-b', 'lx0001-a']);
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
  });

  it('changes one address conditionally on its status, adding opens and clicks', async () => {
    const log = make();
    const d = unique('d');
    await log.put(proof(d, 'lx1-a'));
    const at = '2026-11-22T10:01:00.000Z';
    expect(
      await log.updateRecipient(d, 'lx1-a', 1, 'pending', {
        status: 'sent',
        sesMessageId: 'm-2',
        updatedAt: at,
      }),
    ).toBe(true);
    expect(await log.updateRecipient(d, 'lx1-a', 1, 'pending', { status: 'failed', updatedAt: at })).toBe(
      false,
    );
    expect(
      await log.updateRecipient(d, 'lx1-a', 1, 'sent', { status: 'delivered', opens: 1, updatedAt: at }),
    ).toBe(true);
    expect(
      await log.updateRecipient(d, 'lx1-a', 1, 'delivered', { opens: 1, clicks: 1, updatedAt: at }),
    ).toBe(true);
    expect(await log.updateRecipient(d, 'lx1-a', 7, 'pending', { status: 'sent', updatedAt: at })).toBe(
      false,
    );
    expect(await log.updateRecipient(d, 'nope', 0, 'pending', { status: 'sent', updatedAt: at })).toBe(false);
    const stored = await log.get(d, 'lx1-a');
    expect(stored?.recipients[0]).toEqual(proof(d, 'lx1-a').recipients[0]);
    expect(stored?.recipients[1]).toEqual({
      address: 'b@example.com',
      status: 'delivered',
      sesMessageId: 'm-2',
      opens: 2,
      clicks: 1,
      updatedAt: at,
    });
  });
});

const guards: Array<Implementation<GuardCounters>> = [
  { name: 'FakeGuardCounters', make: () => new FakeGuardCounters() },
  { name: 'DynamoGuardCounters', make: () => new DynamoGuardCounters({ client, tableName: table() }) },
];

describe.each(guards)('GuardCounters contract: $name', ({ make }) => {
  it('adds bounces and complaints per delivery and answers the totals', async () => {
    const guard = make();
    const d = unique('d');
    expect(await guard.read(d)).toEqual({ bounces: 0, complaints: 0 });
    expect(await guard.add(d, { bounces: 3 })).toEqual({ bounces: 3, complaints: 0 });
    expect(await guard.add(d, { bounces: 1, complaints: 2 })).toEqual({ bounces: 4, complaints: 2 });
    expect(await guard.read(d)).toEqual({ bounces: 4, complaints: 2 });
    expect(await guard.read(unique('other'))).toEqual({ bounces: 0, complaints: 0 });
  });
});

describe('the stored items', () => {
  it('a proof lives in its own partition PROOF#<delivery>, apart from the delivery, in no index', async () => {
    const d = unique('d');
    await new DynamoProofLog({ client, tableName: table() }).put(proof(d, 'lx9-z'));
    const { Item } = await client.send(new GetCommand({ TableName: table(), Key: proofKey(d, 'lx9-z') }));
    expect(Item).toMatchObject({ pk: `PROOF#${d}`, sk: 'P#lx9-z', entity: 'proof', proofId: 'lx9-z' });
    expect(Object.keys(Item!).filter((k) => k.startsWith('gsi'))).toEqual([]);
  });

  it('the guard counters are one item GUARD#<delivery>/COUNT', async () => {
    const d = unique('d');
    await new DynamoGuardCounters({ client, tableName: table() }).add(d, { complaints: 1 });
    const { Item } = await client.send(new GetCommand({ TableName: table(), Key: guardKey(d) }));
    expect(Item).toEqual({
      pk: `GUARD#${d}`,
      sk: 'COUNT',
      entity: 'guard',
      deliveryId: d,
      bounces: 0,
      complaints: 1,
    });
  });
});
