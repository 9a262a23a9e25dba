/**
 * RecipientLogRepository on the `recipients` table: the sending log (`D#<deliveryId>#v<version>#<nn>` /
 * `R#<recipientId>`) and the exclusion log (`X#<deliveryId>#v<version>#<nn>` / `R#<profileId>`) of one
 * preparation, sharded 16 ways by recipient; byStatus lists a status, byProfile is a profile's history.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RecipientStatus } from '#domain/kpis.ts';
import type {
  ExclusionLogEntry,
  LogRef,
  Page,
  PageRequest,
  RecipientLogRepository,
  SendingLogEntry,
} from '#ports/index.ts';
import { batchPutAll } from './batch.ts';
import {
  exclusionLogKey,
  exclusionLogPk,
  historySk,
  INDEX,
  SHARDS,
  sendingLogKey,
  sendingLogPk,
  statusPk,
} from './keys.ts';
import {
  asKey,
  decodeCursor,
  encodeCursor,
  pageLimit,
  queryPage,
  queryShards,
  type StringKey,
} from './paging.ts';

export interface RecipientLogTableOptions {
  client: DynamoDBDocumentClient;
  /** The `recipients` table. */
  tableName: string;
}

/** The stored item of a sending-log entry, with its index attributes (byStatus; byProfile once sent). */
export const sendingLogItem = (entry: SendingLogEntry): Record<string, unknown> => {
  const key = sendingLogKey(entry, entry.recipientId);
  return {
    ...entry,
    ...key,
    entity: 'recipient',
    statusPk: statusPk(key.pk, entry.status),
    historySk: entry.sentAt ? historySk(entry.sentAt, entry.deliveryId) : undefined,
  };
};

const pick = <T>(item: Record<string, unknown>, names: readonly string[]): T =>
  Object.fromEntries(
    names.filter((n) => item[n] !== undefined && item[n] !== null).map((n) => [n, item[n]]),
  ) as T;

const SENDING_FIELDS = [
  'deliveryId',
  'version',
  'recipientId',
  'profileId',
  'email',
  'status',
  'failureType',
  'failureReason',
  'sesMessageId',
  'sentAt',
  'deliveredAt',
  'updatedAt',
  'opens',
  'clicks',
  'firstOpenAt',
  'firstClickAt',
] as const;

const EXCLUSION_FIELDS = [
  'deliveryId',
  'version',
  'profileId',
  'email',
  'status',
  'cause',
  'reason',
  'at',
] as const;

/**
 * A sending-log entry as the API shows it (DESIGN section 6): claims, index keys and internals (`reconciledAt`)
 * stay inside.
 */
export const toSendingLogEntry = (item: Record<string, unknown>): SendingLogEntry =>
  pick(item, SENDING_FIELDS);

export const toExclusionLogEntry = (item: Record<string, unknown>): ExclusionLogEntry => ({
  ...pick<ExclusionLogEntry>(item, EXCLUSION_FIELDS),
  email: (item.email as string | null | undefined) ?? null,
});

export class DynamoRecipientLogRepository implements RecipientLogRepository {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: RecipientLogTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  /**
   * Preparation's writes, before any send: BatchWriteItem overwrites, so a resumed preparation rewrites the same
   * entries. Never called once the delivery is confirmed (the sender's writes are conditional updates).
   */
  async putTargets(entries: readonly SendingLogEntry[]): Promise<void> {
    await batchPutAll(this.#client, this.#table, entries.map(sendingLogItem));
  }

  async putExclusions(entries: readonly ExclusionLogEntry[]): Promise<void> {
    await batchPutAll(
      this.#client,
      this.#table,
      entries.map((entry) => ({ ...entry, ...exclusionLogKey(entry, entry.profileId), entity: 'exclusion' })),
    );
  }

  /** All entries, or one status (byStatus), shard by shard in recipient id order. */
  async listSending(
    ref: LogRef,
    filter: { status?: RecipientStatus | undefined },
    page: PageRequest,
  ): Promise<Page<SendingLogEntry>> {
    const status = filter.status;
    const { items, nextCursor } = await queryShards(this.#client, {
      shards: SHARDS,
      keyNames: status ? ['pk', 'sk', 'statusPk'] : ['pk', 'sk'],
      query: (shard) =>
        status
          ? {
              TableName: this.#table,
              IndexName: INDEX.recipientsByStatus,
              KeyConditionExpression: 'statusPk = :pk',
              ExpressionAttributeValues: { ':pk': statusPk(sendingLogPk(ref, shard), status) },
            }
          : {
              TableName: this.#table,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': sendingLogPk(ref, shard) },
            },
      partition: (shard): StringKey => {
        const pk = sendingLogPk(ref, shard);
        return status ? { pk, statusPk: statusPk(pk, status) } : { pk };
      },
      limit: pageLimit(page.limit),
      cursor: page.cursor,
    });
    return { items: items.map((item) => toSendingLogEntry(item)), nextCursor };
  }

  async listExclusions(ref: LogRef, page: PageRequest): Promise<Page<ExclusionLogEntry>> {
    const { items, nextCursor } = await queryShards(this.#client, {
      shards: SHARDS,
      keyNames: ['pk', 'sk'],
      query: (shard) => ({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': exclusionLogPk(ref, shard) },
      }),
      partition: (shard) => ({ pk: exclusionLogPk(ref, shard) }),
      limit: pageLimit(page.limit),
      cursor: page.cursor,
    });
    return { items: items.map((item) => toExclusionLogEntry(item)), nextCursor };
  }

  /** byProfile (sparse: only entries with a sentAt), newest first. */
  async historyForProfile(profileId: string, page: PageRequest): Promise<Page<SendingLogEntry>> {
    const keyNames = ['pk', 'sk', 'profileId', 'historySk'];
    const startKey = page.cursor ? asKey(decodeCursor(page.cursor), keyNames, { profileId }) : undefined;
    const { items, nextKey } = await queryPage(
      this.#client,
      {
        TableName: this.#table,
        IndexName: INDEX.recipientsByProfile,
        KeyConditionExpression: 'profileId = :p',
        ExpressionAttributeValues: { ':p': profileId },
        ScanIndexForward: false,
      },
      keyNames,
      pageLimit(page.limit),
      startKey,
    );
    return {
      items: items.map((item) => toSendingLogEntry(item)),
      nextCursor: nextKey ? encodeCursor(nextKey) : null,
    };
  }
}
