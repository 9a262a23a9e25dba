/**
 * Queue pollers: what the Lambda SQS event source mapping does in AWS, for every topology function with a queue
 * trigger. Each poller keeps up to the trigger's `maxConcurrency` batches in flight, each from a long-polled
 * ReceiveMessage of up to `batchSize` messages, gathered over the trigger's batching window; it hands the batch to
 * the handler as the SQS event AWS builds, and then:
 * - on success, deletes every message not named in the response's `batchItemFailures` (partial batch response,
 *   `itemIdentifier` = messageId); an invalid response fails the whole batch, as Lambda treats it;
 * - on a thrown error or a timeout, deletes none.
 * Messages not deleted come back after the queue's visibility timeout, and the queue's redrive policy moves them
 * to its dead-letter queue after `maxReceiveCount` receives (the SQS emulator does that, as SQS does).
 *
 * Not modelled: the event source's scaling ramp and its back-off after function errors (every slot polls at once).
 * The batching window counts from the first message received (short receives every 50 ms until the batch is
 * full or the window has passed); with no window, a batch is what one ReceiveMessage returns, topped up while
 * messages keep coming.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { FunctionName } from '#topology/topology.ts';
import { buildContext, type InvokeOutcome, invoke, type LoadedFunction } from '#local/lambda/invoke.ts';
import type { QueueRef } from './queues.ts';
import { type BatchVerdict, buildSqsEvent, readBatchResponse } from './sqs-event.ts';

/** Long-poll wait of each ReceiveMessage: short, so that stopping takes at most about this long. */
export const DEFAULT_WAIT_TIME_SECONDS = 1;

export interface PollerStats {
  /** ReceiveMessage and DeleteMessageBatch calls. */
  receives: number;
  deleteBatches: number;
  /** Batches handed to the handler, and of those, the ones that failed as a whole. */
  invocations: number;
  failedInvocations: number;
  deleted: number;
  /** Invocations running now. */
  inFlight: number;
  /** Time the invocations took, summed (what Lambda bills as duration). */
  busyMs: number;
}

export interface PollerOptions {
  sqs: SQSClient;
  /** The function and its queue trigger (batch size, maximum concurrency). */
  fn: LoadedFunction;
  queue: Pick<QueueRef, 'url' | 'arn'>;
  region: string;
  waitTimeSeconds?: number;
  /** How an invocation runs (default: lambda.ts `invoke` with a fresh context). */
  invoke?: (fn: LoadedFunction, event: SQSEvent) => Promise<InvokeOutcome>;
  /** A batch failed as a whole (function error, timeout or invalid response). */
  onBatchFailure?: (fn: LoadedFunction, reason: string, messageIds: readonly string[]) => void;
  /** SQS calls that failed (the poller backs off and goes on). */
  onPollError?: (fn: LoadedFunction, error: unknown) => void;
}

export interface Poller {
  readonly name: string;
  stats(): PollerStats;
  /** Receive loops still running (0 once stopped). */
  running(): number;
  /**
   * Stops receiving; batches already received are processed (and deleted) before it resolves. An invocation
   * still running after `graceMs` is left to finish on its own: its messages come back after their visibility
   * timeout.
   */
  stop(graceMs?: number): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

export const startPoller = (options: PollerOptions): Poller => {
  const { sqs, fn, queue, region } = options;
  if (fn.spec.trigger.kind !== 'queue') throw new Error(`${fn.name} has no queue trigger`);
  const { batchSize, maxConcurrency } = fn.spec.trigger;
  const waitTimeSeconds = options.waitTimeSeconds ?? DEFAULT_WAIT_TIME_SECONDS;
  const run = options.invoke ?? ((f, event) => invoke(f, event, buildContext(f)));
  const stats: PollerStats = {
    receives: 0,
    deleteBatches: 0,
    invocations: 0,
    failedInvocations: 0,
    deleted: 0,
    inFlight: 0,
    busyMs: 0,
  };
  const stopping = new AbortController();

  const receive = async (max: number, wait: number): Promise<Message[]> => {
    stats.receives += 1;
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: wait,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  };

  const windowMs = (fn.spec.trigger.maxBatchingWindowSeconds ?? 0) * 1000;

  /**
   * Up to `batchSize` messages: one long poll, then, as Lambda gathers a batch, more receives until the batch is full
   * or its batching window (from the first message) has passed; with no window, topped up without waiting while
   * messages keep coming (batch sizes above 10).
   */
  const receiveBatch = async (): Promise<Message[]> => {
    const batch = await receive(batchSize, waitTimeSeconds);
    const deadline = Date.now() + windowMs;
    while (batch.length > 0 && batch.length < batchSize) {
      const more = await receive(batchSize - batch.length, 0);
      batch.push(...more);
      if (more.length > 0) continue;
      if (Date.now() >= deadline || stopping.signal.aborted) break;
      await sleep(Math.min(50, deadline - Date.now()), stopping.signal);
    }
    return batch;
  };

  const deleteMessages = async (messages: readonly Message[]) => {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      stats.deleteBatches += 1;
      const out = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      stats.deleted += out.Successful?.length ?? 0;
      if (out.Failed && out.Failed.length > 0) {
        options.onPollError?.(
          fn,
          new Error(`DeleteMessageBatch failed for ${out.Failed.map((f) => f.Message ?? f.Code).join('; ')}`),
        );
      }
    }
  };

