/**
 * Batch helpers: BatchGetItem (100 keys) and BatchWriteItem (25 puts) with retry of unprocessed keys and items
 * (exponential backoff with full jitter), and a bounded-concurrency map.
 */
import { backoffDelay } from '#domain/sending.ts';
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const MAX_ATTEMPTS = 10;
const BASE_DELAY_MS = 25;
const MAX_DELAY_MS = 2_000;

const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) =>
    setTimeout(resolve, backoffDelay(attempt, Math.random, BASE_DELAY_MS, MAX_DELAY_MS)),
  );

export const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};

/** Maps with at most `concurrency` calls in flight; results keep the input order. */
export const mapLimit = async <T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
};

export type Item = Record<string, unknown>;

/** Gets every key (any number, 100 per request, `concurrency` requests in flight); missing items are left out. */
export const batchGetAll = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Item[],
  options: { consistentRead?: boolean; projection?: readonly string[]; concurrency?: number } = {},
): Promise<Item[]> => {
  const projection = options.projection
    ? {
        ProjectionExpression: options.projection.map((_, i) => `#p${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(options.projection.map((name, i) => [`#p${i}`, name])),
      }
    : {};
  const pages = await mapLimit(chunk(keys, 100), options.concurrency ?? 4, async (batch) => {
    const found: Item[] = [];
    let pending: Item[] = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        if (attempt >= MAX_ATTEMPTS) throw new Error(`BatchGetItem on ${tableName}: keys still unprocessed`);
        await backoff(attempt);
      }
      const out = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: { Keys: pending, ConsistentRead: options.consistentRead ?? false, ...projection },
          },
        }),
      );
      found.push(...(out.Responses?.[tableName] ?? []));
      pending = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
    return found;
  });
  return pages.flat();
};

/** Puts every item (25 per request, `concurrency` requests in flight). Not conditional: overwrites. */
export const batchPutAll = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Item[],
  options: { concurrency?: number } = {},
): Promise<void> => {
  await mapLimit(chunk(items, 25), options.concurrency ?? 4, async (batch) => {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        if (attempt >= MAX_ATTEMPTS)
          throw new Error(`BatchWriteItem on ${tableName}: items still unprocessed`);
        await backoff(attempt);
      }
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (out.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
        request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
      );
    }
  });
};
