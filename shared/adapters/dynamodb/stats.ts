/**
 * StatsRepository on the `deliveries` table: the two KPI snapshots of a delivery (`D#<id>` / `KPI#REALTIME`,
 * `KPI#TRACKING`). A put wins only if its computedAt is later than the stored one (compared as epoch
 * milliseconds, so ISO strings with and without milliseconds compare correctly).
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { invalid } from '#domain/errors.ts';
import type { RealTimeCounts, Snapshot, TrackingCounts } from '#domain/kpis.ts';
import type { StatsRepository, StoredSnapshots } from '#ports/index.ts';
import { batchGetAll } from './batch.ts';
import { isConditionalCheckFailed } from './client.ts';
import { deliveryPk, type KpiKind, kpiKey } from './keys.ts';

export interface StatsTableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export class DynamoStatsRepository implements StatsRepository {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: StatsTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async get(deliveryId: string): Promise<{
    realTime: Snapshot<RealTimeCounts> | null;
    tracking: Snapshot<TrackingCounts> | null;
  }> {
    const out = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :kpi)',
        ExpressionAttributeValues: { ':pk': deliveryPk(deliveryId), ':kpi': 'KPI#' },
        ConsistentRead: true,
      }),
    );
    const snapshot = <T>(kind: KpiKind): Snapshot<T> | null => {
      const item = out.Items?.find((i) => i.sk === kpiKey(deliveryId, kind).sk);
      return item ? { counts: item.counts as T, computedAt: item.computedAt as string } : null;
    };
    return { realTime: snapshot<RealTimeCounts>('REALTIME'), tracking: snapshot<TrackingCounts>('TRACKING') };
  }

  /** Both snapshots of several deliveries in BatchGetItems of 100 keys (consistent, as `get`). */
  async getMany(deliveryIds: readonly string[]): Promise<Map<string, StoredSnapshots>> {
    const ids = [...new Set(deliveryIds)];
    const keys = ids.flatMap((id) => [kpiKey(id, 'REALTIME'), kpiKey(id, 'TRACKING')]);
    const items = await batchGetAll(this.#client, this.#table, keys, { consistentRead: true });
    const out = new Map<string, StoredSnapshots>(ids.map((id) => [id, { realTime: null, tracking: null }]));
    const byPk = new Map(ids.map((id) => [deliveryPk(id), out.get(id)!]));
    for (const item of items) {
      const snapshots = byPk.get(String(item.pk));
      if (!snapshots) continue;
      const snapshot = { counts: item.counts, computedAt: item.computedAt as string };
      if (String(item.sk).endsWith('REALTIME')) snapshots.realTime = snapshot as StoredSnapshots['realTime'];
      else snapshots.tracking = snapshot as StoredSnapshots['tracking'];
    }
    return out;
  }

  putRealTime(deliveryId: string, snapshot: Snapshot<RealTimeCounts>): Promise<boolean> {
    return this.#put(deliveryId, 'REALTIME', snapshot);
  }

  putTracking(deliveryId: string, snapshot: Snapshot<TrackingCounts>): Promise<boolean> {
    return this.#put(deliveryId, 'TRACKING', snapshot);
  }

  async #put(deliveryId: string, kind: KpiKind, snapshot: Snapshot<object>): Promise<boolean> {
    const computedAtMs = Date.parse(snapshot.computedAt);
    if (Number.isNaN(computedAtMs)) {
      throw invalid('The snapshot time is not valid.', [
        { field: 'computedAt', message: 'must be an ISO date-time' },
      ]);
    }
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...kpiKey(deliveryId, kind),
            entity: 'kpi',
            counts: snapshot.counts,
            computedAt: snapshot.computedAt,
            computedAtMs,
          },
          ConditionExpression: 'attribute_not_exists(computedAtMs) OR computedAtMs < :ms',
          ExpressionAttributeValues: { ':ms': computedAtMs },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
