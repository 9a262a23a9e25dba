/**
 * `npm run redrive -- <queue> [--local [URL]] [--max N]`: moves the messages of a dead-letter queue back to where
 * they are processed, and prints how many moved. `--help` prints the full help.
 *
 * - `<queue>`: a queue of the topology (prepare, start, send, events): its dead-letter queue's messages are sent
 *   back to the queue; or `schedules`: the schedules' dead-letter queue, whose messages are failed scheduled starts
 *   (the schedule's input as the body when EventBridge Scheduler could not invoke the function, or Lambda's
 *   invocation record with the input as `requestPayload` when the function failed after its retries): each input
 *   is given to the scheduled-start function again, synchronously, and removed once it ran without error.
 * - `--local [URL]`: the embedded runtime at URL (default http://127.0.0.1:3000); the queue URLs come from its
 *   `GET /local/endpoints`, and the scheduled-start function is run through its `POST /local/invoke/{function}`.
 *   Without it, AWS with the default credential chain and region: the queues `confirm-and-send-<queue>` and
 *   `confirm-and-send-<queue>-dlq` (as the CDK stacks name them), found with GetQueueUrl, and the function
 *   `confirm-and-send-scheduled-start`, invoked with Lambda Invoke.
 * - `--max N`: move at most N messages (default: until the dead-letter queue is empty).
 *
 * Each round receives up to 10 messages from the dead-letter queue (long poll, so an empty answer means empty),
 * sends them to the queue with SendMessageBatch (body and message attributes; entries that fail are retried), or
 * runs each failed scheduled start, and deletes from the dead-letter queue only those delivered. A message that
 * could not be delivered stays in the dead-letter queue (it reappears after the visibility timeout) and the command
 * exits non-zero. Progress goes to stderr every 2 seconds on long runs; the count to stdout.
 * Exit codes: 0 done, 1 failed, 2 bad usage (one line on stderr).
 */
import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type QueueName, queues } from '#topology/topology.ts';
import { HelpWanted, localOption, type Out, parseOrExit, UsageError } from './cli.ts';

/** The schedules' dead-letter queue: failed scheduled starts, run again through the scheduled-start function. */
export const SCHEDULES = 'schedules';
export type RedriveQueue = QueueName | typeof SCHEDULES;
const QUEUES: readonly RedriveQueue[] = [...(Object.keys(queues) as QueueName[]), SCHEDULES];

export const USAGE = `Usage: npm run redrive -- <queue> [--local [URL]] [--max N]   (queue: one of ${QUEUES.join(', ')})`;
export const HELP = `${USAGE}

Moves the messages of a dead-letter queue back to where they are processed, and prints how many moved.

  <queue>        prepare, start, send, events: the queue's dead-letter queue, sent back to the queue.
                 schedules: failed scheduled starts (the schedules' dead-letter queue), each run again by the
                 scheduled-start function; a start more than an hour late fails its delivery ("Fired too late").
  --local [URL]  the embedded runtime (npm start) at URL, default http://127.0.0.1:3000.
                 Without it: AWS, default credentials and region, queues confirm-and-send-<queue>[-dlq] and the
                 function confirm-and-send-scheduled-start.
  --max N        move at most N messages (default: until the dead-letter queue is empty).
  -h, --help     this help.

Exit codes: 0 done, 1 failed (what could not be moved stays in the dead-letter queue), 2 bad usage.`;
/** The prefix of the physical queue names in AWS. */
export const AWS_QUEUE_PREFIX = 'confirm-and-send';
/** The scheduled-start function's fixed name in AWS (infra/stacks/stateless.ts). */
export const SCHEDULE_TARGET_FUNCTION = `${AWS_QUEUE_PREFIX}-scheduled-start`;
/** Its name in the embedded runtime (the topology's). */
const LOCAL_SCHEDULE_TARGET = 'scheduledStart';
/** How long received dead-letter messages stay invisible while they are moved. */
const VISIBILITY_TIMEOUT_SECONDS = 60;
const SEND_ATTEMPTS = 5;

