/**
 * QuarantineRepository on the `profiles` table: one item per address (`Q#<normalized address>` / `QUARANTINE`),
 * read in batches by preparation. Event ingestion writes these items (see docs/data-model.md).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { normalizeAddress, type QuarantineEntry } from '../../domain/profiles.ts';
import type { QuarantineRepository } from '../../ports/index.ts';
import { batchGetAll } from './batch.ts';
import { quarantineKey, stripKeys } from './keys.ts';

export interface QuarantineTableOptions {
  client: DynamoDBDocumentClient;
  /** The `profiles` table. */
  tableName: string;
}

export const quarantineItem = (entry: QuarantineEntry): Record<string, unknown> => ({
  ...entry,
  address: normalizeAddress(entry.address),
  ...quarantineKey(entry.address),
  entity: 'quarantine',
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
}
