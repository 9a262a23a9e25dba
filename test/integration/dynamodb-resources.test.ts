import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { tables } from '#topology/topology.ts';
import { createTables, tableNames } from '#local/dynamodb/tables.ts';
import { dynamoClient, sharedTables } from '#test/helpers/emulators.ts';

describe('local/resources (DynamoDB Local)', () => {
  it('names tables <prefix>-<name>, or by the bare name without a prefix', () => {
    expect(tableNames('cas')).toEqual({
      deliveries: 'cas-deliveries',
      profiles: 'cas-profiles',
      recipients: 'cas-recipients',
      events: 'cas-events',
      idempotency: 'cas-idempotency',
    });
    expect(tableNames('').events).toBe('events');
  });

  it('creates every table of the topology with its keys, GSIs and TTL, and is idempotent', async () => {
    const client = dynamoClient();
    const names = sharedTables();
    expect(await createTables(client, names)).toEqual({ created: [], existing: Object.values(names).sort() });
    for (const [name, spec] of Object.entries(tables)) {
      const physical = names[name as keyof typeof names];
      const { Table } = await client.send(new DescribeTableCommand({ TableName: physical }));
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: spec.partitionKey, KeyType: 'HASH' },
        ...('sortKey' in spec ? [{ AttributeName: spec.sortKey, KeyType: 'RANGE' }] : []),
      ]);
      const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((i) => ({
        name: i.IndexName,
        keys: i.KeySchema?.map((k) => `${k.KeyType}:${k.AttributeName}`),
      }));
      expect(indexes.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual(
        spec.indexes
          .map((i) => ({
            name: i.name,
            keys: [`HASH:${i.partitionKey}`, ...('sortKey' in i ? [`RANGE:${i.sortKey}`] : [])],
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      );
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: physical }));
      if ('ttlAttribute' in spec) {
        expect(ttl.TimeToLiveDescription).toMatchObject({
          TimeToLiveStatus: 'ENABLED',
          AttributeName: spec.ttlAttribute,
        });
      } else {
        expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
      }
    }
  });
});
