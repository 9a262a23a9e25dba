/**
 * RecipientLogRepository on the `recipients` table (docs/data-model.md): the sending log is the target pages of a
 * preparation (`D#<deliveryId>#v<version>#<nn>` / `T#<first id>`) merged with the recipients' entries (`R#<id>`),
 * a recipient without entry showing as pending; the exclusion log is packed the same way (`X#…` / `P#<first id>`).
 * Both are listed shard by shard in id order; a profile's history comes from byProfile (keys only) and the entries.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RecipientStatus } from '#domain/kpis.ts';
import type {
  ExclusionLogEntry,
  LogRef,
  Page,
  PageRequest,
  RecipientLogRepository,
  SendingLogEntry,
  Target,
} from '#ports/index.ts';
import { batchGetAll, batchPutAll } from './batch.ts';
import {
  ENTRY_PREFIX,
  EXCLUSIONS_PREFIX,
  exclusionLogPk,
  INDEX,
  SHARDS,
  sendingLogPk,
  TARGETS_PREFIX,
} from './keys.ts';
import {
  entriesOfPage,
  exclusionPageItems,
  pendingEntry,
  targetPageItems,
  toEntry,
  toExclusions,
  toTargetPage,
} from './pages.ts';
import { asKey, badCursor, decodeCursor, encodeCursor, pageLimit, queryPage } from './paging.ts';

export interface RecipientLogTableOptions {
  client: DynamoDBDocumentClient;
  /** The `recipients` table. */
  tableName: string;
}

/** Where a log list continues: in shard `s` (partition `pk`), after recipient `r`; `st` the status filter. */
interface LogCursor {
  s: number;
  pk: string;
  r: string;
  st?: string;
}

const parseCursor = (
  cursor: string,
  partition: (shard: number) => string,
  status: string | undefined,
): LogCursor => {
  const value = decodeCursor(cursor);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badCursor();
  const { s, pk, r, st, ...rest } = value as Record<string, unknown>;
  if (
    Object.keys(rest).length > 0 ||
    typeof s !== 'number' ||
    !Number.isInteger(s) ||
    s < 0 ||
    s >= SHARDS ||
    typeof pk !== 'string' ||
    typeof r !== 'string' ||
    r.length === 0 ||
    (st !== undefined && typeof st !== 'string')
  ) {
    throw badCursor();
  }
  if (pk !== partition(s) || st !== status) throw badCursor('the cursor belongs to another list');
  return { s, pk, r, ...(st === undefined ? {} : { st }) };
};

/**
 * Lists shards 00→15, each walked in id order after the cursor's recipient, reading one item ahead: the last page
 * has no cursor.
 */
const listShards = async <T>(options: {
  cursor: string | undefined;
  limit: number;
  partition: (shard: number) => string;
  status?: string | undefined;
  walk: (shard: number, after: string | null) => AsyncIterable<{ id: string; item: T }>;
}): Promise<Page<T>> => {
  const start = options.cursor ? parseCursor(options.cursor, options.partition, options.status) : null;
  const found: Array<{ shard: number; id: string; item: T }> = [];
  for (let shard = start?.s ?? 0; shard < SHARDS && found.length <= options.limit; shard++) {
    const after = start && shard === start.s ? start.r : null;
    for await (const { id, item } of options.walk(shard, after)) {
      found.push({ shard, id, item });
      if (found.length > options.limit) break;
    }
  }
  const items = found.slice(0, options.limit).map((f) => f.item);
  if (found.length <= options.limit) return { items, nextCursor: null };
  const last = found[options.limit - 1]!;
  return {
    items,
    nextCursor: encodeCursor({
      s: last.shard,
      pk: options.partition(last.shard),
      r: last.id,
      ...(options.status === undefined ? {} : { st: options.status }),
    }),
  };
};

/** Items of one partition between two sort keys, in order, a Query page at a time. */
async function* queryRange(
  client: DynamoDBDocumentClient,
  input: { TableName: string; pk: string; from: string; to: string; filter?: { status: string } },
): AsyncGenerator<Record<string, unknown>> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: input.TableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': input.pk,
          ':from': input.from,
          ':to': input.to,
          ...(input.filter ? { ':status': input.filter.status } : {}),
        },
        ...(input.filter
          ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }
          : {}),
        Limit: input.filter ? 200 : 20,
        ExclusiveStartKey: start,
      }),
    );
    yield* out.Items ?? [];
    start = out.LastEvaluatedKey;
  } while (start);
}

