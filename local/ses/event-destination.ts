/**
 * The configuration set's event destination in the runtime: what the SNS topic and its SQS subscription deliver in
 * AWS, the events of every message the SES front accepted (and what a previous run left unpublished), published by
 * the event simulator to the events queue.
 */
import { join } from 'node:path';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { REGION, SES_CONFIGURATION_SET, SES_EVENTS_TOPIC_ARN } from '#local/environment.ts';
import { LOCAL_ACCOUNT_ID } from '#local/lambda/invoke.ts';
import { type EventFaults, injectEventFaults } from './event-faults.ts';
import type { SesFront } from './front.ts';
import {
  type SesEventSimulator,
  type SesEventSimulatorOptions,
  startSesEventSimulator,
} from './simulator.ts';
import { STATE_FILE } from './simulator-state.ts';

/** Messages a SendMessageBatch carries at most (SQS). */
const BATCH = 10;

/**
 * Sends message bodies to a queue in batches: the bodies asked for within a few milliseconds of each other go in
 * one SendMessageBatch (up to 10), as SNS delivers to SQS in AWS without a request per event on our side. Each
 * body's promise settles with its own entry's result.
 */
export const batchingPublisher = (sqs: SQSClient, queueUrl: string, lingerMs = 2) => {
  const waiting: Array<{ body: string; resolve: () => void; reject: (error: Error) => void }> = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = async () => {
    timer = null;
    const batch = waiting.splice(0, BATCH);
    if (waiting.length > 0) timer = setTimeout(() => void flush(), 0);
    try {
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((b, i) => ({ Id: String(i), MessageBody: b.body })),
        }),
      );
      const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f.Message ?? f.Code ?? 'failed']));
      batch.forEach((b, i) => {
        const reason = failed.get(String(i));
        if (reason) b.reject(new Error(`SQS refused an event: ${reason}`));
        else b.resolve();
      });
    } catch (error) {
      for (const b of batch) b.reject(error as Error);
    }
  };
  return (body: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ body, resolve, reject });
      if (waiting.length >= BATCH) {
        if (timer) clearTimeout(timer);
        void flush();
      } else timer ??= setTimeout(() => void flush(), lingerMs);
    });
};

export const startEventDestination = (options: {
  sqs: SQSClient;
  eventsQueueUrl: string;
  sesFront: SesFront;
  /** The simulator's state file goes here. */
  dataDir: string;
  /** Delays and random open and click rates; events delivered twice, some late (faults). */
  tuning?: Pick<SesEventSimulatorOptions, 'delayScale' | 'sendDelayMs' | 'openRate' | 'clickRate'> &
    Partial<Pick<EventFaults, 'duplicateRate' | 'reorderRate'>>;
}): SesEventSimulator => {
  const { duplicateRate = 0, reorderRate = 0, ...tuning } = options.tuning ?? {};
  if (duplicateRate > 0)
    injectEventFaults(options.sqs, options.eventsQueueUrl, { duplicateRate, reorderRate });
  return startSesEventSimulator({
    publish: batchingPublisher(options.sqs, options.eventsQueueUrl),
    // The configuration set of the runtime has the SNS destination; another one (or none but the default) has not.
    publishesFor: (name) => name === null || name === SES_CONFIGURATION_SET,
    journalPath: options.sesFront.journalPath,
    statePath: join(options.dataDir, STATE_FILE),
    source: options.sesFront,
    topicArn: SES_EVENTS_TOPIC_ARN,
    region: REGION,
    accountId: LOCAL_ACCOUNT_ID,
    defaultConfigurationSet: SES_CONFIGURATION_SET,
    ...tuning,
    onError: (error, { messageId, event }) =>
      console.error(
        `SES event simulator: the ${event} event of ${messageId} was not published (${(error as Error).message}); the next start publishes it`,
      ),
  });
};
