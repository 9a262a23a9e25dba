/**
 * QuarantineRepository on the `profiles` table: one item per address (`Q#<normalized address>` / `QUARANTINE`),
 * read in batches by preparation and moved one address at a time by event ingestion: a consistent read, the
 * domain's next entry, and a write conditional on the item being as read (see docs/data-model.md).
 */
import { isDeepStrictEqual } from 'node:util';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { normalizeAddress, type QuarantineEntry } from '#domain/profiles.ts';
import type { QuarantineRepository } from '#ports/index.ts';
import { batchGetAll } from './batch.ts';
import { isConditionalCheckFailed } from './client.ts';
import { quarantineKey, stripKeys } from './keys.ts';

export interface QuarantineTableOptions {
  client: DynamoDBDocumentClient;
  /** The `profiles` table. */
  tableName: string;
}

/** How many times `update` re-reads and recomputes after losing a race before it gives up. */
export const QUARANTINE_UPDATE_RETRIES = 5;

export const quarantineItem = (entry: QuarantineEntry): Record<string, unknown> => ({
  ...entry,
  address: normalizeAddress(entry.address),
  ...quarantineKey(entry.address),
  entity: 'quarantine',
});

/** The condition that the stored entry is still `read` (the attributes every change of the domain moves). */
const AS_READ = 'lastErrorAt = :readLastErrorAt AND #status = :readStatus AND errorCount = :readCount';

const asRead = (read: QuarantineEntry) => ({
  ConditionExpression: AS_READ,
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: {
    ':readLastErrorAt': read.lastErrorAt,
    ':readStatus': read.status,
    ':readCount': read.errorCount,
  },
});

export class DynamoQuarantineRepository implements QuarantineRepository {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: QuarantineTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  /** The entries of these addresses (any number; compared normalized), in the order asked; absent ones left out. */
  async getMany(addresses: readonly string[]): Promise<QuarantineEntry[]> {
    const distinct = [...new Set(addresses.map(normalizeAddress))];
    const items = await batchGetAll(this.#client, this.#table, distinct.map(quarantineKey));
    const byAddress = new Map(
      items.map((item) => [item.address as string, stripKeys<QuarantineEntry>(item)]),
    );
    return distinct.flatMap((address) => {
      const entry = byAddress.get(address);
      return entry ? [entry] : [];
    });
  }

  /**
   * Read, compute, write if changed: a PutItem (`attribute_not_exists(pk)` for a new entry, else the entry as
   * read) or, for null, a DeleteItem conditional on the entry as read. A lost race re-reads and recomputes, up to
   * QUARANTINE_UPDATE_RETRIES times; then it throws (the caller's message is retried).
   */
  async update(
    address: string,
    next: (current: QuarantineEntry | null) => QuarantineEntry | null,
  ): Promise<QuarantineEntry | null> {
    const normalized = normalizeAddress(address);
    const key = quarantineKey(normalized);
    for (let attempt = 0; attempt <= QUARANTINE_UPDATE_RETRIES; attempt++) {
      const out = await this.#client.send(
        new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true }),
      );
      const current = out.Item ? stripKeys<QuarantineEntry>(out.Item) : null;
      const computed = next(current);
      const wanted = computed && { ...computed, address: normalizeAddress(computed.address) };
      if (wanted && wanted.address !== normalized) {
        throw new RangeError(`the entry of ${normalized} cannot become the entry of ${wanted.address}`);
      }
      if (isDeepStrictEqual(current, wanted)) return current;
      try {
        if (wanted === null) {
          // current is not null here: null would have equalled it.
          await this.#client.send(
            new DeleteCommand({ TableName: this.#table, Key: key, ...asRead(current!) }),
          );
        } else {
          await this.#client.send(
            new PutCommand({
              TableName: this.#table,
              Item: quarantineItem(wanted),
              ...(current ? asRead(current) : { ConditionExpression: 'attribute_not_exists(pk)' }),
            }),
          );
        }
        return wanted;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new Error(
      `quarantine entry of ${normalized} kept moving: gave up after ${QUARANTINE_UPDATE_RETRIES} retries`,
    );
  }
}