/** The sort key at which a walk after `after` starts: the packed page holding it (or the first page). */
const firstPage = async (
  client: DynamoDBDocumentClient,
  table: string,
  pk: string,
  prefix: string,
  after: string | null,
): Promise<string> => {
  if (after === null) return prefix;
  const out = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': pk, ':from': prefix, ':to': `${prefix}${after}` },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  return out.Items?.[0] ? String(out.Items[0].sk) : prefix;
};

/** Just above every key of a prefix (`T#` → `T$`). */
const endOf = (prefix: string): string => `${prefix.slice(0, -1)}$`;

export class DynamoRecipientLogRepository implements RecipientLogRepository {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: RecipientLogTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  /** Target pages, BatchWriteItem (overwrites: a member page written again gives the same pages). */
  async putTargets(ref: LogRef, targets: readonly Target[], at: string): Promise<void> {
    await batchPutAll(this.#client, this.#table, targetPageItems(ref, targets, at));
  }

  async putExclusions(entries: readonly ExclusionLogEntry[]): Promise<void> {
    await batchPutAll(this.#client, this.#table, exclusionPageItems(entries));
  }

  /**
   * All, or `pending`: each shard's pages merged with their entries. Another status: each shard's entries, filtered
   * (reads, no index).
   */
  async listSending(
    ref: LogRef,
    filter: { status?: RecipientStatus | undefined },
    page: PageRequest,
  ): Promise<Page<SendingLogEntry>> {
    const status = filter.status;
    const client = this.#client;
    const table = this.#table;
    const limit = pageLimit(page.limit);
    const walk =
      status === undefined || status === 'pending'
        ? async function* (shard: number, after: string | null) {
            const pk = sendingLogPk(ref, shard);
            const from = await firstPage(client, table, pk, TARGETS_PREFIX, after);
            for await (const item of queryRange(client, {
              TableName: table,
              pk,
              from,
              to: endOf(TARGETS_PREFIX),
            })) {
              const targetPage = toTargetPage(item, shard);
              const visible = targetPage.targets.filter((t) => after === null || t.recipientId > after);
              if (visible.length === 0) continue;
              const entries = await entriesOfPage(client, table, ref, targetPage, false);
              for (const t of visible) {
                const entry = entries.get(t.recipientId) ?? pendingEntry(ref, t, targetPage.preparedAt);
                if (status === undefined || entry.status === status) yield { id: t.recipientId, item: entry };
              }
            }
          }
        : async function* (shard: number, after: string | null) {
            const pk = sendingLogPk(ref, shard);
            const from = after === null ? ENTRY_PREFIX : `${ENTRY_PREFIX}${after}\u0000`;
            for await (const item of queryRange(client, {
              TableName: table,
              pk,
              from,
              to: endOf(ENTRY_PREFIX),
              filter: { status },
            })) {
              const entry = toEntry(item);
              yield { id: entry.recipientId, item: entry };
            }
          };
    return listShards({
      cursor: page.cursor,
      limit,
      partition: (shard) => sendingLogPk(ref, shard),
      status,
      walk,
    });
  }

  async listExclusions(ref: LogRef, page: PageRequest): Promise<Page<ExclusionLogEntry>> {
    const client = this.#client;
    const table = this.#table;
    return listShards({
      cursor: page.cursor,
      limit: pageLimit(page.limit),
      partition: (shard) => exclusionLogPk(ref, shard),
      walk: async function* (shard: number, after: string | null) {
        const pk = exclusionLogPk(ref, shard);
        const from = await firstPage(client, table, pk, EXCLUSIONS_PREFIX, after);
        for await (const item of queryRange(client, {
          TableName: table,
          pk,
          from,
          to: endOf(EXCLUSIONS_PREFIX),
        })) {
          for (const entry of toExclusions(ref, item)) {
            if (after === null || entry.profileId > after) yield { id: entry.profileId, item: entry };
          }
        }
      },
    });
  }

  /** byProfile (keys only; only entries with a message id), newest first, then the entries themselves. */
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
    const keys = items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
    const found = await batchGetAll(this.#client, this.#table, keys);
    const byKey = new Map(found.map((item) => [`${String(item.pk)}|${String(item.sk)}`, toEntry(item)]));
    return {
      items: keys.flatMap((k) => {
        const entry = byKey.get(`${k.pk}|${k.sk}`);
        return entry ? [entry] : [];
      }),
      nextCursor: nextKey ? encodeCursor(nextKey) : null,
    };
  }
}
