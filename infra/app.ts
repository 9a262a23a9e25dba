import { App, Validations } from 'aws-cdk-lib';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeNagFindings } from './nag.ts';
import { StatefulStack } from './stacks/stateful.ts';
import { StatelessStack } from './stacks/stateless.ts';
import type { QueueName } from '#topology/topology.ts';

/**
 * The CDK app: `cdk.json` runs this file directly (Node 24 strips the types). Tests call `buildApp` on their own
 * `App` (with the cdk.json context) so they check exactly the stacks that `cdk synth` produces.
 *
 * Context (all optional; `-c key=value` or cdk.json):
 * - `region`: target region, default `eu-west-1`. Pinned here on purpose: with no AWS config the CLI injects
 *   CDK_DEFAULT_REGION=us-east-1, which must not silently decide where this goes.
 * - `account`: target account id; unset, the stacks are account-agnostic and synth needs no credentials.
 * - `consoleOrigin`: origin allowed by CORS, default `http://localhost:3000`.
 * - `logLevel`: Powertools log level of every function, default `INFO`.
 * - `apiRateLimit`, `apiBurstLimit`: default stage throttling, default 50 requests/s and a burst of 100.
 * - `senderIdentity`: SES identity the deliveries are sent from, a domain (`example.com`, Easy DKIM: publish the
 *   three CNAME records of the `DkimRecord*` outputs) or an email address; default `example.com`.
 * - `sendRateFraction`: share of the SES account's max send rate all senders together use, in (0, 1]; default
 *   0.8 (SEND_RATE_FRACTION).
 * - `sendRateLimit`: optional cap in messages per second across all senders (SEND_RATE_LIMIT).
 * - `inDoubtWindowMinutes`: how long an in-doubt recipient (claimed, no SES message id recorded) waits for an SES
 *   event naming it before the sweeper fails it ("in doubt: no SES record"), a whole number of minutes >= 1;
 *   default 1440 (a day) (IN_DOUBT_WINDOW_MINUTES).
 * - `alarmEmail`: optional address subscribed to the alarm topic (it must confirm the subscription).
 */
export interface ConfirmAndSendStacks {
  stateful: StatefulStack;
  stateless: StatelessStack;
}

export const stackNames = {
  stateful: 'ConfirmAndSend-Stateful',
  stateless: 'ConfirmAndSend-Stateless',
} as const;

export function buildApp(app: App): ConfirmAndSendStacks {
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const number = (key: string, valid: (n: number) => boolean, rule: string): number | undefined => {
    const raw = context(key);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || !valid(n)) throw new Error(`context ${key}=${raw}: must be ${rule}`);
    return n;
  };
  const account = context('account');
  const env = { region: context('region') ?? 'eu-west-1', ...(account ? { account } : {}) };

  // cdk-nag AwsSolutions: any unacknowledged finding (error or warning) fails `cdk synth`.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  const alarmEmail = context('alarmEmail');
  const stateful = new StatefulStack(app, stackNames.stateful, {
    env,
    description:
      'Confirm-and-send: tables, user pool, queues, SES identity and configuration set, schedule group, alarms ' +
      '(data and in-flight work)',
    senderIdentity: context('senderIdentity') ?? 'example.com',
    ...(alarmEmail ? { alarmEmail } : {}),
  });
  const jobQueues = {} as Record<QueueName, IQueue>;
  const deadLetterQueues = {} as Record<QueueName, IQueue>;
  for (const name of Object.keys(stateful.queues) as QueueName[]) {
    jobQueues[name] = stateful.queues[name].queue;
    deadLetterQueues[name] = stateful.queues[name].deadLetterQueue;
  }
  const sendRateLimit = number('sendRateLimit', (n) => n > 0, 'a positive number of messages per second');
  const inDoubtWindowMinutes =
    number('inDoubtWindowMinutes', (n) => Number.isInteger(n) && n >= 1, 'a whole number of minutes >= 1') ??
    1440;
  const stateless = new StatelessStack(app, stackNames.stateless, {
    env,
    description:
      'Confirm-and-send: functions, their event sources, the scheduler role and the HTTP API (code; no data)',
    tables: stateful.tables,
    userPool: stateful.userPool,
    consoleClient: stateful.consoleClient,
    queues: jobQueues,
    deadLetterQueues,
    emailIdentity: stateful.emailIdentity,
    configurationSet: stateful.configurationSet,
    scheduleGroupName: stateful.scheduleGroup.scheduleGroupName,
    scheduleDeadLetterQueue: stateful.scheduleDeadLetterQueue,
    ...(stateful.ruleDeadLetterQueue ? { ruleDeadLetterQueue: stateful.ruleDeadLetterQueue } : {}),
    alarmTopic: stateful.alarmTopic.topic,
    sendRateFraction: number('sendRateFraction', (n) => n > 0 && n <= 1, 'in (0, 1]') ?? 0.8,
    ...(sendRateLimit !== undefined ? { sendRateLimit } : {}),
    inDoubtWindowMinutes,
    consoleOrigin: context('consoleOrigin') ?? 'http://localhost:3000',
    logLevel: context('logLevel') ?? 'INFO',
    throttle: {
      rateLimit: Number(context('apiRateLimit') ?? 50),
      burstLimit: Number(context('apiBurstLimit') ?? 100),
    },
  });

  const stacks = { stateful, stateless };
  acknowledgeNagFindings(stacks);
  return stacks;
}

if (import.meta.main) {
  const app = new App();
  buildApp(app);
  app.synth();
}
