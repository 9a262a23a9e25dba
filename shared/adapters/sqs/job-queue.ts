/**
 * JobQueue on SQS: jobs as JSON bodies, sent with SendMessageBatch (at most 10 entries and 1 MiB of bodies per
 * call). SendMessageBatch answers HTTP 200 even when some entries failed: those come back in `Failed` and are
 * sent again, with exponential backoff and full jitter, a bounded number of times; then `send` throws naming how
 * many jobs were not enqueued (the caller's retry enqueues its page again: a duplicate job is harmless, the
 * ledger's claim sends each recipient once). Entries a sender fault refused (too large, malformed) are not
 * retried: they would fail the same way.
 */
import { backoffDelay } from '#domain/sending.ts';
import {
  type SendMessageBatchRequestEntry,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { JobQueue } from '#ports/index.ts';
import { mapLimit } from '#adapters/dynamodb/batch.ts';

export interface SqsJobQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** Calls per batch, the first included, before giving up on its failed entries. Default 5. */
  maxAttempts?: number;
  /** Backoff ceiling of the first retry (doubled on each next one, at most 2 s). Default 50 ms. */
  baseDelayMs?: number;
  /** SendMessageBatch calls in flight. Default 4. */
  concurrency?: number;
}

/** SQS limits: entries per SendMessageBatch, bytes per message and per batch (1 MiB). */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 1_048_576;
const MAX_DELAY_MS = 2_000;

/** Packs bodies in order into batches of at most 10 entries and 1 MiB; a body over 1 MiB is an error. */
export const packBatches = (bodies: readonly string[]): string[][] => {
  const batches: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = Buffer.byteLength(body, 'utf8');
    if (size > MAX_BATCH_BYTES) throw new RangeError(`a job of ${size} bytes exceeds the SQS message limit`);
    if (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
};

export class SqsJobQueue<T> implements JobQueue<T> {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #concurrency: number;

  constructor(options: SqsJobQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#baseDelayMs = options.baseDelayMs ?? 50;
    this.#concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(this.#maxAttempts) || this.#maxAttempts < 1) {
      throw new RangeError('maxAttempts must be a positive integer');
    }
  }

  async send(jobs: readonly T[]): Promise<void> {
    const batches = packBatches(jobs.map((job) => JSON.stringify(job)));
    const results = await mapLimit(batches, this.#concurrency, (bodies) => this.#sendBatch(bodies));
    const failed = results.flat();
    if (failed.length > 0) {
      const reasons = [...new Set(failed)].slice(0, 3).join('; ');
      throw new Error(
        `SQS: ${failed.length} of ${jobs.length} jobs were not enqueued on ${this.#queueUrl} (${reasons})`,
      );
    }
  }

  /** Sends one batch, retrying its failed entries; returns the reasons of the entries still not sent. */
  async #sendBatch(bodies: readonly string[]): Promise<string[]> {
    // Ids are unique within the batch and kept across its retries.
    let pending: SendMessageBatchRequestEntry[] = bodies.map((MessageBody, i) => ({
      Id: `${i}`,
      MessageBody,
    }));
    const refused: string[] = [];
    const reasons = new Map<string, string>();
    for (let attempt = 0; pending.length > 0 && attempt < this.#maxAttempts; attempt++) {
      if (attempt > 0) await this.#backoff(attempt);
      const out = await this.#client.send(
        new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: pending }),
      );
      const retry = new Set<string>();
      for (const entry of out.Failed ?? []) {
        const reason = `${entry.Code ?? 'Failed'}${entry.Message ? `: ${entry.Message}` : ''}`;
        if (entry.SenderFault) refused.push(reason);
        else if (entry.Id !== undefined) {
          retry.add(entry.Id);
          reasons.set(entry.Id, reason);
        }
      }
      pending = pending.filter((entry) => retry.has(entry.Id ?? ''));
    }
    return [...refused, ...pending.map((entry) => reasons.get(entry.Id ?? '') ?? 'Failed')];
  }

  #backoff(attempt: number): Promise<void> {
    const delay = backoffDelay(attempt - 1, Math.random, this.#baseDelayMs, MAX_DELAY_MS);
    return new Promise((resolve) => setTimeout(resolve, delay));
  }
}
