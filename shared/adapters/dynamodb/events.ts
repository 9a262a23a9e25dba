/**
 * The `events` table (TTL `expiresAt`): outcome markers (`OUT#<sesMessageId>`, SesEventStore) and the tracking log
 * of a delivery (`T#<deliveryId>#<nn>`, TrackingLog), sharded by recipient like the sending log
 * (docs/data-model.md). No raw SES event is stored.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest, SesEventStore, TrackingLog, TrackingLogEntry } from '#ports/index.ts';
import { isConditionalCheckFailed } from './client.ts';
import { outcomeKey, SHARDS, trackingKey, trackingPk } from './keys.ts';
import { pageLimit, queryShards } from './paging.ts';

export interface EventsTableOptions {
  client: DynamoDBDocumentClient;
  /** The `events` table. */
  tableName: string;
}

export class DynamoSesEventStore implements SesEventStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: EventsTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async hasOutcome(sesMessageId: string, eventType: string, address: string): Promise<boolean> {
    const out = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: outcomeKey(sesMessageId, eventType, address),
        ConsistentRead: true,
        ProjectionExpression: 'pk',
      }),
    );
    return out.Item !== undefined;
  }

  /** An unconditional put: writing the marker twice leaves one marker. */
  async putOutcome(
    sesMessageId: string,
    eventType: string,
    address: string,
    expiresAt: number,
  ): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#table,
        Item: { ...outcomeKey(sesMessageId, eventType, address), expiresAt },
      }),
    );
  }
}

const TRACKING_FIELDS = [
  'deliveryId',
  'version',
  'recipientId',
  'profileId',
  'sesMessageId',
  'type',
  'at',
  'link',
  'userAgent',
  'ipAddress',
  'classification',
  'classificationRule',
  'eventId',
] as const satisfies ReadonlyArray<keyof TrackingLogEntry>;

/** A stored tracking item as the entry it records: keys, `expiresAt` and `entity` stay in the table. */
export const toTrackingLogEntry = (item: Record<string, unknown>): TrackingLogEntry =>
  Object.fromEntries(
    TRACKING_FIELDS.filter((name) => item[name] !== undefined && item[name] !== null).map((name) => [
      name,
      item[name],
    ]),
  ) as unknown as TrackingLogEntry;

export class DynamoTrackingLog implements TrackingLog {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: EventsTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  /**
   * PutItem at `T#<deliveryId>#<nn>` / `<at>#<eventId>#<recipientId>` if that key is new (one envelope may name
   * several recipients, hence the recipient in the sort key): false for an event appended before, which keeps
   * its first entry.
   */
  async append(entry: TrackingLogEntry, expiresAt: number): Promise<boolean> {
    const item: Record<string, unknown> = {};
    for (const name of TRACKING_FIELDS) if (entry[name] !== undefined) item[name] = entry[name];
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...item,
            ...trackingKey(
              entry.deliveryId,
              entry.recipientId,
              entry.at,
              `${entry.eventId}#${entry.recipientId}`,
            ),
            entity: 'tracking',
            expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Shards 00→15, time order within a shard; a type is a FilterExpression (the shards are read, not indexed). */
  async list(
    deliveryId: string,
    filter: { type?: TrackingLogEntry['type'] | undefined },
    page: PageRequest,
  ): Promise<Page<TrackingLogEntry>> {
    const type = filter.type;
    const { items, nextCursor } = await queryShards(this.#client, {
      shards: SHARDS,
      keyNames: ['pk', 'sk'],
      query: (shard) => ({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': trackingPk(deliveryId, shard),
          ...(type ? { ':type': type } : {}),
        },
        ...(type ? { FilterExpression: '#type = :type', ExpressionAttributeNames: { '#type': 'type' } } : {}),
      }),
      partition: (shard) => ({ pk: trackingPk(deliveryId, shard) }),
      limit: pageLimit(page.limit),
      cursor: page.cursor,
      readAhead: true,
    });
    return { items: items.map((item) => toTrackingLogEntry(item)), nextCursor };
  }
}
