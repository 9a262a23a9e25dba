/**
 * What invokes the functions besides the HTTP front and the scheduler: the SQS event source of each queue-triggered
 * function (the queue pollers) and the EventBridge rule of each function on an interval, with the runtime's console
 * messages for their failures.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { FunctionName } from '#topology/topology.ts';
import { type Pollers, startPollers } from '#local/sqs/pollers.ts';
import type { QueueResources } from '#local/sqs/queues.ts';
import { type IntervalTriggers, startIntervalTriggers } from './interval-triggers.ts';
import type { LoadedFunction } from './invoke.ts';

export interface Triggers {
  pollers: Pollers;
  intervals: IntervalTriggers;
}

export const startTriggers = (options: {
  sqs: SQSClient;
  functions: ReadonlyMap<FunctionName, LoadedFunction>;
  queues: QueueResources;
  region: string;
  /** Prefix of the local rule names. */
  prefix: string;
  /** The sweeper's period, instead of the topology's (LOCAL_SWEEP_INTERVAL_SECONDS). */
  sweepIntervalSeconds?: number | undefined;
  log: (line: string) => void;
}): Triggers => {
  const pollers = startPollers({
    sqs: options.sqs,
    functions: options.functions,
    queues: options.queues,
    region: options.region,
    onBatchFailure: (fn, reason, ids) =>
      console.error(
        `Function ${fn.name} failed a batch of ${ids.length} message(s) (they come back after the visibility timeout): ${reason}`,
      ),
    onPollError: (fn, error) =>
      console.error(`Queue poller of ${fn.name}: ${(error as Error).name}: ${(error as Error).message}`),
  });
  const { sweepIntervalSeconds } = options;
  const intervals = startIntervalTriggers({
    functions: options.functions,
    region: options.region,
    prefix: options.prefix,
    // The sweeper's period only: the hourly stats aggregation keeps its hour (POST /local/invoke runs it now).
    ...(sweepIntervalSeconds !== undefined
      ? { periodOverrides: { sweeper: sweepIntervalSeconds * 1000 } }
      : {}),
    onError: (fn, error) =>
      console.error(`Function ${fn.name} failed: ${error.errorType}: ${error.errorMessage}`),
  });
  if (intervals.periods.size > 0) {
    options.log(
      `On an interval: ${[...intervals.periods].map(([name, ms]) => `${name} every ${ms / 1000} s`).join(', ')}` +
        (sweepIntervalSeconds !== undefined ? ' (LOCAL_SWEEP_INTERVAL_SECONDS)' : ''),
    );
  }
  return { pollers, intervals };
};
