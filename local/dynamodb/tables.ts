/**
 * The local runtime's DynamoDB tables, built from the topology (topology/topology.ts) like the CDK stateful stack, so
 * local tables cannot drift from deployed ones. Idempotent: tables that exist are left as they are.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type Projection,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { projectionOf, type TableName, type TableSpec, tables, tableNameList } from '#topology/topology.ts';

export type TableNames = Record<TableName, string>;

/** Physical table names: `<prefix>-<logical name>` (`cas-deliveries`), or the logical name if the prefix is empty. */
export const tableNames = (prefix: string): TableNames =>
  Object.fromEntries(
    tableNameList().map((name) => [name, prefix ? `${prefix}-${name}` : name]),
  ) as TableNames;

const tableExists = async (client: DynamoDBClient, tableName: string): Promise<boolean> => {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
};

/** Every key attribute of the table and its indexes, each declared once (all keys are strings). */
const attributeDefinitions = (spec: TableSpec): AttributeDefinition[] => {
  const names = new Set<string>([spec.partitionKey]);
  if (spec.sortKey) names.add(spec.sortKey);
  for (const index of spec.indexes) {
    names.add(index.partitionKey);
    if (index.sortKey) names.add(index.sortKey);
  }
  return [...names].map((AttributeName) => ({ AttributeName, AttributeType: 'S' }));
};

const projection = (index: TableSpec['indexes'][number]): Projection => {
  const p = projectionOf(index);
  return p.type === 'INCLUDE'
    ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...p.attributes] }
    : { ProjectionType: p.type };
};

const createTable = async (client: DynamoDBClient, tableName: string, spec: TableSpec): Promise<void> => {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributeDefinitions(spec),
      KeySchema: [
        { AttributeName: spec.partitionKey, KeyType: 'HASH' },
        ...(spec.sortKey ? [{ AttributeName: spec.sortKey, KeyType: 'RANGE' as const }] : []),
      ],
      ...(spec.indexes.length > 0
        ? {
            GlobalSecondaryIndexes: spec.indexes.map((index) => ({
              IndexName: index.name,
              KeySchema: [
                { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
                ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : []),
              ],
              Projection: projection(index),
            })),
          }
        : {}),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
};

const enableTtl = async (client: DynamoDBClient, tableName: string, attribute: string): Promise<void> => {
  const out = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = out.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
    }),
  );
};

/**
 * Creates every table of the topology that does not exist yet (on-demand, with its GSIs) and turns TTL on where
 * the topology declares it. Returns which physical tables were created and which already existed.
 */
export const createTables = async (
  client: DynamoDBClient,
  names: TableNames,
): Promise<{ created: string[]; existing: string[] }> => {
  const created: string[] = [];
  const existing: string[] = [];
  await Promise.all(
    (Object.entries(tables) as Array<[TableName, TableSpec]>).map(async ([name, spec]) => {
      const tableName = names[name];
      if (await tableExists(client, tableName)) existing.push(tableName);
      else {
        try {
          await createTable(client, tableName, spec);
          created.push(tableName);
        } catch (error) {
          if (!(error instanceof ResourceInUseException)) throw error;
          // Created concurrently by another caller.
          await waitUntilTableExists(
            { client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
            { TableName: tableName },
          );
          existing.push(tableName);
        }
      }
      if (spec.ttlAttribute) await enableTtl(client, tableName, spec.ttlAttribute);
    }),
  );
  return { created: created.sort(), existing: existing.sort() };
};
