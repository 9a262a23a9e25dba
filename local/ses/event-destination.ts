/**
 * The configuration set's event destination in the runtime: what the SNS topic and its SQS subscription deliver in
 * AWS, the events of every message the SES front accepted (and what a previous run left unpublished), published by
 * the event simulator to the events queue.
 */
import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { REGION, SES_CONFIGURATION_SET, SES_EVENTS_TOPIC_ARN } from '#local/environment.ts';
import { LOCAL_ACCOUNT_ID } from '#local/lambda/invoke.ts';
import type { SesFront } from './front.ts';
import {
  type SesEventSimulator,
  type SesEventSimulatorOptions,
  startSesEventSimulator,
} from './simulator.ts';
import { STATE_FILE } from './simulator-state.ts';

export const startEventDestination = (options: {
  sqs: SQSClient;
  eventsQueueUrl: string;
  sesFront: SesFront;
  /** The simulator's state file goes here. */
  dataDir: string;
  /** Delay scale and random open and click rates. */
  tuning?: Pick<SesEventSimulatorOptions, 'delayScale' | 'openRate' | 'clickRate'>;
}): SesEventSimulator =>
  startSesEventSimulator({
    publish: async (body) => {
      await options.sqs.send(new SendMessageCommand({ QueueUrl: options.eventsQueueUrl, MessageBody: body }));
    },
    journalPath: options.sesFront.journalPath,
    statePath: join(options.dataDir, STATE_FILE),
    source: options.sesFront,
    topicArn: SES_EVENTS_TOPIC_ARN,
    region: REGION,
    accountId: LOCAL_ACCOUNT_ID,
    defaultConfigurationSet: SES_CONFIGURATION_SET,
    ...options.tuning,
    onError: (error, { messageId, event }) =>
      console.error(
        `SES event simulator: the ${event} event of ${messageId} was not published (${(error as Error).message}); the next start publishes it`,
      ),
  });
