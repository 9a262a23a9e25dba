/**
 * Queues, pollers, the local scheduler and redrive in the running runtime (`node local/main.ts`, as npm start runs
 * it, with LOCAL_VISIBILITY_TIMEOUT_SECONDS=1): the endpoints list the topology's queues and dead-letter queues;
 * the queues carry the topology's redrive policy; a poison message sent to a real consumer's queue reaches its
 * dead-letter queue and `npm run redrive` moves it back; the scheduler serves the real SchedulerClient, fires a
 * due schedule on the runtime's clock, and keeps its schedules over a restart.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functions, type QueueName, queues } from '#topology/topology.ts';
import { queueDepth } from '#test/helpers/sqs.ts';
import { client, jvmPids, type RuntimeProcess, startRuntimeProcess, waitFor } from '#test/helpers/runtime.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const ACCOUNT = '000000000000';
const GROUP = 'local-deliveries';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/local-scheduler`;
const SCHEDULES_DLQ_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:local-schedules-dlq`;
const SCHEDULED_START_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:scheduledStart`;

interface Endpoints {
  sqs: string;
  scheduler: string;
  queues: Record<QueueName, string>;
  dlqs: Record<QueueName, string>;
  schedulesDlq: string;
}

let runtime: RuntimeProcess | undefined;
let dataDir = '';
let endpoints: Endpoints;
let sqs: SQSClient;
let scheduler: SchedulerClient;

const connect = async () => {
  endpoints = (await client(runtime!.url).request('GET', '/local/endpoints')).body as Endpoints;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  sqs?.destroy();
  scheduler?.destroy();
  sqs = new SQSClient({ region: 'us-east-1', endpoint: endpoints.sqs, credentials });
  scheduler = new SchedulerClient({
    region: 'us-east-1',
    endpoint: endpoints.scheduler,
    credentials,
    maxAttempts: 1,
  });
};

beforeAll(async () => {
  runtime = await startRuntimeProcess({ seed: false, env: { LOCAL_VISIBILITY_TIMEOUT_SECONDS: '1' } });
  dataDir = runtime.dataDir;
  await connect();
}, 180_000);

afterAll(async () => {
  sqs?.destroy();
  scheduler?.destroy();
  await runtime?.stop();
  if (dataDir) {
    expect(jvmPids(dataDir)).toEqual([]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);

const depth = (url: string): Promise<number> => queueDepth(sqs, url);

/** Wall time in UTC, as at() takes it. */
const wallTimeUtc = (ms: number) => new Date(ms).toISOString().slice(0, 19);

