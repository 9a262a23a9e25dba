import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AlarmTopic, alarmPeriod, projectAlarm } from '#infra/constructs/alarms.ts';
import { deadLetterRetention, JobQueue, resourcePrefix, secureQueue } from '#infra/constructs/job-queue.ts';
import { ruleDeadLetterQueue } from '#infra/constructs/periodic-run.ts';
import { SesEvents } from '#infra/constructs/ses-events.ts';
import {
  CONSOLE_OAUTH_SCOPES,
  consoleCallbackUrl,
  consoleSignOutUrl,
  signInDomainPrefix,
} from '#infra/stacks/console.ts';
import {
  functionEntries,
  type IndexSpec,
  projectionOf,
  type QueueName,
  queueEntries,
  SES_EVENTS_QUEUE,
  type TableName,
  type TableSpec,
  tables,
  type SecretName,
  secrets as secretSpecs,
} from '#topology/topology.ts';

/** An index's projection as TableV2 takes it (topology/topology.ts `projection`; ALL when none is declared). */
export const cdkProjection = (
  index: IndexSpec,
): { projectionType: dynamodb.ProjectionType; nonKeyAttributes?: string[] } => {
  const projection = projectionOf(index);
  if (projection.type === 'INCLUDE') {
    return { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...projection.attributes] };
  }
  return {
    projectionType:
      projection.type === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL,
  };
};

/** The Cognito groups that carry the roles (DESIGN section 3); handlers read them from `cognito:groups`. */
export const roleGroups = ['start-deliveries', 'prepare-deliveries', 'administration', 'workflow'] as const;

export interface StatefulStackProps extends StackProps {
  /** SES sender identity: a domain (`example.com`) or an email address (`news@example.com`). */
  readonly senderIdentity: string;
  /** Optional address subscribed to the alarm notifications. */
  readonly alarmEmail?: string;
  /** Custom MAIL FROM domain of a domain identity (a subdomain of it), context mailFromDomain. */
  readonly mailFromDomain?: string;
  /** Custom open and click tracking domain (HTTPS required), context trackingDomain. */
  readonly trackingDomain?: string;
  /** Age of the send queue's oldest job that raises its alarm (context sendQueueAlarmMinutes, default 2 hours). */
  readonly sendQueueMaxAge?: Duration;
  /**
   * The web console's origin (`https://<distribution domain>`, or context consoleOrigin): its app client's callback
   * and sign-out URLs are on it.
   */
  readonly consoleOrigin: string;
}

/** Fixed names: one deployment per account and region (operators and runbooks use them). */
export const configurationSetName = resourcePrefix;
export const scheduleGroupName = `${resourcePrefix}-deliveries`;
export const scheduleDeadLetterQueueName = `${resourcePrefix}-schedules-dlq`;

/**
 * SES reputation thresholds we alarm on: AWS's warning levels, where it places an account under review (5 %
 * bounces, 0.1 % complaints), and an early alarm at half of them, to act before a review (limits.md rule 13).
 * AWS may pause sending at 10 % and 0.5 %.
 */
export const reputationAlarmThresholds = {
  bounceRate: 0.05,
  complaintRate: 0.001,
  earlyBounceRate: 0.025,
  earlyComplaintRate: 0.0005,
} as const;

/**
 * Oldest message on the send queue before we alarm (default; context sendQueueAlarmMinutes). The starter enqueues
 * a whole send at once and the senders drain it at the pacing target, so the oldest job is as old as the send:
 * a send the 24-hour quota allows takes at most Max24HourSend / (0.8 × MaxSendRate), e.g. 100,000 at 50/s in 42
 * minutes, 50,000 at 14/s in 75.
 */
export const defaultSendQueueMaxAge = Duration.minutes(120);

/**
 * Oldest message on the other queues before we alarm: a preparation, start or SES event waits for a free consumer
 * (5 at most each), which ends its job within its 5-minute (1-minute for events) timeout: 30 minutes behind means
 * the consumer is failing, throttled or stuck.
 */
