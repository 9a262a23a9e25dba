/**
 * `npm run redrive -- <queue> --local URL [--max N]` (scripts/redrive.ts, run as a child process) against queues
 * on the SQS emulator, found through a runtime's `GET /local/endpoints` (served here by a stand-in): it moves the
 * dead-letter queue's messages back, bodies and attributes intact, prints the count, honours --max, runs failed
 * scheduled starts again through the runtime's `POST /local/invoke/scheduledStart` (the stand-in's), prints its
 * help with --help, and fails clearly on bad usage or an unreachable runtime.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueues, type QueueResource } from '#local/sqs/queues.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

let fauxqs: FauxqsServer;
let sqs: SQSClient;
let endpoints: Server;
let runtimeUrl = '';
let send: QueueResource;
let schedulesDlq = '';
/** The bodies the stand-in's scheduled-start function was invoked with; it fails for delivery `d-fails`. */
const invoked: unknown[] = [];

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: fauxqs.address,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  ({ send } = await createQueues(sqs, {
    prefix: 'rd',
    endpoint: fauxqs.address,
    specs: {
      send: { description: 'send', visibilityTimeoutSeconds: 30, maxReceiveCount: 8, retentionDays: 4 },
    },
  }));
  ({ QueueUrl: schedulesDlq = '' } = await sqs.send(
    new CreateQueueCommand({ QueueName: 'rd-schedules-dlq' }),
  ));
  // What GET /local/endpoints and POST /local/invoke/scheduledStart of a running runtime answer.
  endpoints = createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/local/invoke/scheduledStart') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const input = JSON.parse(body) as { deliveryId: string };
        invoked.push(input);
        const failed = input.deliveryId === 'd-fails';
        response
          .writeHead(200, failed ? { 'x-amz-function-error': 'Unhandled' } : {})
          .end(JSON.stringify(failed ? { errorType: 'Error', errorMessage: 'boom' } : { result: 'started' }));
      });
      return;
    }
    if (request.url !== '/local/endpoints') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        sqs: fauxqs.address,
        queues: { send: send.url },
        dlqs: { send: send.dlq.url },
        schedulesDlq,
      }),
    );
  });
  endpoints.listen(0, '127.0.0.1');
  await once(endpoints, 'listening');
  runtimeUrl = `http://127.0.0.1:${(endpoints.address() as AddressInfo).port}`;
});

afterAll(async () => {
  endpoints?.close();
  sqs?.destroy();
  await fauxqs?.stop();
});

const redrive = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['scripts/redrive.ts', ...args], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

/** Receives every message of a queue (long polls until one comes back empty). */
const drain = async (url: string) => {
  const messages = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 300,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
  }
};

