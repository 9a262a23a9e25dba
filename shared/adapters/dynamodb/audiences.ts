/**
 * AudienceRepository on the `profiles` table: the audience (`A#<id>` / `AUDIENCE`, with memberCount) and its
 * members in 16 shards (`A#<id>#M#<nn>` / `<profileId>`, nn = shard of the profile id), so that no member write
 * or read concentrates on one partition and preparation can page the shards in parallel. Also the
 * AudienceDirectory: each audience has an entry in the `AUDIENCES` partition, written in the same transaction as
 * the audience, sorted by creation time, so the console lists audiences without a scan.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { conflict, notFound } from '#domain/errors.ts';
import type { Audience } from '#domain/profiles.ts';
import type { AudienceDirectory, AudienceRepository, Page, PageRequest } from '#ports/index.ts';
import { batchGetAll, batchPutAll } from './batch.ts';
import { isConditionalCheckFailed } from './client.ts';
import {
  AUDIENCES_PK,
  audienceDirectoryKey,
  audienceKey,
  memberKey,
  memberPk,
  SHARDS,
  stripKeys,
} from './keys.ts';
import { asKey, decodeCursor, encodeCursor, pageLimit, queryPage, queryShards } from './paging.ts';

export interface AudienceTableOptions {
  client: DynamoDBDocumentClient;
  /** The `profiles` table. */
  tableName: string;
}

const KEY_NAMES = ['pk', 'sk'] as const;

/** Members pages hold only ids: preparation reads them 1,000 at a time. */
const MAX_MEMBERS_PAGE = 1000;

/** A transaction refused because its first item's condition failed (the audience id exists). */
const firstConditionFailed = (error: unknown): boolean =>
  error instanceof Error &&
  error.name === 'TransactionCanceledException' &&
  (error as Error & { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons?.[0]?.Code ===
    'ConditionalCheckFailed';

export class DynamoAudienceRepository implements AudienceRepository, AudienceDirectory {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: AudienceTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  /** The audience and its directory entry, in one transaction (2 writes, each doubled by the transaction). */
  async create(audience: Audience): Promise<void> {
    try {
      await this.#client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.#table,
                Item: { ...audience, ...audienceKey(audience.id), entity: 'audience' },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.#table,
                Item: {
                  ...audienceDirectoryKey(audience.createdAt, audience.id),
                  entity: 'audience-entry',
                  audienceId: audience.id,
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error) || firstConditionFailed(error))
        throw conflict(`The audience ${audience.id} already exists.`, { id: audience.id });
      throw error;
    }
  }

  /** The directory, newest first, each audience read from its own item (its current name and memberCount). */
  async listAudiences(page: PageRequest): Promise<Page<Audience>> {
    const startKey = page.cursor
      ? asKey(decodeCursor(page.cursor), KEY_NAMES, { pk: AUDIENCES_PK })
      : undefined;
    const { items, nextKey } = await queryPage(
      this.#client,
      {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': AUDIENCES_PK },
        ScanIndexForward: false,
      },
      KEY_NAMES,
      pageLimit(page.limit),
      startKey,
    );
    const ids = items.map((item) => item.audienceId as string);
    const found = await batchGetAll(this.#client, this.#table, ids.map(audienceKey));
    const byId = new Map(found.map((item) => [item.id as string, stripKeys<Audience>(item)]));
    return {
      items: ids.flatMap((id) => {
        const audience = byId.get(id);
        return audience ? [audience] : [];
      }),
      nextCursor: nextKey ? encodeCursor(nextKey) : null,
    };
  }

  async get(id: string): Promise<Audience | null> {
    const out = await this.#client.send(new GetCommand({ TableName: this.#table, Key: audienceKey(id) }));
    return out.Item ? stripKeys<Audience>(out.Item) : null;
  }

  /**
   * Adds members and returns how many were new. The members already present are read first (consistent BatchGet)
   * and only the new ones are written (BatchWrite) and counted (one ADD on memberCount). Two concurrent requests
   * adding the same new profile may both count it, and a request that dies between its writes and the ADD leaves
   * them uncounted: memberCount is the audience's displayed size, while preparation always reads the members
   * themselves. See docs/data-model.md.
   */
  async addMembers(audienceId: string, profileIds: readonly string[]): Promise<number> {
    if (!(await this.get(audienceId))) throw notFound('Audience', audienceId);
    const distinct = [...new Set(profileIds)];
    if (distinct.length === 0) return 0;
    const present = await batchGetAll(
      this.#client,
      this.#table,
      distinct.map((id) => memberKey(audienceId, id)),
      { consistentRead: true, projection: ['sk'] },
    );
    const known = new Set(present.map((item) => item.sk as string));
    const fresh = distinct.filter((id) => !known.has(id));
    if (fresh.length === 0) return 0;
    await batchPutAll(
      this.#client,
      this.#table,
      fresh.map((profileId) => ({
        ...memberKey(audienceId, profileId),
        entity: 'member',
        audienceId,
        profileId,
      })),
    );
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: audienceKey(audienceId),
        UpdateExpression: 'ADD memberCount :n',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':n': fresh.length },
      }),
    );
    return fresh.length;
  }

  /**
   * Profile ids, shard 00 to 15, each shard in profile id order; the cursor names the shard and the position in it.
   * Default 50 ids a page, at most 1,000.
   */
  async listMembers(audienceId: string, page: PageRequest): Promise<Page<string>> {
    const { items, nextCursor } = await queryShards(this.#client, {
      shards: SHARDS,
      keyNames: KEY_NAMES,
      query: (shard) => ({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': memberPk(audienceId, shard) },
        ProjectionExpression: 'pk, sk',
      }),
      partition: (shard) => ({ pk: memberPk(audienceId, shard) }),
      limit: pageLimit(page.limit, MAX_MEMBERS_PAGE),
      cursor: page.cursor,
    });
    return { items: items.map((item) => item.sk as string), nextCursor };
  }

  /** One page of one member shard: what preparation pages through, shards in parallel, resuming from `after`. */
  /** One member shard in profile-id order, after a profile id: what a resumable preparation reads. */
  async listMemberShard(
    audienceId: string,
    shard: number,
    after: string | null,
    limit: number,
  ): Promise<{ profileIds: string[]; last: string | null }> {
    const pk = memberPk(audienceId, shard);
    const { items, nextKey } = await queryPage(
      this.#client,
      {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: 'pk, sk',
      },
      KEY_NAMES,
      limit,
      after === null ? undefined : { pk, sk: after },
    );
    return {
      profileIds: items.map((item) => item.sk as string),
      last: nextKey ? (nextKey.sk ?? null) : null,
    };
  }
}
