/**
 * DeliveryRepository on the `deliveries` table: one item per delivery (`D#<id>` / `DELIVERY`) holding the whole
 * Delivery, history included. Every transition is a Put conditional on the state and version it was computed
 * from; a lost race is the domain's 409 naming the stored state.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Delivery, DeliveryState, Transition } from '#domain/delivery.ts';
import { conflict, notFound } from '#domain/errors.ts';
import type { DeliveryRepository, Page, PageRequest } from '#ports/index.ts';
import { isConditionalCheckFailed, rawAttribute } from './client.ts';
import { createdSk, deliveryKey, INDEX, parentIndexPk, stateIndexPk, stripKeys } from './keys.ts';
import { asKey, decodeCursor, encodeCursor, pageLimit, queryPage } from './paging.ts';

export interface DeliveryTableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

const toItem = (delivery: Delivery): Record<string, unknown> => ({
  ...delivery,
  ...deliveryKey(delivery.id),
  entity: 'delivery',
  gsi1pk: stateIndexPk(delivery.state, delivery.parentId),
  gsi1sk: createdSk(delivery.createdAt, delivery.id),
  gsi2pk: parentIndexPk(delivery.parentId),
  gsi2sk: createdSk(delivery.createdAt, delivery.id),
});

const fromItem = (item: Record<string, unknown>): Delivery => stripKeys<Delivery>(item);

/** The stored state in a conditional failure: a 409 naming it, or a 404 if the delivery is gone. */
const lostRace = (id: string, error: { Item?: Record<string, unknown> }): Error => {
  const state = rawAttribute(error.Item, 'state');
  if (state === undefined) return notFound('Delivery', id);
  const version = rawAttribute(error.Item, 'version');
  return conflict(`The delivery is ${state}: the change was not applied.`, { state, version });
};

export class DynamoDeliveryRepository implements DeliveryRepository {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DeliveryTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async get(id: string): Promise<Delivery | null> {
    const out = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: deliveryKey(id), ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : null;
  }

  async create(delivery: Delivery): Promise<void> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: toItem(delivery),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const state = rawAttribute(error.Item, 'state');
      throw conflict(`The delivery ${delivery.id} already exists.`, { state, id: delivery.id });
    }
  }

  async apply(transition: Transition): Promise<Delivery> {
    const { next, expected } = transition;
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: toItem(next),
          ConditionExpression: '#state = :state AND #version = :version',
          ExpressionAttributeNames: { '#state': 'state', '#version': 'version' },
          ExpressionAttributeValues: { ':state': expected.state, ':version': expected.version },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw lostRace(next.id, error);
      throw error;
    }
    return next;
  }

  /**
   * Newest first. No filter: top-level deliveries. `state`: top-level deliveries in that state. `parentId`: the
   * executions of a recurring delivery (in `state` if given). Each case is one index partition, never a filter.
   */
  async list(
    filter: { state?: DeliveryState | undefined; parentId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<Delivery>> {
    const limit = pageLimit(page.limit);
    const [indexName, pkName, skName, pkValue] = filter.state
      ? [INDEX.deliveriesByState, 'gsi1pk', 'gsi1sk', stateIndexPk(filter.state, filter.parentId)]
      : [INDEX.deliveriesByParent, 'gsi2pk', 'gsi2sk', parentIndexPk(filter.parentId)];
    const keyNames = ['pk', 'sk', pkName, skName];
    const startKey = page.cursor
      ? asKey(decodeCursor(page.cursor), keyNames, { [pkName]: pkValue })
      : undefined;
    const { items, nextKey } = await queryPage(
      this.#client,
      {
        TableName: this.#table,
        IndexName: indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': pkName },
        ExpressionAttributeValues: { ':pk': pkValue },
        ScanIndexForward: false,
      },
      keyNames,
      limit,
      startKey,
    );
    return { items: items.map(fromItem), nextCursor: nextKey ? encodeCursor(nextKey) : null };
  }
}