describe('npm run redrive', () => {
  it('moves the dead-letter messages back, at most --max of them, and prints how many', async () => {
    const bodies = Array.from({ length: 25 }, (_, i) => JSON.stringify({ deliveryId: 'd-1', n: i }));
    for (let i = 0; i < bodies.length; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: send.dlq.url,
          Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({
            Id: String(j),
            MessageBody,
            MessageAttributes: { origin: { DataType: 'String', StringValue: `batch-${i / 10}` } },
          })),
        }),
      );
    }

    const first = await redrive('send', '--local', runtimeUrl, '--max', '12');
    expect(first).toMatchObject({ code: 0, stdout: 'Moved 12 messages from rd-send-dlq to rd-send.\n' });
    expect(first.stderr).toMatch(/Moving messages from rd-send-dlq back to rd-send \(at most 12\)/);

    const rest = await redrive('send', `--local=${runtimeUrl}`);
    expect(rest).toMatchObject({ code: 0, stdout: 'Moved 13 messages from rd-send-dlq to rd-send.\n' });

    const none = await redrive('send', '--local', runtimeUrl);
    expect(none).toMatchObject({ code: 0, stdout: 'Moved 0 messages from rd-send-dlq to rd-send.\n' });

    expect(await drain(send.dlq.url)).toEqual([]);
    const moved = await drain(send.url);
    expect(moved.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    for (const m of moved) {
      const n = (JSON.parse(m.Body!) as { n: number }).n;
      expect(m.MessageAttributes).toEqual({
        origin: { DataType: 'String', StringValue: `batch-${Math.floor(n / 10)}` },
      });
    }
  });

  it('runs failed scheduled starts again: the input of Scheduler dead letters and of Lambda failure records', async () => {
    const input = (deliveryId: string) => ({
      deliveryId,
      kind: 'once',
      scheduledTime: '2026-12-01T09:00:00Z',
    });
    // Lambda's on-failure destination record (the function failed after its retries), and Scheduler's own dead
    // letter (it could not invoke the function): the input as the body, the reason in the attributes.
    const lambdaRecord = {
      version: '1.0',
      timestamp: '2026-12-01T09:03:10.000Z',
      requestContext: {
        requestId: randomUUID(),
        functionArn:
          'arn:aws:lambda:eu-west-1:123456789012:function:confirm-and-send-scheduled-start:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: input('d-lambda'),
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'Throttling: Rate exceeded' },
    };
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: schedulesDlq,
        Entries: [
          { Id: '1', MessageBody: JSON.stringify(lambdaRecord) },
          {
            Id: '2',
            MessageBody: JSON.stringify(input('d-scheduler')),
            MessageAttributes: {
              ERROR_CODE: { DataType: 'String', StringValue: 'ResourceNotFoundException' },
            },
          },
        ],
      }),
    );
    const moved = await redrive('schedules', '--local', runtimeUrl);
    expect(moved).toMatchObject({
      code: 0,
      stdout: 'Moved 2 messages from rd-schedules-dlq to the function scheduledStart.\n',
    });
    expect(invoked).toEqual(expect.arrayContaining([input('d-lambda'), input('d-scheduler')]));
    expect(invoked).toHaveLength(2);
    expect(await drain(schedulesDlq)).toEqual([]);

    // One that fails again stays in the dead-letter queue, and the command says so.
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: schedulesDlq,
        Entries: [{ Id: '1', MessageBody: JSON.stringify(input('d-fails')) }],
      }),
    );
    const failed = await redrive('schedules', '--local', runtimeUrl);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('Moved 0 messages from rd-schedules-dlq to the function scheduledStart.\n');
    expect(failed.stderr).toMatch(
      /1 message\(s\) could not be moved and stay in rd-schedules-dlq: function error/,
    );
  });

  it('prints its help with --help (exit 0), naming every queue', async () => {
    const r = await redrive('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Usage: npm run redrive -- <queue> \[--local \[URL\]\] \[--max N\] {3}\(queue: one of prepare, start, send, events, schedules\)\n/,
    );
    expect(r.stdout).toMatch(/Exit codes: 0 done, 1 failed .*, 2 bad usage/);
    expect(r.stderr).toBe('');
  });

  it('refuses bad usage with exit code 2 and one line naming the problem and the help', async () => {
    for (const [args, message] of [
      [[], /Name the queue/],
      [
        ['nope', '--local', runtimeUrl],
        /Unknown queue "nope": one of prepare, start, send, events, schedules/,
      ],
      [['send', '--max', '0'], /--max takes a whole number above 0/],
      [['send', '--max'], /--max takes a whole number above 0\./],
      [['send', '--frobnicate'], /Unknown option --frobnicate/],
    ] as const) {
      const r = await redrive(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^redrive: .* \(npm run redrive -- --help\)\n$/);
      expect(r.stdout).toBe('');
    }
  });

  it('exits 1 with a clear message when no runtime answers', async () => {
    const r = await redrive('send', '--local', 'http://127.0.0.1:9');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No local runtime answers at http:\/\/127\.0\.0\.1:9 .*Start it with npm start/);
  });
});