describe('queues in the running runtime', () => {
  it("lists the topology's queues and dead-letter queues, with the topology's redrive policy", async () => {
    const base = endpoints.sqs;
    expect(endpoints.queues).toEqual(
      Object.fromEntries(Object.keys(queues).map((q) => [q, `${base}/${ACCOUNT}/local-${q}`])),
    );
    expect(endpoints.dlqs).toEqual(
      Object.fromEntries(Object.keys(queues).map((q) => [q, `${base}/${ACCOUNT}/local-${q}-dlq`])),
    );
    expect(endpoints.schedulesDlq).toBe(`${base}/${ACCOUNT}/local-schedules-dlq`);
    expect(endpoints.scheduler).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const { Attributes: send = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: endpoints.queues.send, AttributeNames: ['All'] }),
    );
    expect(send.VisibilityTimeout).toBe('1'); // LOCAL_VISIBILITY_TIMEOUT_SECONDS
    expect(send.MessageRetentionPeriod).toBe(String(queues.send.retentionDays * 86_400));
    expect(JSON.parse(send.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:local-send-dlq`,
      maxReceiveCount: queues.send.maxReceiveCount,
    });
    const { Attributes: dlq = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: endpoints.dlqs.send,
        AttributeNames: ['MessageRetentionPeriod'],
      }),
    );
    expect(dlq.MessageRetentionPeriod).toBe(String(14 * 86_400));
  });

  it('moves a poison message through the real consumer to its dead-letter queue; redrive moves it back', async () => {
    expect(functions.starter.trigger).toMatchObject({ kind: 'queue', queue: 'start' });
    await sqs.send(
      new SendMessageCommand({ QueueUrl: endpoints.queues.start, MessageBody: 'not a start job' }),
    );
    await waitFor(
      'the poison message in local-start-dlq',
      async () => (await depth(endpoints.dlqs.start)) === 1,
    );
    expect(await depth(endpoints.queues.start)).toBe(0);

    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['scripts/redrive.ts', 'start', '--local', runtime!.url],
      { cwd: REPO_ROOT, timeout: 30_000 },
    );
    expect(stdout).toBe('Moved 1 message from local-start-dlq to local-start.\n');
    expect(stderr).toMatch(/Moving messages from local-start-dlq back to local-start/);
    // Back through the start queue and its consumer, which still refuses it: it lands in the DLQ again.
    await waitFor(
      'the message back in local-start-dlq',
      async () => (await depth(endpoints.dlqs.start)) === 1,
    );
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: endpoints.dlqs.start, VisibilityTimeout: 0 }),
    );
    expect(Messages.map((m) => m.Body)).toEqual(['not a start job']);
  });
});

describe('the local scheduler in the running runtime', () => {
  it('fires a due schedule on its own clock, with the context attributes, and deletes it', async () => {
    const due = Date.now() - 60_000;
    const { ScheduleArn } = await scheduler.send(
      new CreateScheduleCommand({
        Name: 'to-a-queue',
        GroupName: GROUP,
        ScheduleExpression: `at(${wallTimeUtc(due)})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        // A queue target (no consumer polls the schedules' dead-letter queue): the input arrives as the body.
        Target: {
          Arn: SCHEDULES_DLQ_ARN,
          RoleArn: ROLE,
          Input: '{"at":"<aws.scheduler.scheduled-time>","arn":"<aws.scheduler.schedule-arn>"}',
        },
      }),
    );
    await waitFor('the schedule to fire', async () => (await depth(endpoints.schedulesDlq)) === 1);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: endpoints.schedulesDlq, VisibilityTimeout: 0 }),
    );
    expect(JSON.parse(Messages[0]!.Body!)).toEqual({
      at: `${new Date(Math.floor(due / 1000) * 1000).toISOString().slice(0, 19)}Z`,
      arn: ScheduleArn,
    });
    await expect(
      scheduler.send(new GetScheduleCommand({ Name: 'to-a-queue', GroupName: GROUP })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('keeps a schedule of the scheduled-start function over a restart', async () => {
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'delivery-kept',
        GroupName: GROUP,
        ScheduleExpression: 'at(2099-01-01T09:00:00)',
        ScheduleExpressionTimezone: 'Europe/Paris',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: SCHEDULED_START_ARN,
          RoleArn: ROLE,
          Input: '{"deliveryId":"kept","kind":"once","scheduledTime":"<aws.scheduler.scheduled-time>"}',
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: SCHEDULES_DLQ_ARN },
        },
      }),
    );
    const before = endpoints;
    await runtime!.stop();
    runtime = await startRuntimeProcess({
      dataDir,
      seed: false,
      env: { LOCAL_VISIBILITY_TIMEOUT_SECONDS: '1' },
    });
    await connect();
    expect(endpoints.scheduler).not.toBe(before.scheduler);

    const kept = await scheduler.send(new GetScheduleCommand({ Name: 'delivery-kept', GroupName: GROUP }));
    expect(kept).toMatchObject({
      ScheduleExpression: 'at(2099-01-01T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Target: { Arn: SCHEDULED_START_ARN, DeadLetterConfig: { Arn: SCHEDULES_DLQ_ARN } },
    });
    // The queues kept their messages, reached at URLs on the emulator's new port.
    expect(await depth(endpoints.schedulesDlq)).toBe(1);
    expect(await depth(endpoints.dlqs.start)).toBe(1);
  }, 180_000);
});