export interface RedriveArgs {
  queue: RedriveQueue;
  local: string | null;
  max: number | null;
}

export const parseArgs = (argv: readonly string[]): RedriveArgs => {
  let queue: string | undefined;
  let local: string | null = null;
  let max: number | null = null;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--local' || arg.startsWith('--local=')) {
      ({ url: local, last: i } = localOption(argv, i));
    } else if (arg === '--max' || arg.startsWith('--max=')) {
      const value = arg.startsWith('--max=') ? arg.slice('--max='.length) : argv[(i += 1)];
      max = value === undefined || value === '' ? Number.NaN : Number(value);
      if (!Number.isInteger(max) || max < 1)
        throw new UsageError(
          value === undefined
            ? '--max takes a whole number above 0.'
            : `--max takes a whole number above 0, not "${value}".`,
        );
    } else if (arg === '--help' || arg === '-h') {
      throw new HelpWanted();
    } else if (arg.startsWith('-')) {
      throw new UsageError(`Unknown option ${arg}.`);
    } else if (queue === undefined) {
      queue = arg;
    } else {
      throw new UsageError(`One queue at a time (got "${queue}" and "${arg}").`);
    }
  }
  if (queue === undefined) throw new UsageError('Name the queue whose dead-letter queue to move back.');
  if (!(QUEUES as readonly string[]).includes(queue))
    throw new UsageError(`Unknown queue "${queue}": one of ${QUEUES.join(', ')}.`);
  return { queue: queue as RedriveQueue, local, max };
};

/** Where the dead-letter messages go back to: a queue (SendMessageBatch) or the scheduled-start function. */
export type Destination =
  | { kind: 'queue'; name: string; url: string }
  | { kind: 'function'; name: string; invoke: (payload: string) => Promise<string | null> };

export interface Target {
  client: SQSClient;
  dlq: { name: string; url: string };
  destination: Destination;
  close?: () => void;
}

const localSqs = (endpoint: string) =>
  new SQSClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

const queueName = (url: string) => url.slice(url.lastIndexOf('/') + 1);

