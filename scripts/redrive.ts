/**
 * `npm run redrive -- <queue> [--local [URL]] [--max N]`: moves the messages of a queue's dead-letter queue back
 * to the queue, and prints how many moved.
 *
 * - `<queue>`: a queue of the topology (prepare, start, send).
 * - `--local [URL]`: the embedded runtime at URL (default http://127.0.0.1:3000); the queue URLs come from its
 *   `GET /local/endpoints`. Without it, AWS: the queues `confirm-and-send-<queue>` and `confirm-and-send-<queue>-dlq`
 *   (as the CDK stack names them) are found with GetQueueUrl, with the default credential chain and region.
 * - `--max N`: move at most N messages (default: until the dead-letter queue is empty).
 *
 * Each round receives up to 10 messages from the dead-letter queue (long poll, so an empty answer means empty),
 * sends them to the queue with SendMessageBatch (body and message attributes; entries that fail are retried),
 * and deletes from the dead-letter queue only those sent. A message that could not be sent stays in the
 * dead-letter queue (it reappears after the visibility timeout) and the command exits non-zero.
 * Exit codes: 0 done, 1 failed, 2 bad usage.
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
import { type QueueName, queues } from '#topology/topology.ts';

const USAGE =
  'Usage: npm run redrive -- <queue> [--local [URL]] [--max N]   (queue: one of prepare, start, send)';
const DEFAULT_LOCAL_URL = 'http://127.0.0.1:3000';
/** The prefix of the physical queue names in AWS. */
export const AWS_QUEUE_PREFIX = 'confirm-and-send';
/** How long received dead-letter messages stay invisible while they are moved. */
const VISIBILITY_TIMEOUT_SECONDS = 60;
const SEND_ATTEMPTS = 5;

class UsageError extends Error {}

export interface RedriveArgs {
  queue: QueueName;
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
      const inline = arg.startsWith('--local=') ? arg.slice('--local='.length) : undefined;
      const next = argv[i + 1];
      if (inline !== undefined) local = inline;
      else if (next !== undefined && /^https?:\/\//.test(next)) {
        local = next;
        i += 1;
      } else local = DEFAULT_LOCAL_URL;
      if (!/^https?:\/\/[^/]+/.test(local)) throw new UsageError(`--local takes a URL, not "${local}".`);
    } else if (arg === '--max' || arg.startsWith('--max=')) {
      const value = arg.startsWith('--max=') ? arg.slice('--max='.length) : argv[(i += 1)];
      max = Number(value);
      if (!Number.isInteger(max) || max < 1)
        throw new UsageError(`--max takes a whole number above 0, not "${value}".`);
    } else if (arg === '--help' || arg === '-h') {
      throw new UsageError('');
    } else if (arg.startsWith('-')) {
      throw new UsageError(`Unknown option ${arg}.`);
    } else if (queue === undefined) {
      queue = arg;
    } else {
      throw new UsageError(`One queue at a time (got "${queue}" and "${arg}").`);
    }
  }
  if (queue === undefined) throw new UsageError('Name the queue whose dead-letter queue to move back.');
  if (!(queue in queues))
    throw new UsageError(`Unknown queue "${queue}": one of ${Object.keys(queues).join(', ')}.`);
  return { queue: queue as QueueName, local, max };
};

export interface Target {
  client: SQSClient;
  source: { name: string; url: string };
  dlq: { name: string; url: string };
}

const localTarget = async (url: string, queue: QueueName): Promise<Target> => {
  const endpointsUrl = `${url.replace(/\/+$/, '')}/local/endpoints`;
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
  };
  const source = endpoints.queues?.[queue];
  const dlq = endpoints.dlqs?.[queue];
  if (!endpoints.sqs || !source || !dlq)
    throw new Error(`The runtime at ${url} lists no queue "${queue}" with a dead-letter queue.`);
  const name = (u: string) => u.slice(u.lastIndexOf('/') + 1);
  return {
    client: new SQSClient({
      region: 'us-east-1',
      endpoint: endpoints.sqs,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    source: { name: name(source), url: source },
    dlq: { name: name(dlq), url: dlq },
  };
};

const awsTarget = async (queue: QueueName): Promise<Target> => {
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
  const [source, dlq] = await Promise.all([
    resolve(`${AWS_QUEUE_PREFIX}-${queue}`),
    resolve(`${AWS_QUEUE_PREFIX}-${queue}-dlq`),
  ]);
  return { client, source, dlq };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends the messages to the queue; returns those sent (entries failing on SQS's side retried with back-off). */
const sendAll = async (
  target: Target,
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
      const out = await target.client.send(
        new SendMessageBatchCommand({ QueueUrl: target.source.url, Entries: entries }),
      );
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

export const redrive = async (
  target: Target,
  max: number | null,
  progress: (moved: number) => void = () => {},
): Promise<{ moved: number; notMoved: number; errors: string[] }> => {
  let moved = 0;
  let notMoved = 0;
  const errors: string[] = [];
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
    const { sent, errors: sendErrors } = await sendAll(target, messages);
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

const main = async (argv: readonly string[]): Promise<number> => {
  let args: RedriveArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) console.error(error.message);
    console.error(USAGE);
    return 2;
  }
  let target: Target | undefined;
  try {
    target = args.local ? await localTarget(args.local, args.queue) : await awsTarget(args.queue);
    const t = target;
    console.error(
      `Moving messages from ${t.dlq.name} back to ${t.source.name}${args.max ? ` (at most ${args.max})` : ''}…`,
    );
    let lastReport = Date.now();
    const result = await redrive(t, args.max, (moved) => {
      if (Date.now() - lastReport >= 2_000) {
        lastReport = Date.now();
        console.error(`  ${moved} moved so far…`);
      }
    });
    console.log(
      `Moved ${result.moved} message${result.moved === 1 ? '' : 's'} from ${t.dlq.name} to ${t.source.name}.`,
    );
    if (result.notMoved > 0 || result.errors.length > 0) {
      console.error(
        `${result.notMoved} message(s) could not be moved and stay in ${t.dlq.name}: ${[...new Set(result.errors)].join('; ')}`,
      );
      return 1;
    }
    return 0;
  } catch (error) {
    console.error(`Redrive failed: ${(error as Error).message}`);
    return 1;
  } finally {
    target?.client.destroy();
  }
};

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
