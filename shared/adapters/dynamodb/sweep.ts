/**
 * SweepRegistry on the `deliveries` table: one partition `SWEEP` with an item `D#<deliveryId>` per delivery the
 * sweeper watches (registered when a send starts, removed when nothing is left to sweep), holding the settled
 * count the last sweep saw and when, its sent marks, and the state of its counters' repair (docs/data-model.md).
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SentMark } from '#domain/in-doubt.ts';
import type { Page, PageRequest, SweepEntry, SweepRegistry } from '#ports/index.ts';
import { isConditionalCheckFailed } from './client.ts';
import { SWEEP_PK, sweepKey } from './keys.ts';
import { asKey, decodeCursor, encodeCursor, pageLimit, queryPage } from './paging.ts';

export interface SweepTableOptions {
  client: DynamoDBDocumentClient;
  /** The `deliveries` table. */
  tableName: string;
}

const toSweepEntry = (item: Record<string, unknown>): SweepEntry => ({
  deliveryId: String(item.deliveryId),
  registeredAt: String(item.registeredAt),
  ...(typeof item.settled === 'number' ? { settled: item.settled } : {}),
  ...(typeof item.sweptAt === 'string' ? { sweptAt: item.sweptAt } : {}),
  ...(typeof item.repairAfter === 'string' ? { repairAfter: item.repairAfter } : {}),
  ...(typeof item.healedAt === 'string' ? { healedAt: item.healedAt } : {}),
  ...(Array.isArray(item.marks)
    ? {
        marks: (item.marks as Array<Record<string, unknown>>).map((m) => ({
          at: String(m.at),
          sent: Number(m.sent),
          events: Number(m.events ?? 0),
        })),
      }
    : {}),
});

export class DynamoSweepRegistry implements SweepRegistry {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: SweepTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  /** A conditional put: an existing entry (a resumed or restarted send) keeps its registration and sweep state. */
  async register(deliveryId: string, at: string): Promise<void> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...sweepKey(deliveryId), entity: 'sweep', deliveryId, registeredAt: at },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** The registered deliveries in id order (`Query pk = SWEEP`, consistent). */
  async list(page: PageRequest): Promise<Page<SweepEntry>> {
    const keyNames = ['pk', 'sk'];
    const startKey = page.cursor ? asKey(decodeCursor(page.cursor), keyNames, { pk: SWEEP_PK }) : undefined;
    const { items, nextKey } = await queryPage(
      this.#client,
      {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': SWEEP_PK },
        ConsistentRead: true,
      },
      keyNames,
      pageLimit(page.limit),
      startKey,
    );
    return {
      items: items.map((item) => toSweepEntry(item)),
      nextCursor: nextKey ? encodeCursor(nextKey) : null,
    };
  }

  /** Records a sweep; an entry removed meanwhile stays removed. */
  async update(deliveryId: string, state: { settled: number; sweptAt: string }): Promise<void> {
    await this.#setIfRegistered(deliveryId, { settled: state.settled, sweptAt: state.sweptAt });
  }

  async noteRepair(deliveryId: string, note: { repairAfter: string } | { healedAt: string }): Promise<void> {
    await this.#setIfRegistered(deliveryId, note);
  }

  async mark(deliveryId: string, marks: readonly SentMark[]): Promise<void> {
    await this.#setIfRegistered(deliveryId, {
      marks: marks.map((m) => ({ at: m.at, sent: m.sent, events: m.events })),
    });
  }

  /** SETs these attributes on a registered delivery's item; one removed meanwhile stays removed (no write). */
  async #setIfRegistered(deliveryId: string, attributes: Record<string, unknown>): Promise<void> {
    const names = Object.keys(attributes);
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: sweepKey(deliveryId),
          UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
          ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:a${i}`, attributes[n]])),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async remove(deliveryId: string): Promise<void> {
    await this.#client.send(new DeleteCommand({ TableName: this.#table, Key: sweepKey(deliveryId) }));
  }
}
