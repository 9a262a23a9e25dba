/**
 * The middy stack of queue consumers, defined once: Powertools logger, then Powertools Batch with partial batch
 * responses. Each record's body is parsed with its zod schema; a record that fails (a poison message, or work to
 * retry later) is reported in `batchItemFailures` and comes back after its visibility timeout, then lands in the
 * queue's DLQ after maxReceiveCount, without blocking the rest of its batch.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ZodType } from 'zod';
import { logger } from './http.ts';

export const queueConsumer = <T>(
  schema: ZodType<T>,
  handle: (job: T, context: Context, record: SQSRecord) => Promise<unknown>,
  options: { inParallel?: boolean } = {},
) => {
  const processor = new BatchProcessor(EventType.SQS);
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) =>
      processPartialResponse(
        event,
        async (record: SQSRecord) => {
          let body: unknown;
          try {
            body = JSON.parse(record.body);
          } catch {
            logger.error('Poison message: body is not JSON', { messageId: record.messageId });
            throw new Error(`Message ${record.messageId} is not JSON`);
          }
          const job = schema.safeParse(body);
          if (!job.success) {
            logger.error('Poison message: body is not a job', {
              messageId: record.messageId,
              issues: job.error.issues,
            });
            throw new Error(`Message ${record.messageId} is not a job`);
          }
          try {
            return await handle(job.data, context, record);
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
      ),
    );
};

/** The time a consumer may use before handing over to a continuation job. */
export const budget = (context: Context, marginMs: number): number =>
  Math.max(1_000, context.getRemainingTimeInMillis() - marginMs);