/** The scheduled-start function of the runtime at `base`, run as Lambda's Invoke does: null, or why it failed. */
const localInvoke =
  (base: string) =>
  async (payload: string): Promise<string | null> => {
    const response = await fetch(`${base}/local/invoke/${LOCAL_SCHEDULE_TARGET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
      signal: AbortSignal.timeout(120_000),
    });
    const body = await response.text();
    if (!response.ok) return `the runtime answered ${response.status}: ${body.slice(0, 300)}`;
    if (response.headers.get('x-amz-function-error')) return `function error: ${body.slice(0, 300)}`;
    return null;
  };

const localTarget = async (url: string, queue: RedriveQueue): Promise<Target> => {
  const base = url.replace(/\/+$/, '');
  const endpointsUrl = `${base}/local/endpoints`;
  let response: Response;
  try {
    response = await fetch(endpointsUrl, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(
      `No local runtime answers at ${url} (${(error as Error).message}). Start it with npm start, or pass --local <its URL>.`,
      { cause: error },
    );
  }
  if (!response.ok) throw new Error(`GET ${endpointsUrl} answered ${response.status}.`);
  const endpoints = (await response.json()) as {
    sqs?: string;
    queues?: Record<string, string>;
    dlqs?: Record<string, string>;
    schedulesDlq?: string;
  };
  if (queue === SCHEDULES) {
    if (!endpoints.sqs || !endpoints.schedulesDlq)
      throw new Error(`The runtime at ${url} lists no schedules dead-letter queue.`);
    return {
      client: localSqs(endpoints.sqs),
      dlq: { name: queueName(endpoints.schedulesDlq), url: endpoints.schedulesDlq },
      destination: { kind: 'function', name: LOCAL_SCHEDULE_TARGET, invoke: localInvoke(base) },
    };
  }
  const source = endpoints.queues?.[queue];
  const dlq = endpoints.dlqs?.[queue];
  if (!endpoints.sqs || !source || !dlq)
    throw new Error(`The runtime at ${url} lists no queue "${queue}" with a dead-letter queue.`);
  return {
    client: localSqs(endpoints.sqs),
    dlq: { name: queueName(dlq), url: dlq },
    destination: { kind: 'queue', name: queueName(source), url: source },
  };
};

const awsTarget = async (queue: RedriveQueue): Promise<Target> => {
  const client = new SQSClient({});
  const resolve = async (name: string) => {
    try {
      const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
      if (!QueueUrl) throw new Error('no URL returned');
      return { name, url: QueueUrl };
    } catch (error) {
      throw new Error(
        `Cannot find the queue ${name}: ${(error as Error).name}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  };
  if (queue === SCHEDULES) {
    const lambda = new LambdaClient({});
    const invoke = async (payload: string): Promise<string | null> => {
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: SCHEDULE_TARGET_FUNCTION,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(payload),
        }),
      );
      if (!out.FunctionError) return null;
      return `function error: ${new TextDecoder().decode(out.Payload ?? new Uint8Array()).slice(0, 300)}`;
    };
    return {
      client,
      dlq: await resolve(`${AWS_QUEUE_PREFIX}-schedules-dlq`),
      destination: { kind: 'function', name: SCHEDULE_TARGET_FUNCTION, invoke },
      close: () => lambda.destroy(),
    };
  }
  const [source, dlq] = await Promise.all([
    resolve(`${AWS_QUEUE_PREFIX}-${queue}`),
    resolve(`${AWS_QUEUE_PREFIX}-${queue}-dlq`),
  ]);
  return { client, dlq, destination: { kind: 'queue', ...source } };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends the messages to the queue; returns those sent (entries failing on SQS's side retried with back-off). */
const sendAll = async (
  client: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
): Promise<{ sent: Message[]; errors: string[] }> => {
  let pending: Array<{ id: string; message: Message }> = messages.map((message, i) => ({
    id: String(i),
    message,
  }));
  const sent: Message[] = [];
  const errors: string[] = [];
  let lastErrors: string[] = [];
  for (let attempt = 1; pending.length > 0 && attempt <= SEND_ATTEMPTS; attempt += 1) {
    if (attempt > 1) await sleep(200 * 2 ** attempt);
    const entries: SendMessageBatchRequestEntry[] = pending.map(({ id, message }) => ({
      Id: id,
      MessageBody: message.Body ?? '',
      ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0
        ? { MessageAttributes: message.MessageAttributes }
        : {}),
    }));
    try {
      const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      const ok = new Set((out.Successful ?? []).map((s) => s.Id));
      sent.push(...pending.filter((p) => ok.has(p.id)).map((p) => p.message));
      // A fault on the sender's side (too large, invalid) is final; others are worth another try.
      const failed = out.Failed ?? [];
      for (const f of failed.filter((f) => f.SenderFault === true))
        errors.push(`${f.Code}: ${f.Message ?? ''}`);
      const retriable = new Set(failed.filter((f) => f.SenderFault !== true).map((f) => f.Id));
      lastErrors = failed.filter((f) => f.SenderFault !== true).map((f) => `${f.Code}: ${f.Message ?? ''}`);
      pending = pending.filter((p) => retriable.has(p.id));
    } catch (error) {
      lastErrors = [`${(error as Error).name}: ${(error as Error).message}`];
    }
  }
  if (pending.length > 0) errors.push(...lastErrors);
  return { sent, errors };
};

/**
 * The schedule input a schedules dead letter carries: the body itself (Scheduler's dead letter), or the
 * `requestPayload` of Lambda's invocation record (the function's on-failure destination). Null when neither.
 */
