/**
 * The middy stack of queue consumers, defined once: observability (Powertools logger, tracer, metrics:
 * functions/lib/observability.ts), then Powertools Batch with partial batch responses. A record that fails (a
 * poison message, or work to retry later) is reported in `batchItemFailures` and comes back after its visibility
 * timeout, then lands in the queue's DLQ after maxReceiveCount, without blocking the rest of its batch. A job
 * consumer may also take more jobs from its queue itself while its invocation has time (`queueConsumer`'s `more`).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ZodType } from 'zod';
import type { JobSource, ReceivedMessage } from '#ports/index.ts';
import { logger, observe } from './observability.ts';

/**
 * A consumer of SQS records. `perInvocation` makes what the records of one invocation share (e.g. counter deltas
 * gathered over the batch), and `afterBatch` runs once they are all processed, failed or not.
 */
export const recordConsumer = <S = undefined>(
  handle: (record: SQSRecord, context: Context, shared: S) => Promise<unknown>,
  options: {
    inParallel?: boolean;
    perInvocation?: () => S;
    afterBatch?: (shared: S) => Promise<void>;
  } = {},
) => {
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(observe())
    .handler(async (event, context) => {
      // A processor per invocation: it holds the batch's records and results, and the local runtime runs several
      // invocations of one handler at once in one process (a shared one mixed their records and lost deltas).
      const processor = new BatchProcessor(EventType.SQS);
      const shared = options.perInvocation?.() as S;
      try {
        return await processPartialResponse(
          event,
          async (record: SQSRecord) => {
            logger.debug('Record', {
              messageId: record.messageId,
              receiveCount: record.attributes.ApproximateReceiveCount,
            });
            try {
              return await handle(record, context, shared);
            } catch (error) {
              logger.warn('Record failed; it will be retried', {
                messageId: record.messageId,
                error: error as Error,
              });
              throw error;
            }
          },
          processor,
          { context, throwOnFullBatchFailure: false, processInParallel: options.inParallel ?? false },
        );
      } finally {
        await options.afterBatch?.(shared);
      }
    });
};

/** A record whose body can never be processed (retrying cannot help). */
export class PoisonMessage extends Error {
  override name = 'PoisonMessage';
}

/** Parses a record's body as JSON; a PoisonMessage otherwise. */
export const jsonBody = (record: Pick<SQSRecord, 'messageId' | 'body'>): unknown => {
  try {
    return JSON.parse(record.body);
  } catch {
    throw new PoisonMessage(`Message ${record.messageId} is not JSON`);
  }
};

/** What a job's handler knows of the message that carried it. */
export interface JobMessage {
  messageId: string;
  /** Receives of the message so far, this one included. */
  receiveCount: number;
  /** The consumer took it from its queue itself, after a job of its batch (`more`), instead of the event source. */
  continued: boolean;
  /**
   * This run of the job, unique in the process: a message received again while its first run goes on (its
   * visibility timeout ran out: a continuation job can outlast a short one) is another run, and, say, another
   * lease owner.
   */
  runId: string;
}

let runs = 0;
const runIdOf = (messageId: string): string => `${messageId}#${++runs}`;

/**
 * More jobs for an invocation: after each record's job, its worker takes the next job from `source` (the
 * consumer's own trigger queue) while `while` says the invocation has time for one, runs it with the same
 * per-invocation state, and marks it done on success.
 */
export interface MoreJobs<S> {
  source: JobSource;
  while: (context: Context, shared: S) => boolean;
}

/** The job a body holds (JSON checked against the schema); a PoisonMessage, logged at ERROR, otherwise. */
const parseJob = <T>(schema: ZodType<T>, messageId: string, body: string): T => {
  let json: unknown;
  try {
    json = jsonBody({ messageId, body });
  } catch (error) {
    logger.error('Poison message: body is not JSON', { messageId });
    throw error;
  }
  const job = schema.safeParse(json);
  if (!job.success) {
    logger.error('Poison message: body is not a job', { messageId, issues: job.error.issues });
    throw new PoisonMessage(`Message ${messageId} is not a job`);
  }
  return job.data;
};

/**
 * A worker's continuation jobs, one at a time until `while` says no, the queue has none, or one fails. A job that
 * fails (or cannot be received, parsed or deleted) is left not done: it comes back after the queue's visibility
 * timeout and reaches the DLQ by the queue's redrive policy, as a failed record does; it never fails the record
 * whose worker ran it. A failed job stops the worker (the cause may be the invocation's, not the job's: the event
 * source's backoff then paces the retries, not this loop); a poison body does not (it is that message's).
 */
const runMore = async <T, S>(
  more: MoreJobs<S>,
  schema: ZodType<T>,
  handle: (job: T, context: Context, message: JobMessage, shared: S) => Promise<unknown>,
  context: Context,
  shared: S,
): Promise<void> => {
  while (more.while(context, shared)) {
    let received: ReceivedMessage | undefined;
    try {
      [received] = await more.source.receive(1);
    } catch (error) {
      logger.warn('Could not take another job from the queue', { error: error as Error });
      return;
    }
    if (!received) return;
    const message = {
      messageId: received.messageId,
      receiveCount: received.receiveCount,
      continued: true,
      runId: runIdOf(received.messageId),
    };
    logger.debug('Continuation job', { messageId: message.messageId, receiveCount: message.receiveCount });
    let job: T;
    try {
      job = parseJob(schema, received.messageId, received.body);
    } catch {
      continue;
    }
    try {
      await handle(job, context, message, shared);
    } catch (error) {
      logger.warn('Continuation job failed; it will be retried', {
        messageId: message.messageId,
        error: error as Error,
      });
      return;
    }
    try {
      await received.done();
    } catch (error) {
      // Its job is over: it runs again when it comes back (a job run twice is harmless: the ledger's claims).
      logger.warn('Could not mark a continuation job done', {
        messageId: message.messageId,
        error: error as Error,
      });
    }
  }
};

/**
 * A consumer of job messages: each body is JSON checked against the job's zod schema. With `more`, each record's
 * worker goes on with continuation jobs from the queue once its record's job is over, failed or not (`runMore`);
 * the record's own result is what the batch response reports, and `afterBatch` runs once every worker stopped.
 */
export const queueConsumer = <T, S = undefined>(
  schema: ZodType<T>,
  handle: (job: T, context: Context, message: JobMessage, shared: S) => Promise<unknown>,
  options: {
    inParallel?: boolean;
    perInvocation?: () => S;
    afterBatch?: (shared: S) => Promise<void>;
    more?: MoreJobs<S>;
  } = {},
) => {
  const { more, ...consumer } = options;
  return recordConsumer<S>(async (record, context, shared) => {
    const message = {
      messageId: record.messageId,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
      continued: false,
      runId: runIdOf(record.messageId),
    };
    try {
      return await handle(parseJob(schema, record.messageId, record.body), context, message, shared);
    } finally {
      if (more) await runMore(more, schema, handle, context, shared);
    }
  }, consumer);
};

/** The time a consumer may use before handing over to a continuation job. */
export const budget = (context: Context, marginMs: number): number =>
  Math.max(1_000, context.getRemainingTimeInMillis() - marginMs);

/**
 * Whether an invocation has time for another job of its queue: the time left holds the longest job it ran so far
 * with `headroom`, and never less than `floorMs` (a job measured short may have been a short page).
 */
export const timeForAnotherJob = (
  remainingMs: number,
  longestJobMs: number,
  floorMs = 30_000,
  headroom = 1.5,
): boolean => remainingMs > Math.max(floorMs, longestJobMs * headroom);
