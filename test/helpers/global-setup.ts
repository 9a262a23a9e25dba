/**
 * vitest globalSetup of the integration (and e2e) projects: starts the emulators once per run with a temporary
 * data folder, creates every table of the topology, points the SDK at them through the AWS_ENDPOINT_URL_*
 * variables the workers inherit, hands endpoints and table names to tests through `inject()`, and tears it all
 * down afterwards, the DynamoDB Local JVM included.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TestProject } from 'vitest/node';
import { type EmulatorEndpoints, startEmulators } from '#local/emulators.ts';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createTables, type TableNames, tableNames } from '#local/dynamodb/tables.ts';
import { createQueues, type QueueResources } from '#local/sqs/queues.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Loopback endpoints of the emulators. */
    endpoints: EmulatorEndpoints;
    /** Physical names of the topology's tables, created before any test runs. */
    tables: TableNames;
    /** The region and static credentials the emulators are used with. */
    region: string;
    /** The topology's queues (prefix `it`), with their dead-letter queues. */
    queues: QueueResources;
  }
}

export const REGION = 'us-east-1';
export const TABLE_PREFIX = 'it';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cas-integration-'));
  // DynamoDB in memory: a test run throws its data away, and writes are 2–4× faster than on disk.
  // test/local/emulators.test.ts covers the on-disk store.
  const emulators = await startEmulators({ dataDir, dynamodbInMemory: true }).catch(
    async (error: unknown) => {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    },
  );
  try {
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: emulators.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: emulators.endpoints.sqs,
      AWS_ENDPOINT_URL_SESV2: emulators.endpoints.ses,
    });
    const names = tableNames(TABLE_PREFIX);
    const client = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb, region: REGION });
    try {
      await createTables(client, names);
    } finally {
      client.destroy();
    }
    const sqs = new SQSClient({ endpoint: emulators.endpoints.sqs, region: REGION });
    try {
      project.provide(
        'queues',
        await createQueues(sqs, { prefix: TABLE_PREFIX, endpoint: emulators.endpoints.sqs }),
      );
    } finally {
      sqs.destroy();
    }
    project.provide('endpoints', emulators.endpoints);
    project.provide('tables', names);
    project.provide('region', REGION);
  } catch (error) {
    await emulators.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return async () => {
    await emulators.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