export const scheduleInputOf = (body: string | undefined): string | null => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const record = parsed as { requestPayload?: unknown; requestContext?: unknown; deliveryId?: unknown };
  if (
    record.requestContext !== undefined &&
    typeof record.requestPayload === 'object' &&
    record.requestPayload
  )
    return JSON.stringify(record.requestPayload);
  return typeof record.deliveryId === 'string' ? JSON.stringify(parsed) : null;
};

/** Runs each failed scheduled start again, one after the other; returns those that ran without error. */
const invokeAll = async (
  invoke: (payload: string) => Promise<string | null>,
  messages: readonly Message[],
): Promise<{ sent: Message[]; errors: string[] }> => {
  const sent: Message[] = [];
  const errors: string[] = [];
  for (const message of messages) {
    const input = scheduleInputOf(message.Body);
    if (input === null) {
      errors.push(`message ${message.MessageId ?? '?'} holds no schedule input`);
      continue;
    }
    try {
      const failure = await invoke(input);
      if (failure === null) sent.push(message);
      else errors.push(failure);
    } catch (error) {
      errors.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  return { sent, errors };
};

export const redrive = async (
  target: Target,
  max: number | null,
  progress: (moved: number) => void = () => {},
): Promise<{ moved: number; notMoved: number; errors: string[] }> => {
  let moved = 0;
  let notMoved = 0;
  const errors: string[] = [];
  const { destination } = target;
  while (max === null || moved < max) {
    const want = Math.min(10, max === null ? 10 : max - moved);
    const { Messages: messages = [] } = await target.client.send(
      new ReceiveMessageCommand({
        QueueUrl: target.dlq.url,
        MaxNumberOfMessages: want,
        WaitTimeSeconds: 1,
        VisibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
        MessageAttributeNames: ['All'],
      }),
    );
    if (messages.length === 0) break;
    const { sent, errors: sendErrors } =
      destination.kind === 'queue'
        ? await sendAll(target.client, destination.url, messages)
        : await invokeAll(destination.invoke, messages);
    if (sent.length > 0) {
      const out = await target.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: target.dlq.url,
          Entries: sent.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      for (const f of out.Failed ?? [])
        errors.push(`moved but not deleted from the dead-letter queue (it will be moved again): ${f.Code}`);
    }
    moved += sent.length;
    progress(moved);
    if (sent.length < messages.length) {
      notMoved += messages.length - sent.length;
      errors.push(...sendErrors);
      // The messages not sent are invisible for a while: stop rather than receive the rest around them.
      break;
    }
  }
  return { moved, notMoved, errors };
};

export const main = async (argv: readonly string[], out: Out = console): Promise<number> => {
  const parsed = parseOrExit('redrive', HELP, parseArgs, argv, out);
  if ('exit' in parsed) return parsed.exit;
  const { args } = parsed;
  let target: Target | undefined;
  try {
    target = args.local ? await localTarget(args.local, args.queue) : await awsTarget(args.queue);
    const t = target;
    const to = t.destination.kind === 'queue' ? t.destination.name : `the function ${t.destination.name}`;
    out.error(`Moving messages from ${t.dlq.name} back to ${to}${args.max ? ` (at most ${args.max})` : ''}…`);
    let lastReport = Date.now();
    const result = await redrive(t, args.max, (moved) => {
      if (Date.now() - lastReport >= 2_000) {
        lastReport = Date.now();
        out.error(`  ${moved} moved so far…`);
      }
    });
    out.log(`Moved ${result.moved} message${result.moved === 1 ? '' : 's'} from ${t.dlq.name} to ${to}.`);
    if (result.notMoved > 0 || result.errors.length > 0) {
      out.error(
        `${result.notMoved} message(s) could not be moved and stay in ${t.dlq.name}: ${[...new Set(result.errors)].join('; ')}`,
      );
      return 1;
    }
    return 0;
  } catch (error) {
    out.error(`Redrive failed: ${(error as Error).message}`);
    return 1;
  } finally {
    target?.client.destroy();
    target?.close?.();
  }
};

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