export const queueAgeAlarmMinutes: Record<Exclude<QueueName, 'send'>, number> = {
  prepare: 30,
  start: 30,
  events: 30,
};

/**
 * Everything that holds data, identity or in-flight work and must outlive a redeploy of the code: the DynamoDB
 * tables (built from `topology.tables`), the Cognito user pool with its console app client and role groups, the
 * job queues with their dead-letter queues, the SES identity and configuration set with its event publishing
 * (SES → SNS → the SES events queue), the schedule group (the deliveries' schedules live in it) with the
 * dead-letter queue of failed schedule invocations, the dead-letter queue of the periodic rules, and the alarm
 * topic with the alarms on all of these. Termination protection is on; tables, the user pool and the schedule
 * group are retained.
 *
 * The queues are here rather than with the functions: they hold jobs in flight and dead letters awaiting an
 * operator's redrive, which a redeploy of the code must not drop, and the SES configuration set publishes its
 * events (through its SNS topic) to the SES events queue, which lives in the same stack as the configuration set.
 */
export class StatefulStack extends Stack {
  readonly tables: Record<TableName, dynamodb.TableV2>;
  readonly userPool: cognito.UserPool;
  readonly consoleClient: cognito.UserPoolClient;
  /** The managed-login domain the console signs in through (`https://<prefix>.auth.<region>.amazoncognito.com`). */
  readonly signInDomain: cognito.UserPoolDomain;
  readonly queues: Record<QueueName, JobQueue>;
  readonly emailIdentity: ses.EmailIdentity;
  /** Every message is sent through it; event destinations are added to it (`addEventDestination`). */
  readonly configurationSet: ses.ConfigurationSet;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  /** Dead-letter queue of the schedules' failed invocations (set on each schedule when it is created). */
  readonly scheduleDeadLetterQueue: sqs.Queue;
  /** SES event publishing: the configuration set's SNS destination, its topic and key, the queue's subscription. */
  readonly sesEvents: SesEvents;
  /** Dead-letter queue of the periodic (`every`) rules' failed invocations, when the topology has such a function. */
  readonly ruleDeadLetterQueue?: sqs.Queue;
  readonly alarmTopic: AlarmTopic;
  /** Secrets generated at deploy time (topology `secrets`): the unsubscribe links' signing key. */
  readonly secrets: Record<SecretName, secretsmanager.Secret>;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { terminationProtection: true, ...props });

    // TableV2 (AWS::DynamoDB::GlobalTable), chosen once: it is the current L2, it can gain replicas in other
    // regions later without replacing the table, and its settings (PITR, deletion protection) are per replica.
    // Switching to `Table` later would replace every table, so this choice is final.
    const built: Partial<Record<TableName, dynamodb.TableV2>> = {};
    for (const [name, spec] of Object.entries(tables) as Array<[TableName, TableSpec]>) {
      built[name] = new dynamodb.TableV2(this, `${pascal(name)}Table`, {
        partitionKey: stringKey(spec.partitionKey),
        ...(spec.sortKey ? { sortKey: stringKey(spec.sortKey) } : {}),
        globalSecondaryIndexes: spec.indexes.map((index) => ({
          indexName: index.name,
          partitionKey: stringKey(index.partitionKey),
          ...(index.sortKey ? { sortKey: stringKey(index.sortKey) } : {}),
          ...cdkProjection(index),
        })),
        ...(spec.ttlAttribute ? { timeToLiveAttribute: spec.ttlAttribute } : {}),
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    this.tables = built as Record<TableName, dynamodb.TableV2>;

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Operators are invited by an administrator; nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Optional TOTP MFA; see the AwsSolutions-COG2 acknowledgement in infra/nag.ts.
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // Plus feature plan with threat protection enforcing (AwsSolutions-COG8): adaptive authentication and
      // compromised-credential checks on the accounts that can start mass sends.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The web console signs in through Cognito's managed login: the authorization code flow, from a public client
    // (no secret), so with PKCE (oidc-client-ts sends an S256 code challenge on every sign-in), back to the
    // console's callback URL only. It sends the ID token to the HTTP API, whose JWT authorizer checks this client
    // id as the audience. SRP and password auth stay for scripts (README "Deploy to AWS", step 6).
    this.signInDomain = this.userPool.addDomain('SignInDomain', {
      cognitoDomain: { domainPrefix: signInDomainPrefix(this.account) },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    this.consoleClient = this.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: CONSOLE_OAUTH_SCOPES.map((scope) => cognito.OAuthScope.custom(scope)),
        callbackUrls: [consoleCallbackUrl(props.consoleOrigin)],
        logoutUrls: [consoleSignOutUrl(props.consoleOrigin)],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    // Managed login (its newer pages) shows a client's sign-in only once the client has a style: Cognito's own.
    new cognito.CfnManagedLoginBranding(this, 'ConsoleSignInStyle', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.consoleClient.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    for (const groupName of roleGroups) {
      new cognito.UserPoolGroup(this, `${pascal(groupName)}Group`, { userPool: this.userPool, groupName });
    }

    // What the console needs to sign in.
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'ConsoleClientId', { value: this.consoleClient.userPoolClientId });
    new CfnOutput(this, 'SignInDomain', { value: this.signInDomain.baseUrl() });

    this.alarmTopic = new AlarmTopic(this, 'Alarms', props.alarmEmail ? { email: props.alarmEmail } : {});
    const topic = this.alarmTopic.topic;
    new CfnOutput(this, 'AlarmTopicArn', { value: topic.topicArn });

    // --- Job queues ---------------------------------------------------------------------------------------
    const builtQueues: Partial<Record<QueueName, JobQueue>> = {};
    for (const [name, spec] of queueEntries()) {
      const jobQueue = new JobQueue(this, `${pascal(name)}Queue`, { name, spec });
      builtQueues[name] = jobQueue;
      const refusers = functionEntries()
        .filter(([, fn]) => fn.refusesTo?.includes(name))
        .map(([fnName]) => fnName);
      const arrivals = [
        `failed ${spec.maxReceiveCount} times`,
        ...(refusers.length > 0 ? [`were refused by ${refusers.join(', ')}`] : []),
        ...(name === SES_EVENTS_QUEUE ? ['could not be delivered by SNS'] : []),
      ];
      projectAlarm(this, `${pascal(name)}DeadLettersAlarm`, topic, {
        name: `${name}-dlq-not-empty`,
        description: `Messages of the ${name} queue ${arrivals.join(' or ')} and wait in its dead-letter queue`,
        metric: jobQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: alarmPeriod,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 0,
      });
    }
    this.queues = builtQueues as Record<QueueName, JobQueue>;
    // Age of the oldest message on every queue: work waiting longer than its consumer should ever let it.
    for (const [name] of queueEntries()) {
      const maxAge =
        name === 'send'
          ? (props.sendQueueMaxAge ?? defaultSendQueueMaxAge)
          : Duration.minutes(queueAgeAlarmMinutes[name]);
      projectAlarm(this, `${pascal(name)}QueueAgeAlarm`, topic, {
        name: `${name}-queue-age`,
        description: `The oldest message of the ${name} queue has waited more than ${maxAge.toMinutes()} minutes`,
        metric: this.queues[name].queue.metricApproximateAgeOfOldestMessage({
          period: alarmPeriod,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: maxAge.toSeconds(),
      });
    }

    // --- SES ----------------------------------------------------------------------------------------------
    // Reputation metrics on (they feed the bounce and complaint alarms below); the account-level suppression
    // list is applied to bounces and complaints for every message sent through this configuration set.
    // A custom tracking domain rewrites the open pixel and click links to it, HTTPS only (README, Deploy).
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName,
      reputationMetrics: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      ...(props.trackingDomain
        ? {
            customTrackingRedirectDomain: props.trackingDomain,
            customTrackingHttpsPolicy: ses.HttpsPolicy.REQUIRE,
          }
        : {}),
    });
    const senderDomain = props.senderIdentity.includes('@') ? null : props.senderIdentity.toLowerCase();
    if (
      props.mailFromDomain &&
      (senderDomain === null || !props.mailFromDomain.endsWith(`.${senderDomain}`))
    ) {
      throw new Error(
        `context mailFromDomain="${props.mailFromDomain}" must be a subdomain of the sender identity domain (senderIdentity="${props.senderIdentity}")`,
      );
    }
    this.emailIdentity = new ses.EmailIdentity(this, 'SenderIdentity', {
      identity:
        senderDomain === null ? ses.Identity.email(props.senderIdentity) : ses.Identity.domain(senderDomain),
      // Messages from this identity that name no configuration set still go through ours.
      configurationSet: this.configurationSet,
      // Custom MAIL FROM (SPF alignment for DMARC); while its MX record is missing SES uses its own domain.
      ...(props.mailFromDomain
        ? {
            mailFromDomain: props.mailFromDomain,
            mailFromBehaviorOnMxFailure: ses.MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE,
          }
        : {}),
    });
    // Event publishing: every event type of the configuration set to an encrypted SNS topic, to which the SES
    // events queue subscribes (raw delivery off: the SNS envelope's MessageId is the dedupe id of an event).
    const eventsQueue = this.queues[SES_EVENTS_QUEUE];
    this.sesEvents = new SesEvents(this, 'SesEvents', {
      configurationSet: this.configurationSet,
      queue: eventsQueue.queue,
      deadLetterQueue: eventsQueue.deadLetterQueue,
    });
    new CfnOutput(this, 'ConfigurationSetName', { value: this.configurationSet.configurationSetName });
    new CfnOutput(this, 'SesEventsTopicArn', { value: this.sesEvents.topic.topicArn });
    new CfnOutput(this, 'SenderIdentityName', { value: this.emailIdentity.emailIdentityName });
    if (!props.senderIdentity.includes('@')) {
      // Easy DKIM: the three CNAME records to publish in the domain's DNS before SES verifies it.
      this.emailIdentity.dkimRecords.forEach((record, i) => {
        new CfnOutput(this, `DkimRecord${i + 1}`, { value: `${record.name} CNAME ${record.value}` });
      });
    }
    const reputation = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName,
        period: Duration.hours(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      });
    const percent = (rate: number) => `${Number((rate * 100).toPrecision(3))} %`;
    const { bounceRate, complaintRate, earlyBounceRate, earlyComplaintRate } = reputationAlarmThresholds;
    projectAlarm(this, 'BounceRateAlarm', topic, {
      name: 'ses-bounce-rate',
      description: `SES account bounce rate at ${percent(bounceRate)} or more: AWS's warning level, where it places the account under review`,
      metric: reputation('Reputation.BounceRate'),
      threshold: bounceRate,
      orEqual: true,
    });
    projectAlarm(this, 'ComplaintRateAlarm', topic, {
      name: 'ses-complaint-rate',
      description: `SES account complaint rate at ${percent(complaintRate)} or more: AWS's warning level, where it places the account under review`,
      metric: reputation('Reputation.ComplaintRate'),
      threshold: complaintRate,
      orEqual: true,
    });
    projectAlarm(this, 'EarlyBounceRateAlarm', topic, {
      name: 'ses-bounce-rate-early',
      description: `SES account bounce rate at ${percent(earlyBounceRate)} or more: half of AWS's warning level`,
      metric: reputation('Reputation.BounceRate'),
      threshold: earlyBounceRate,
      orEqual: true,
    });
    projectAlarm(this, 'EarlyComplaintRateAlarm', topic, {
      name: 'ses-complaint-rate-early',
      description: `SES account complaint rate at ${percent(earlyComplaintRate)} or more: half of AWS's warning level`,
      metric: reputation('Reputation.ComplaintRate'),
      threshold: earlyComplaintRate,
      orEqual: true,
    });

    // --- Scheduler ----------------------------------------------------------------------------------------
    // The deliveries' schedules are created at run time in this group; deleting the group would delete them.
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.scheduleDeadLetterQueue = secureQueue(this, 'ScheduleDeadLetterQueue', {
      queueName: scheduleDeadLetterQueueName,
      retentionPeriod: deadLetterRetention,
    });
    projectAlarm(this, 'ScheduleDeadLettersAlarm', topic, {
      name: 'schedules-dlq-not-empty',
      description:
        'A scheduled start failed: the scheduled-start function failed 3 times (Lambda on-failure destination), or EventBridge Scheduler could not invoke it',
      metric: this.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: alarmPeriod,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
    });
    // Scheduler's own failures, group-wide: invocations it could not make (retried, then to the DLQ above), and
    // the ones it dropped or could not even put in the DLQ (lost: the delivery stays scheduled).
    const schedulerAlarms = [
      [
        'SchedulerTargetErrorsAlarm',
        'scheduler-target-errors',
        'TargetErrorCount',
        'EventBridge Scheduler failed to invoke the scheduled-start function (retried; the DLQ gets what still fails)',
      ],
      [
        'SchedulerDroppedAlarm',
        'scheduler-dropped',
        'InvocationDroppedCount',
        'EventBridge Scheduler dropped a scheduled start after its retries, without a dead letter',
      ],
      [
        'SchedulerDeadLetterFailuresAlarm',
        'scheduler-dlq-failures',
        'InvocationsFailedToBeSentToDeadLetterCount',
        'EventBridge Scheduler could not put a failed scheduled start in the schedules DLQ (lost)',
      ],
    ] as const;
    for (const [id, name, metricName, description] of schedulerAlarms) {
      projectAlarm(this, id, topic, {
        name,
        description,
        metric: this.scheduleGroup.metric(metricName, {
          period: alarmPeriod,
          statistic: cloudwatch.Stats.SUM,
        }),
        threshold: 0,
      });
    }
    new CfnOutput(this, 'ScheduleGroupName', { value: this.scheduleGroup.scheduleGroupName });

    // --- Secrets --------------------------------------------------------------------------------------------
    // Generated by Secrets Manager at deploy time: never in the repository, the template or a function's
    // environment (functions get the ARN and read the value with GetSecretValue). Retained: the unsubscribe links
    // in messages already sent stay valid as long as this key does, even across a replacement of the stack.
    this.secrets = Object.fromEntries(
      (Object.keys(secretSpecs) as SecretName[]).map((name) => [
        name,
        new secretsmanager.Secret(this, `${pascal(name)}Secret`, {
          description: `Confirm-and-send: ${secretSpecs[name].description}`,
          generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
          removalPolicy: RemovalPolicy.RETAIN,
        }),
      ]),
    ) as Record<SecretName, secretsmanager.Secret>;

    // --- Periodic rules -----------------------------------------------------------------------------------
    // The rules themselves are with their functions (stateless stack); their dead-letter queue is here.
    if (functionEntries().some(([, fn]) => fn.trigger.kind === 'every')) {
      const deadLetters = ruleDeadLetterQueue(this, 'RuleDeadLetterQueue');
      this.ruleDeadLetterQueue = deadLetters;
      projectAlarm(this, 'RuleDeadLettersAlarm', topic, {
        name: 'rules-dlq-not-empty',
        description: 'EventBridge could not invoke a periodic function (a run was skipped)',
        metric: deadLetters.metricApproximateNumberOfMessagesVisible({
          period: alarmPeriod,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 0,
      });
    }
  }
}

const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

/** `start-deliveries` → `StartDeliveries`, `deliveryControl` → `DeliveryControl` (construct ids). */
export const pascal = (name: string): string =>
  name
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
