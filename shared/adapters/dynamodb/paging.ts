/**
 * Paging: opaque base64url cursors wrapping a DynamoDB key, validated against the query they continue, and a
 * Query loop that fills a page exactly (limit + 1 read ahead, so the last page never carries a cursor to an empty
 * page).
 */
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { invalid } from '#domain/errors.ts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

/** The 400 for a cursor that does not continue this list. */
export const badCursor = (message = 'unknown or malformed cursor') =>
  invalid('The cursor is not valid.', [{ field: 'cursor', message }]);

/** The page size: default 50, at most `max` (100 unless the list says otherwise); anything but a positive integer is a 400. */
export const pageLimit = (limit: number | undefined, max: number = MAX_LIMIT): number => {
  if (limit === undefined) return Math.min(DEFAULT_LIMIT, max);
  if (!Number.isInteger(limit) || limit < 1) {
    throw invalid('The limit is not valid.', [{ field: 'limit', message: 'must be a positive integer' }]);
  }
  return Math.min(limit, max);
};

export const encodeCursor = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** Decodes a cursor into JSON, or throws the 400 naming the field `cursor`. */
export const decodeCursor = (cursor: string): unknown => {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
};

export type StringKey = Record<string, string>;

/**
 * Checks that a decoded cursor is a key of exactly `names` (all strings) and that it belongs to the partition being
 * queried (`fixed`): a cursor from another list or another delivery is a 400, never a silent jump.
 */
export const asKey = (value: unknown, names: readonly string[], fixed: StringKey = {}): StringKey => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badCursor();
  const entries = Object.entries(value);
  if (entries.length !== names.length) throw badCursor();
  for (const [name, v] of entries) {
    if (!names.includes(name) || typeof v !== 'string' || v.length === 0) throw badCursor();
  }
  const key = value as StringKey;
  for (const [name, v] of Object.entries(fixed)) {
    if (key[name] !== v) throw badCursor('the cursor belongs to another list');
  }
  return key;
};

const pick = (item: Record<string, unknown>, names: readonly string[]): StringKey =>
  Object.fromEntries(names.map((n) => [n, String(item[n])]));

/**
 * Items a filtered Query evaluates per request at least: `Limit` counts items read, not items returned, so a
 * filter that keeps few would otherwise cost a request per handful of items.
 */
const FILTERED_READ = 200;

/**
 * Runs a Query until it has `limit` items (reading one ahead) or the partition ends. `keyNames` are the attributes
 * of an ExclusiveStartKey for this query (table key, plus the index key for an index). Returns the items and the
 * key to continue after the last one, or null when nothing follows. With a FilterExpression each request reads
 * at least FILTERED_READ items; what comes back beyond the page is dropped and read again from the returned key.
 */
export const queryPage = async (
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>,
  keyNames: readonly string[],
  limit: number,
  startKey?: StringKey,
): Promise<{ items: Record<string, unknown>[]; nextKey: StringKey | null }> => {
  const items: Record<string, unknown>[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined = startKey;
  do {
    const wanted = limit + 1 - items.length;
    const out = await client.send(
      new QueryCommand({
        ...input,
        Limit: input.FilterExpression ? Math.max(wanted, FILTERED_READ) : wanted,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    items.push(...(out.Items ?? []));
    exclusiveStartKey = out.LastEvaluatedKey;
  } while (items.length <= limit && exclusiveStartKey);
  if (items.length <= limit) return { items, nextKey: null };
  const page = items.slice(0, limit);
  return { items: page, nextKey: pick(page[page.length - 1]!, keyNames) };
};

/** A cursor over sharded partitions: the shard to continue in, and the key to continue after (absent: its start). */
interface ShardCursor {
  s: number;
  k?: StringKey;
}

const parseShardCursor = (
  cursor: string,
  shards: number,
  keyNames: readonly string[],
  partition: (shard: number) => StringKey,
): ShardCursor => {
  const value = decodeCursor(cursor);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badCursor();
  const { s, k, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s >= shards) {
    throw badCursor();
  }
  return k === undefined ? { s } : { s, k: asKey(k, keyNames, partition(s)) };
};

/**
 * Pages through `shards` partitions in shard order (00, 01, …), each in its sort-key order, filling each page
 * across shard boundaries. `query(shard)` is the Query of one shard; `partition(shard)` the attributes a cursor
 * into that shard must carry (its partition key), so a cursor from another list is a 400.
 *
 * A page that fills exactly at the end of a shard carries a cursor to the start of the next shard (`{s}`, no key:
 * it names no partition, so it cannot be told from another list's), which may lead to an empty page when the
 * remaining shards are empty. With `readAhead`, the following shards are probed for an item first: the cursor is
 * null when none has one (the last page says so), else the key of the page's last item, which names its
 * partition like every other cursor of the list.
 */
export const queryShards = async (
  client: DynamoDBDocumentClient,
  options: {
    shards: number;
    keyNames: readonly string[];
    query: (shard: number) => Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>;
    partition: (shard: number) => StringKey;
    limit: number;
    cursor?: string | undefined;
    /** Probe the following shards when a page ends at a shard's end (see above). */
    readAhead?: boolean | undefined;
  },
): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> => {
  const { shards, keyNames, query, partition, limit } = options;
  let at: ShardCursor = options.cursor
    ? parseShardCursor(options.cursor, shards, keyNames, partition)
    : { s: 0 };
  const items: Record<string, unknown>[] = [];
  while (true) {
    const shard = at.s;
    const page = await queryPage(client, query(shard), keyNames, limit - items.length, at.k);
    items.push(...page.items);
    if (page.nextKey) at = { s: shard, k: page.nextKey };
    else if (shard + 1 < shards) at = { s: shard + 1 };
    else return { items, nextCursor: null };
    if (items.length >= limit) {
      if (!options.readAhead || at.k) return { items, nextCursor: encodeCursor(at) };
      // The page ended with the end of `shard` (its last item is this shard's): does anything follow?
      for (let next = shard + 1; next < shards; next++) {
        const probe = await queryPage(client, query(next), keyNames, 1);
        if (probe.items.length > 0) {
          return {
            items,
            nextCursor: encodeCursor({ s: shard, k: pick(items[items.length - 1]!, keyNames) }),
          };
        }
      }
      return { items, nextCursor: null };
    }
  }
};
