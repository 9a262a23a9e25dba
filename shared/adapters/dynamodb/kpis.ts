/**
 * The KPI work items (docs/data-model.md, "KPIs: counters and snapshots"):
 * - `DynamoRecountCheckpoints`: a compute-stats recount too large for one run, `D#<id> / JOB#stats` on the
 *   `deliveries` table (the prepared version, when it started, the counters then, each shard's position and tally);
 * - `DynamoActivityRegistry`: the stats aggregation's "active since" registry on the `events` table (TTL): one item
 *   `ACTIVE#<hour> / D#<deliveryId>` per delivery an SES event touched in that hour (a container writes each once
 *   an hour), and `ACTIVE / THROUGH` with the last hour a run fully processed.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ActivityRegistry, RecountCheckpoint, RecountCheckpoints } from '#ports/index.ts';
import { batchPutAll } from './batch.ts';
import { isConditionalCheckFailed } from './client.ts';
import { deliveryPk } from './keys.ts';
import { queryAll } from './pages.ts';

export const recountCheckpointKey = (deliveryId: string) => ({ pk: deliveryPk(deliveryId), sk: 'JOB#stats' });

export class DynamoRecountCheckpoints implements RecountCheckpoints {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  /** `tableName`: the `deliveries` table. */
  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async get(deliveryId: string, version: number): Promise<RecountCheckpoint | null> {
    const out = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: recountCheckpointKey(deliveryId), ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item || item.version !== version) return null;
    return {
      version,
      startedAt: String(item.startedAt),
      countersBefore: (item.countersBefore as RecountCheckpoint['countersBefore']) ?? null,
      shards: item.shards as RecountCheckpoint['shards'],
    };
  }

  async put(deliveryId: string, checkpoint: RecountCheckpoint): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#table,
        Item: { ...recountCheckpointKey(deliveryId), entity: 'checkpoint', ...checkpoint },
      }),
    );
  }

  async remove(deliveryId: string): Promise<void> {
    await this.#client.send(
      new DeleteCommand({ TableName: this.#table, Key: recountCheckpointKey(deliveryId) }),
    );
  }
}

/** Activity buckets expire with the reporting window (opens and clicks arrive for 60 days), with margin. */
const ACTIVITY_TTL_SECONDS = 90 * 86_400;
export const hourOf = (at: Date): string => at.toISOString().slice(0, 13);
export const activityPk = (hour: string): string => `ACTIVE#${hour}`;
export const ACTIVITY_THROUGH_KEY = { pk: 'ACTIVE', sk: 'THROUGH' };

export class DynamoActivityRegistry implements ActivityRegistry {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  /** Marks this container wrote in the current hour: each delivery is written once an hour per container. */
  #marked = { hour: '', ids: new Set<string>() };

  /** `tableName`: the `events` table. */
  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async mark(deliveryIds: readonly string[], at: Date): Promise<void> {
    const hour = hourOf(at);
    if (this.#marked.hour !== hour) this.#marked = { hour, ids: new Set() };
    const fresh = [...new Set(deliveryIds)].filter((id) => !this.#marked.ids.has(id));
    if (fresh.length === 0) return;
    const expiresAt = Math.floor(at.getTime() / 1000) + ACTIVITY_TTL_SECONDS;
    await batchPutAll(
      this.#client,
      this.#table,
      fresh.map((deliveryId) => ({
        pk: activityPk(hour),
        sk: `D#${deliveryId}`,
        entity: 'activity',
        deliveryId,
        expiresAt,
      })),
    );
    for (const id of fresh) this.#marked.ids.add(id);
  }

  async active(hour: string): Promise<string[]> {
    const items = await queryAll(this.#client, {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': activityPk(hour) },
      ProjectionExpression: 'deliveryId',
    });
    return items.map((item) => String(item.deliveryId));
  }

  async through(): Promise<string | null> {
    const out = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: ACTIVITY_THROUGH_KEY, ConsistentRead: true }),
    );
    return typeof out.Item?.hour === 'string' ? out.Item.hour : null;
  }

  async advance(hour: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: ACTIVITY_THROUGH_KEY,
          UpdateExpression: 'SET #hour = :hour, entity = :entity',
          ConditionExpression: 'attribute_not_exists(#hour) OR #hour < :hour',
          ExpressionAttributeNames: { '#hour': 'hour' },
          ExpressionAttributeValues: { ':hour': hour, ':entity': 'activity' },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
