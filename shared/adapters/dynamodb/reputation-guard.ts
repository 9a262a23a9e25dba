/**
 * GuardCounters on the `deliveries` table (docs/data-model.md, "Deliverability items"): one item per delivery,
 * `GUARD#<deliveryId>` / `COUNT`, whose `bounces` and `complaints` are only ever ADDed, once per ingestion batch
 * that brought any. Its own partition: the sharded KPI counters stay as they are. Keys are built here.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { GuardCounters, GuardCounts } from '#ports/index.ts';

export const guardKey = (deliveryId: string) => ({ pk: `GUARD#${deliveryId}`, sk: 'COUNT' });

export interface GuardTableOptions {
  client: DynamoDBDocumentClient;
  /** The `deliveries` table. */
  tableName: string;
}

const counts = (item: Record<string, unknown> | undefined): GuardCounts => ({
  bounces: Number(item?.bounces ?? 0),
  complaints: Number(item?.complaints ?? 0),
});

export class DynamoGuardCounters implements GuardCounters {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: GuardTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  /** One UpdateItem: ADD both numbers, answering the totals after it (ReturnValues ALL_NEW). */
  async add(deliveryId: string, deltas: Partial<GuardCounts>): Promise<GuardCounts> {
    const out = await this.#client.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: guardKey(deliveryId),
        UpdateExpression: 'SET entity = :entity, deliveryId = :id ADD bounces :b, complaints :c',
        ExpressionAttributeValues: {
          ':entity': 'guard',
          ':id': deliveryId,
          ':b': deltas.bounces ?? 0,
          ':c': deltas.complaints ?? 0,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return counts(out.Attributes);
  }

  async read(deliveryId: string): Promise<GuardCounts> {
    const out = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: guardKey(deliveryId), ConsistentRead: true }),
    );
    return counts(out.Item);
  }
}
