/**
 * The port's cases, held to the fake as well, are in test/integration/contract/recipient-log.test.ts; here,
 * internal attributes, exclusions and cursors of other lists.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoRecipientLogRepository, sendingLogItem } from '#adapters/dynamodb/recipient-log.ts';
import { isDomainError } from '#domain/errors.ts';
import type { ExclusionLogEntry, Page, PageRequest, SendingLogEntry } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { logEntry } from '#test/helpers/sending-log.ts';

const log = () =>
  new DynamoRecipientLogRepository({ client: documentClient(), tableName: sharedTables().recipients });

const all = async <T>(list: (page: PageRequest) => Promise<Page<T>>, limit: number): Promise<T[]> => {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ cursor, limit });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor && pages < 100);
  return items;
};

describe('DynamoRecipientLogRepository (DynamoDB Local)', () => {
  it('shows delivery and engagement times, never the claim or the reconciliation marker', async () => {
    const repo = log();
    const ref = { deliveryId: `d-${randomUUID()}`, version: 1 };
    const profileId = `p-${randomUUID()}`;
    const shown: SendingLogEntry = {
      ...logEntry(ref, profileId, 'delivered', '2026-11-22T10:00:00.000Z'),
      deliveredAt: '2026-11-22T10:00:04.000Z',
      opens: 2,
      clicks: 1,
      firstOpenAt: '2026-11-22T11:00:00.000Z',
      firstClickAt: '2026-11-22T11:05:00.000Z',
      updatedAt: '2026-11-22T11:05:00.000Z',
    };
    // As the ledger leaves it: the spent claim's owner and time, and reconciledAt from an SES event.
    await documentClient().send(
      new PutCommand({
        TableName: sharedTables().recipients,
        Item: {
          ...sendingLogItem(shown),
          claimOwner: 'sender-a',
          claimedAt: '2026-11-22T09:59:59.000Z',
          leaseUntil: '2026-11-22T10:04:59.000Z',
          reconciledAt: '2026-11-22T10:02:00.000Z',
        },
      }),
    );
    expect((await repo.listSending(ref, {}, {})).items).toEqual([shown]);
    expect((await repo.listSending(ref, { status: 'delivered' }, {})).items).toEqual([shown]);
    expect((await repo.historyForProfile(profileId, {})).items).toEqual([shown]);
  });

  it('lists the exclusion log with each cause', async () => {
    const repo = log();
    const ref = { deliveryId: `d-${randomUUID()}`, version: 1 };
    const exclusions: ExclusionLogEntry[] = Array.from({ length: 30 }, (_, i) => ({
      ...ref,
      profileId: `x${i}`,
      email: i % 2 === 0 ? null : `x${i}@example.com`,
      status: 'ignored',
      cause: i % 2 === 0 ? 'address-missing' : 'opted-out',
      reason: i % 2 === 0 ? 'Address not specified' : 'The recipient no longer wants to be contacted.',
      at: '2026-11-22T10:00:00.000Z',
    }));
    await repo.putExclusions(exclusions);
    const listed = await all((page) => repo.listExclusions(ref, page), 8);
    expect(listed.sort((a, b) => Number(a.profileId.slice(1)) - Number(b.profileId.slice(1)))).toEqual(
      exclusions,
    );
    expect((await repo.listSending(ref, {}, {})).items).toEqual([]);
  });

  it("gives a profile's history newest first: sent messages only, across deliveries", async () => {
    const repo = log();
    const profileId = `p-${randomUUID()}`;
    const deliveries = ['d-a', 'd-b', 'd-c', 'd-d'].map((d) => `${d}-${profileId}`);
    await repo.putTargets([
      logEntry(
        { deliveryId: deliveries[0]!, version: 1 },
        profileId,
        'delivered',
        '2026-10-01T08:00:00.000Z',
      ),
      logEntry({ deliveryId: deliveries[1]!, version: 1 }, profileId, 'sent', '2026-11-01T08:00:00.000Z'),
      logEntry({ deliveryId: deliveries[2]!, version: 1 }, profileId, 'failed', '2026-09-01T08:00:00.000Z'),
      logEntry({ deliveryId: deliveries[3]!, version: 1 }, profileId, 'pending'),
    ]);
    const history = await all((page) => repo.historyForProfile(profileId, page), 2);
    expect(history.map((e) => [e.deliveryId, e.status])).toEqual([
      [deliveries[1], 'sent'],
      [deliveries[0], 'delivered'],
      [deliveries[2], 'failed'],
    ]);
    const first = await repo.historyForProfile(profileId, { limit: 1 });
    const error = await repo
      .historyForProfile(`p-${randomUUID()}`, { cursor: first.nextCursor! })
      .catch((e) => e);
    expect(isDomainError(error) && error.details?.fields).toEqual([
      { field: 'cursor', message: expect.any(String) },
    ]);
  });
});
