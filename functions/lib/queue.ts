/**
 * The middy stack of queue consumers, defined once: observability (Powertools logger, tracer, metrics:
 * functions/lib/observability.ts), then Powertools Batch with partial batch responses. A record that fails (a poison message, or work to retry later) is reported in `batchItemFailures`
 * and comes back after its visibility timeout, then lands in the queue's DLQ after maxReceiveCount, without
 * blocking the rest of its batch.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ZodType } from 'zod';
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
export const jsonBody = (record: SQSRecord): unknown => {
  try {
    return JSON.parse(record.body);
  } catch {
    throw new PoisonMessage(`Message ${record.messageId} is not JSON`);
  }
};

/** A consumer of job messages: each body is JSON checked against the job's zod schema. */
export const queueConsumer = <T, S = undefined>(
  schema: ZodType<T>,
  handle: (job: T, context: Context, record: SQSRecord, shared: S) => Promise<unknown>,
  options: { inParallel?: boolean; perInvocation?: () => S; afterBatch?: (shared: S) => Promise<void> } = {},
) =>
  recordConsumer<S>(async (record, context, shared) => {
    let body: unknown;
    try {
      body = jsonBody(record);
    } catch (error) {
      logger.error('Poison message: body is not JSON', { messageId: record.messageId });
      throw error;
    }
    const job = schema.safeParse(body);
    if (!job.success) {
      logger.error('Poison message: body is not a job', {
        messageId: record.messageId,
        issues: job.error.issues,
      });
      throw new PoisonMessage(`Message ${record.messageId} is not a job`);
    }
    return handle(job.data, context, record, shared);
  }, options);

/** The time a consumer may use before handing over to a continuation job. */
export const budget = (context: Context, marginMs: number): number =>
  Math.max(1_000, context.getRemainingTimeInMillis() - marginMs);