  const processBatch = async (messages: Message[]) => {
    const ids = messages.map((m) => m.MessageId ?? '');
    stats.inFlight += 1;
    stats.invocations += 1;
    let outcome: InvokeOutcome;
    const started = performance.now();
    try {
      outcome = await run(fn, buildSqsEvent(messages, queue.arn, region));
    } finally {
      stats.inFlight -= 1;
      stats.busyMs += performance.now() - started;
    }
    const verdict: BatchVerdict = outcome.ok
      ? readBatchResponse(outcome.result, ids)
      : { kind: 'failure', reason: `${outcome.errorType}: ${outcome.errorMessage}` };
    if (verdict.kind === 'failure') {
      stats.failedInvocations += 1;
      options.onBatchFailure?.(fn, verdict.reason, ids);
      return;
    }
    await deleteMessages(messages.filter((m) => !verdict.failed.has(m.MessageId ?? '')));
  };

  let running = 0;
  const slot = async () => {
    running += 1;
    let errors = 0;
    while (!stopping.signal.aborted) {
      try {
        const messages = await receiveBatch();
        errors = 0;
        // Received messages are processed even when stopping: they are ours until their visibility timeout.
        if (messages.length > 0) await processBatch(messages);
      } catch (error) {
        if (stopping.signal.aborted) break;
        errors += 1;
        if (errors === 1) options.onPollError?.(fn, error);
        await sleep(Math.min(5_000, 250 * 2 ** Math.min(errors, 5)), stopping.signal);
      }
    }
    running -= 1;
  };

  const slots = Array.from({ length: maxConcurrency }, () => slot());
  const done = Promise.all(slots).then(() => undefined);

  return {
    name: fn.name,
    stats: () => ({ ...stats }),
    running: () => running,
    async stop(graceMs = 30_000) {
      stopping.abort();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
        timer.unref();
      });
      await Promise.race([done, grace]);
      clearTimeout(timer);
    },
  };
};

export interface Pollers {
  pollers: ReadonlyMap<FunctionName, Poller>;
  /** SQS requests the pollers made, by operation ("SQS ReceiveMessage", "SQS DeleteMessageBatch"). */
  requests(): Record<string, number>;
  stop(graceMs?: number): Promise<void>;
}

/** One poller per function with a queue trigger, on the queue the topology names. */
export const startPollers = (options: {
  sqs: SQSClient;
  functions: ReadonlyMap<FunctionName, LoadedFunction>;
  queues: Record<string, Pick<QueueRef, 'url' | 'arn'>>;
  region: string;
  waitTimeSeconds?: number;
  onBatchFailure?: PollerOptions['onBatchFailure'];
  onPollError?: PollerOptions['onPollError'];
}): Pollers => {
  const pollers = new Map<FunctionName, Poller>();
  for (const [name, fn] of options.functions) {
    if (fn.spec.trigger.kind !== 'queue') continue;
    const queue = options.queues[fn.spec.trigger.queue];
    if (!queue) throw new Error(`No queue ${fn.spec.trigger.queue} for ${name}`);
    pollers.set(
      name,
      startPoller({
        sqs: options.sqs,
        fn,
        queue,
        region: options.region,
        ...(options.waitTimeSeconds !== undefined ? { waitTimeSeconds: options.waitTimeSeconds } : {}),
        ...(options.onBatchFailure ? { onBatchFailure: options.onBatchFailure } : {}),
        ...(options.onPollError ? { onPollError: options.onPollError } : {}),
      }),
    );
  }
  return {
    pollers,
    requests: () => {
      const all = [...pollers.values()].map((p) => p.stats());
      return {
        'SQS ReceiveMessage': all.reduce((n, s) => n + s.receives, 0),
        'SQS DeleteMessageBatch': all.reduce((n, s) => n + s.deleteBatches, 0),
      };
    },
    stop: async (graceMs) => {
      await Promise.all([...pollers.values()].map((p) => p.stop(graceMs)));
    },
  };
};
