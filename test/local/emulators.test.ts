import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetAccountCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '#local/emulators.ts';
import { createTables, tableNames } from '#local/dynamodb/tables.ts';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A second set of emulators on its own data folder (the shared ones keep running): what `npm start` relies on,
 * data that survives a SIGKILL of DynamoDB Local, and a JVM that never outlives stop().
 */
describe('local/emulators', () => {
  const started: Emulators[] = [];
  let dataDir = '';

  afterAll(async () => {
    await Promise.all(started.map((e) => e.stop()));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps DynamoDB and SQS data across a SIGKILL of the JVM and a restart, and stops cleanly', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cas-emulators-'));
    const names = tableNames('persist');
    const first = await startEmulators({ dataDir, sesQuota: { max24HourSend: 5_000, maxSendRate: 14 } });
    started.push(first);
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const clients = (e: Emulators) => ({
      raw: new DynamoDBClient({ endpoint: e.endpoints.dynamodb, region: 'us-east-1', credentials }),
      sqs: new SQSClient({ endpoint: e.endpoints.sqs, region: 'us-east-1', credentials }),
      ses: new SESv2Client({ endpoint: e.endpoints.ses, region: 'us-east-1', credentials }),
    });
    const a = clients(first);
    expect(Object.values(first.endpoints).every((url) => url.startsWith('http://127.0.0.1:'))).toBe(true);
    expect((await a.ses.send(new GetAccountCommand({}))).SendQuota).toEqual({
      Max24HourSend: 5_000,
      MaxSendRate: 14,
      SentLast24Hours: 0,
    });
    await createTables(a.raw, names);
    await createDocumentClient(a.raw).send(
      new PutCommand({
        TableName: names.deliveries,
        Item: { pk: 'D#kept', sk: 'DELIVERY', state: 'sending' },
      }),
    );
    const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'persisted' }));
    await a.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'still here' }));

    const jvm = first.pids.dynamodb;
    process.kill(jvm, 'SIGKILL');
    await first.stop();
    expect(alive(jvm)).toBe(false);
    for (const c of Object.values(a)) c.destroy();

    const second = await startEmulators({ dataDir });
    started.push(second);
    const b = clients(second);
    expect(await createTables(b.raw, names)).toMatchObject({ created: [] });
    const kept = await createDocumentClient(b.raw).send(
      new GetCommand({ TableName: names.deliveries, Key: { pk: 'D#kept', sk: 'DELIVERY' } }),
    );
    expect(kept.Item).toEqual({ pk: 'D#kept', sk: 'DELIVERY', state: 'sending' });
    const received = await b.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
    expect(received.Messages?.map((m) => m.Body)).toEqual(['still here']);

    const jvm2 = second.pids.dynamodb;
    await second.stop();
    await second.stop();
    expect(alive(jvm2)).toBe(false);
    for (const c of Object.values(b)) c.destroy();
  });
});
