/**
 * DynamoRecipientLedger against DynamoDB Local: what the adapter stores. The port's cases, held to the fake as well,
 * are in test/integration/contract/ledger.test.ts; the write units of each step in write-units.test.ts. Here, the
 * items: an entry's index keys (historySk with the message id, doubtPk while in doubt) and internals (sentBy,
 * reconciledAt), the lease item, and the indexes finding what they should.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { doubtPk, INDEX, leaseKey, sendingLogKey } from '#adapters/dynamodb/keys.ts';
import { DynamoRecipientLedger } from '#adapters/dynamodb/ledger.ts';
import { DynamoRecipientLogRepository } from '#adapters/dynamodb/recipient-log.ts';
import type { LogRef } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { PREPARED_AT, target } from '#test/helpers/sending-log.ts';

const client = documentClient();
const tableName = () => sharedTables().recipients;
const ledger = () => new DynamoRecipientLedger({ client, tableName: tableName() });
const log = () => new DynamoRecipientLogRepository({ client, tableName: tableName() });

const prepared = async (...recipientIds: string[]): Promise<LogRef> => {
  const ref = { deliveryId: `d-${randomUUID()}`, version: 2 };
  await log().putTargets(
    ref,
    recipientIds.map((id) => target(id)),
    PREPARED_AT,
  );
  return ref;
};

const stored = async (key: { pk: string; sk: string }) =>
  (await client.send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }))).Item;

describe('DynamoRecipientLedger (DynamoDB Local)', () => {
  it('stores a sent entry with its history key and who sent it; no entry while pending', async () => {
    const ref = await prepared('ann', 'bob');
    expect(await stored(sendingLogKey(ref, 'ann'))).toBeUndefined();
    const sesMessageId = `m-${randomUUID()}`;
    expect(
      await ledger().markSent(ref, target('ann'), {
        sesMessageId,
        at: '2026-11-22T10:00:02.000Z',
        by: 'sender-a',
      }),
    ).toBe(true);
    expect(await stored(sendingLogKey(ref, 'ann'))).toEqual({
      ...sendingLogKey(ref, 'ann'),
      entity: 'recipient',
      ...ref,
      recipientId: 'ann',
      profileId: 'ann',
      email: 'ann@example.com',
      status: 'sent',
      sesMessageId,
      sentAt: '2026-11-22T10:00:02.000Z',
      updatedAt: '2026-11-22T10:00:02.000Z',
      historySk: `2026-11-22T10:00:02.000Z#${ref.deliveryId}`,
      sentBy: 'sender-a',
    });
    // The profile's history finds it, with its message id (the only attribute it projects).
    const byProfile = await client.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: INDEX.recipientsByProfile,
        KeyConditionExpression: 'profileId = :p',
        FilterExpression: 'sesMessageId = :m',
        ExpressionAttributeValues: { ':p': 'ann', ':m': sesMessageId },
      }),
    );
    expect(byProfile.Items).toEqual([
      {
        ...sendingLogKey(ref, 'ann'),
        profileId: 'ann',
        historySk: `2026-11-22T10:00:02.000Z#${ref.deliveryId}`,
        sesMessageId,
      },
    ]);
  });

  it("takes no lease over whose holder wrote a window after it was read: its new recipients are no one else's", async () => {
    // Sender A's lease has run out by the clock, but A is alive: between sender B's read of the lease and B's
    // write, A slides its window to recipients it is about to call. B must not take the page with a window
    // read before that (it would not count A's new recipients as suspects, and would send them too).
    const ref = await prepared('ann', 'bob', 'cid');
    const holder = ledger();
    const [page] = await holder.pagesOf(ref, ['ann']);
    const t0 = new Date('2026-11-22T10:00:00.000Z');
    const a = await holder.acquire(
      ref,
      page!,
      { owner: 'A', at: t0.toISOString(), leaseUntil: '2026-11-22T10:00:03.000Z' },
      ['ann'],
      t0,
    );
    if (!a.acquired) throw new Error('A did not get the page');
    // B's own client: once B has read the lease, A writes its next window before B's write goes out.
    const bClient = documentClient();
    let raced = false;
    (bClient.middlewareStack.add as unknown as (mw: unknown, options: unknown) => void)(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          const out = await next(args);
          if (/^Get(Item)?Command$/.test(context.commandName ?? '') && !raced) {
            raced = true;
            expect(await holder.extend(ref, page!, a.lease, ['ann', 'bob'], '2026-11-22T10:00:06.000Z')).toBe(
              true,
            );
          }
          return out;
        },
      { step: 'initialize', name: 'aSlidesItsWindow' },
    );
    const b = await new DynamoRecipientLedger({ client: bClient, tableName: tableName() }).acquire(
      ref,
      page!,
      { owner: 'B', at: '2026-11-22T10:00:04.000Z', leaseUntil: '2026-11-22T10:00:07.000Z' },
      ['ann', 'bob', 'cid'],
      new Date('2026-11-22T10:00:04.000Z'),
    );
    expect(raced).toBe(true);
    // Either B leaves the page to A, or it takes it with A's whole window as suspects: never 'bob' to send.
    if (b.acquired) expect(b.suspects).toEqual(expect.arrayContaining(['ann', 'bob']));
    else expect(b.lease).toMatchObject({ owner: 'A', window: ['ann', 'bob'] });
  });

  it('keeps an in-doubt entry in the inDoubt index until it is reconciled or expires', async () => {
    const ref = await prepared('ann', 'bob');
    await ledger().markInDoubt(ref, target('ann'), '2026-11-22T10:10:00.000Z');
    await ledger().markInDoubt(ref, target('bob'), '2026-11-22T10:11:00.000Z');
    expect(await stored(sendingLogKey(ref, 'ann'))).toMatchObject({
      status: 'in-doubt',
      doubtPk: doubtPk(ref),
    });
    const inIndex = async () =>
      (
        await client.send(
          new QueryCommand({
            TableName: tableName(),
            IndexName: INDEX.recipientsInDoubt,
            KeyConditionExpression: 'doubtPk = :d',
            ExpressionAttributeValues: { ':d': doubtPk(ref) },
          }),
        )
      ).Items?.map((item) => item.sk);
    expect(await inIndex()).toEqual(['R#ann', 'R#bob']);

    const ann = (await ledger().get(ref, 'ann'))!;
    const sesMessageId = `m-${randomUUID()}`;
    await ledger().applyEvent(ref, ann, {
      status: 'sent',
      sent: { sesMessageId, at: '2026-11-22T10:00:01.000Z' },
      updatedAt: '2026-11-22T10:12:00.000Z',
    });
    const reconciled = await stored(sendingLogKey(ref, 'ann'));
    expect(reconciled).toMatchObject({
      sesMessageId,
      historySk: `2026-11-22T10:00:01.000Z#${ref.deliveryId}`,
      reconciledAt: '2026-11-22T10:12:00.000Z',
    });
    expect(reconciled).not.toHaveProperty('doubtPk');
    await ledger().expireInDoubt(ref, 'bob', {
      failureType: 'error',
      failureReason: 'in doubt: no SES record',
      at: '2026-11-23T10:11:00.000Z',
    });
    expect(await stored(sendingLogKey(ref, 'bob'))).not.toHaveProperty('doubtPk');
    expect(await inIndex()).toEqual([]);
  });

  it('stores a lease as its owner, time, end and window, under 1 KB', async () => {
    const ref = await prepared('ann');
    const [page] = await ledger().pagesOf(ref, ['ann']);
    const now = new Date('2026-11-22T10:00:00.000Z');
    const lease = { owner: 'sender-a', at: now.toISOString(), leaseUntil: '2026-11-22T10:02:00.000Z' };
    await ledger().acquire(ref, page!, lease, ['ann'], now);
    expect(await stored(leaseKey(ref, page!.shard, page!.id))).toEqual({
      ...leaseKey(ref, page!.shard, page!.id),
      ...lease,
      window: ['ann'],
      rev: 1,
    });
  });

  it('records the send an SES event names first (reconciledAt), so the sender’s own write counts nothing', async () => {
    const ref = await prepared('ann');
    const pending = (await ledger().get(ref, 'ann'))!;
    const sesMessageId = `m-${randomUUID()}`;
    await ledger().applyEvent(ref, pending, {
      status: 'delivered',
      deliveredAt: '2026-11-22T10:00:04.000Z',
      sent: { sesMessageId, at: '2026-11-22T10:00:01.000Z' },
      updatedAt: '2026-11-22T10:00:05.000Z',
    });
    expect(await stored(sendingLogKey(ref, 'ann'))).toMatchObject({
      status: 'delivered',
      sesMessageId,
      reconciledAt: '2026-11-22T10:00:05.000Z',
      historySk: `2026-11-22T10:00:01.000Z#${ref.deliveryId}`,
    });
    expect(
      await ledger().markSent(ref, target('ann'), {
        sesMessageId,
        at: '2026-11-22T10:00:02.000Z',
        by: 'sender-a',
      }),
    ).toBe(false);
  });
});
