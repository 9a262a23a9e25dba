import { join } from 'node:path';
import { App, Duration, Validations } from 'aws-cdk-lib';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeNagFindings } from './nag.ts';
import { ConsoleStack } from './stacks/console.ts';
import { StatefulStack } from './stacks/stateful.ts';
import { StatelessStack } from './stacks/stateless.ts';
import type { QueueName } from '#topology/topology.ts';
import { settingsFromContext, settingsIn } from '#topology/settings.ts';
import { repoRoot } from '#infra/constructs/project-function.ts';
import { ensureConsoleBuilt } from '#local/console/build.ts';

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
  console: ConsoleStack;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

export const stackNames = {
  console: 'ConfirmAndSend-Console',
  stateful: 'ConfirmAndSend-Stateful',
  stateless: 'ConfirmAndSend-Stateless',
} as const;

/** The built console that the stateless stack deploys (`cdk synth` builds it first: see the end of this file). */
export const consoleDistDir = join(repoRoot, 'console', 'dist');

export interface BuildOptions {
  /** The console's build to deploy (default console/dist). */
  consoleDist?: string;
}

export function buildApp(app: App, options: BuildOptions = {}): ConfirmAndSendStacks {
  const context = settingsFromContext(settingsIn('cdk'), (key) => {
    const value: unknown = app.node.tryGetContext(key);
    return value === '' ? undefined : value;
  });
  const env = { region: context.REGION, ...(context.ACCOUNT ? { account: context.ACCOUNT } : {}) };

  // cdk-nag AwsSolutions: any unacknowledged finding (error or warning) fails `cdk synth`.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  // The console's site first: the user pool's console client (stateful) and the API's CORS (stateless) name its
  // address (infra/stacks/console.ts says why it is a stack of its own).
  const site = new ConsoleStack(app, stackNames.console, {
    env,
    description:
      "Confirm-and-send: the web console's site (private S3 bucket behind CloudFront with origin access control; " +
      'its files are deployed by the stateless stack)',
  });
  const consoleOrigin = context.CONSOLE_ORIGIN ?? site.origin;

  const stateful = new StatefulStack(app, stackNames.stateful, {
    env,
    consoleOrigin,
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
    consoleOrigin,
    console: {
      bucket: site.bucket,
      distribution: site.distribution,
      distDir: options.consoleDist ?? consoleDistDir,
      signInUrl: stateful.signInDomain.baseUrl(),
    },
    logLevel: context.LOG_LEVEL,
    logSampleRate: context.LOG_SAMPLE_RATE,
    throttle: { rateLimit: context.API_RATE_LIMIT, burstLimit: context.API_BURST_LIMIT },
    secrets: stateful.secrets,
    unsubscribe: {
      ...(context.UNSUBSCRIBE_BASE_URL ? { baseUrl: context.UNSUBSCRIBE_BASE_URL } : {}),
      ...(context.UNSUBSCRIBE_MAILTO ? { mailto: context.UNSUBSCRIBE_MAILTO } : {}),
      throttle: { rateLimit: context.UNSUBSCRIBE_RATE_LIMIT, burstLimit: context.UNSUBSCRIBE_BURST_LIMIT },
    },
    guard: {
      bounceRate: context.GUARD_BOUNCE_RATE,
      complaintRate: context.GUARD_COMPLAINT_RATE,
      minProcessed: context.GUARD_MIN_PROCESSED,
    },
  });

  const stacks = { console: site, stateful, stateless };
  acknowledgeNagFindings(stacks);
  return stacks;
}

if (import.meta.main) {
  // The stateless stack deploys console/dist: build it when it is missing or older than its sources (the same
  // check and build as `npm start`), on stderr so that `cdk synth` output stays the template.
  await ensureConsoleBuilt(repoRoot, (line) => console.error(line));
  const app = new App();
  buildApp(app);
  app.synth();
}
