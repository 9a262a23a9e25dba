import { App, Duration, Validations } from 'aws-cdk-lib';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeNagFindings } from './nag.ts';
import { StatefulStack } from './stacks/stateful.ts';
import { StatelessStack } from './stacks/stateless.ts';
import type { QueueName } from '#topology/topology.ts';
import { settingsFromContext, settingsIn } from '#topology/settings.ts';

/**
 * The CDK app: `cdk.json` runs this file directly (Node 24 strips the types). Tests call `buildApp` on their own
 * `App` (with the cdk.json context) so they check exactly the stacks that `cdk synth` produces.
 *
 * Context (`-c key=value` or cdk.json): the settings of scope `cdk` in topology/settings.ts, each with its type,
 * default and description there (docs/settings.md lists them): `region`, `account`, `consoleOrigin`, `logLevel`,
 * `apiRateLimit`, `apiBurstLimit`, `senderIdentity`, `sendRateFraction`, `sendRateLimit`, `sesMaxSendRate`,
 * `inDoubtWindowMinutes`, `alarmEmail`, `logSampleRate`, `sendQueueAlarmMinutes`, `mailFromDomain`,
 * `trackingDomain`. A missing or invalid value fails synth with a message naming it.
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
  const context = settingsFromContext(settingsIn('cdk'), (key) => {
    const value: unknown = app.node.tryGetContext(key);
    return value === '' ? undefined : value;
  });
  const env = { region: context.REGION, ...(context.ACCOUNT ? { account: context.ACCOUNT } : {}) };

  // cdk-nag AwsSolutions: any unacknowledged finding (error or warning) fails `cdk synth`.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  const stateful = new StatefulStack(app, stackNames.stateful, {
    env,
    description:
      'Confirm-and-send: tables, user pool, queues, SES identity and configuration set, schedule group, alarms ' +
      '(data and in-flight work)',
    senderIdentity: context.SENDER_IDENTITY,
    sendQueueMaxAge: Duration.minutes(context.SEND_QUEUE_ALARM_MINUTES),
    ...(context.MAIL_FROM_DOMAIN ? { mailFromDomain: context.MAIL_FROM_DOMAIN } : {}),
    ...(context.TRACKING_DOMAIN ? { trackingDomain: context.TRACKING_DOMAIN } : {}),
    ...(context.ALARM_EMAIL ? { alarmEmail: context.ALARM_EMAIL } : {}),
  });
  const jobQueues = {} as Record<QueueName, IQueue>;
  const deadLetterQueues = {} as Record<QueueName, IQueue>;
  for (const name of Object.keys(stateful.queues) as QueueName[]) {
    jobQueues[name] = stateful.queues[name].queue;
    deadLetterQueues[name] = stateful.queues[name].deadLetterQueue;
  }
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
    sendRateFraction: context.SEND_RATE_FRACTION,
    ...(context.SEND_RATE_LIMIT !== undefined ? { sendRateLimit: context.SEND_RATE_LIMIT } : {}),
    sesMaxSendRate: context.SES_MAX_SEND_RATE,
    inDoubtWindowMinutes: context.IN_DOUBT_WINDOW_MINUTES,
    consoleOrigin: context.CONSOLE_ORIGIN,
    logLevel: context.LOG_LEVEL,
    logSampleRate: context.LOG_SAMPLE_RATE,
    throttle: { rateLimit: context.API_RATE_LIMIT, burstLimit: context.API_BURST_LIMIT },
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
