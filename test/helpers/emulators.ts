/** Clients on the emulators started by global-setup.ts, and private tables for tests that need a clean slate. */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createTables, type TableNames, tableNames } from '#local/dynamodb/tables.ts';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';

/** A low-level client on DynamoDB Local (credentials and region from the environment global-setup set). */
export const dynamoClient = (): DynamoDBClient =>
  new DynamoDBClient({ endpoint: inject('endpoints').dynamodb, region: inject('region') });

/** The DocumentClient the adapters take, on DynamoDB Local. */
export const documentClient = (): DynamoDBDocumentClient => createDocumentClient(dynamoClient());

/** The shared tables global-setup created. */
export const sharedTables = (): TableNames => inject('tables');

/**
 * A fresh set of the topology's tables under a unique prefix, for tests whose assertions need to see every item
 * of an index partition (lists by state); `drop()` deletes them.
 */
export const privateTables = async (
  label: string,
): Promise<{ names: TableNames; drop: () => Promise<void> }> => {
  const client = dynamoClient();
  const names = tableNames(`${label}-${randomUUID().slice(0, 8)}`);
  await createTables(client, names);
  return {
    names,
    drop: async () => {
      await Promise.all(
        Object.values(names).map((TableName) => client.send(new DeleteTableCommand({ TableName }))),
      );
      client.destroy();
    },
  };
};
