import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as ses from 'aws-cdk-lib/aws-ses';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { alarmPeriod, projectAlarm } from '#infra/constructs/alarms.ts';
import { appMetric } from '#infra/constructs/dashboard.ts';
import { periodicRuleName } from '#infra/constructs/periodic-run.ts';
import { Dashboard } from '#infra/constructs/dashboard.ts';
import { resourcePrefix } from '#infra/constructs/job-queue.ts';
import { ConsoleContent } from '#infra/constructs/console-content.ts';
import { CONSOLE_OAUTH_SCOPES, consoleCallbackUrl, consoleSignOutUrl } from '#infra/stacks/console.ts';
import { fixedFunctionName, ProjectFunction } from '#infra/constructs/project-function.ts';
import {
  type FunctionName,
  type FunctionSpec,
  httpRoutes,
  type QueueName,
  type SecretName,
  type SettingName,
  type TableName,
  functionEntries,
  eventsEventSourceConcurrency,
  queues as queueSpecs,
  sendEventSourceConcurrency,
  withQueueConcurrency,
} from '#topology/topology.ts';
import { type SettingSpec, settings } from '#topology/settings.ts';
import { pascal } from './stateful.ts';

export interface StatelessStackProps extends StackProps {
  readonly tables: Record<TableName, ITableV2>;
  readonly userPool: cognito.IUserPool;
  readonly consoleClient: cognito.IUserPoolClient;
  readonly queues: Record<QueueName, sqs.IQueue>;
  /** The queues' dead-letter queues (functions that refuse messages send them there). */
  readonly deadLetterQueues: Record<QueueName, sqs.IQueue>;
  readonly emailIdentity: ses.IEmailIdentity;
  readonly configurationSet: ses.IConfigurationSet;
  readonly scheduleGroupName: string;
  readonly scheduleDeadLetterQueue: sqs.IQueue;
  /** Dead-letter queue of the periodic rules; needed when a function has an `every` trigger. */
  readonly ruleDeadLetterQueue?: sqs.IQueue;
  readonly alarmTopic: sns.ITopic;
  /** SEND_RATE_FRACTION: share of the SES account's max send rate all senders together use, in (0, 1]. */
  readonly sendRateFraction: number;
  /** SEND_RATE_LIMIT: optional cap in messages per second. */
  readonly sendRateLimit?: number;
  /**
   * SES_MAX_SEND_RATE: the account's max send rate the senders are sized for (the send event source's maximum
   * concurrency is derived from it; default: the topology's, sized for the setting's default).
   */
  readonly sesMaxSendRate?: number;
  /** IN_DOUBT_WINDOW_MINUTES: how long an in-doubt recipient waits for an SES event naming it. */
  readonly inDoubtWindowMinutes: number;
  /** Origin of the web console (its distribution's, or context consoleOrigin): the only one CORS allows. */
  readonly consoleOrigin: string;
  /**
   * Where the console's files go (ConsoleStack) and what they are: the build (console/dist), deployed with a
   * `config.json` naming this API and the Cognito sign-in (managed-login domain URL).
   */
  readonly console: {
    bucket: s3.IBucket;
    distribution: cloudfront.IDistribution;
    distDir: string;
    signInUrl: string;
  };
  readonly logLevel: string;
  /** Share of invocations logged at DEBUG whatever the level (Powertools log sampling). */
  readonly logSampleRate: number;
  /** Default stage throttling (requests per second, burst). */
  readonly throttle: { rateLimit: number; burstLimit: number };
  /** Secrets generated at deploy time; each function may read those its spec names. */
  readonly secrets: Record<SecretName, secretsmanager.ISecret>;
  /**
   * The unsubscribe links: their base URL (default: the HTTP API's own URL), an optional mailto, and the public
   * route's own throttling.
   */
  readonly unsubscribe: {
    baseUrl?: string;
    mailto?: string;
    throttle: { rateLimit: number; burstLimit: number };
  };
  /** The reputation guard's thresholds (GUARD_*). */
  readonly guard: { bounceRate: number; complaintRate: number; minProcessed: number };
}

/** Headers the console sends: the ID token, JSON bodies and the idempotency key of creating POSTs. */
export const corsAllowHeaders = ['Authorization', 'Content-Type', 'Idempotency-Key'];

/** Settings a function may list without the app providing a value (optional, or with a default in its code). */
const mayBeUnset = (name: SettingName): boolean => {
  const spec: SettingSpec = settings[name];
  return spec.optional === true || spec.default !== undefined;
};

/** The one function consuming a queue (its timeout sizes the queue's visibility timeout). */
export function queueConsumer(
  queue: QueueName,
): [FunctionName, FunctionSpec & { trigger: { kind: 'queue' } }] {
  const consumers = functionEntries().filter(
    ([, spec]) => spec.trigger.kind === 'queue' && spec.trigger.queue === queue,
  );
  if (consumers.length !== 1) throw new Error(`queue ${queue} has ${consumers.length} consumers, expected 1`);
  return consumers[0] as [FunctionName, FunctionSpec & { trigger: { kind: 'queue' } }];
}

/**
 * The code: one ProjectFunction per `topology.functions` entry (with its queue event source or periodic rule,
 * and its grants), the role EventBridge Scheduler assumes to invoke the schedule target, the HTTP API in front of
 * the HTTP functions (every route behind the Cognito JWT authorizer), the alarms on every function and the API,
 * and the operations dashboard.
 *
 * Holds no data, but the deliveries' schedules (in the stateful stack's group, created at run time) name the
 * scheduler role and the target function by ARN. Both therefore have fixed names (`confirm-and-send-scheduler-
 * <region>`, IAM names being account-wide, and `confirm-and-send-scheduled-start`): destroying this stack and
 * deploying it anew recreates them under the same ARNs, and the pending schedules keep working. The price of a
 * fixed name: a change CloudFormation can only make by replacing one of the two (renaming it, for instance) fails;
 * deploy the removal, then the new one.
 */
export class StatelessStack extends Stack {
  readonly functions: Record<FunctionName, ProjectFunction>;
  readonly api: apigwv2.HttpApi;
  /** The routes with no JWT authorizer (the one-click unsubscribe links). */
  readonly publicRoutes: apigwv2.HttpRoute[];
  /** Assumed by EventBridge Scheduler; may only invoke the schedule target and write to the schedule DLQ. */
  readonly schedulerRole: iam.Role;
  readonly dashboard: Dashboard;
  /** The console's files and config.json in its bucket. */
  readonly consoleContent: ConsoleContent;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);

    const targets = functionEntries().filter(([, spec]) => spec.trigger.kind === 'schedule-target');
    if (targets.length !== 1)
      throw new Error(`expected one schedule-target function, found ${targets.length}`);
    const [targetName] = targets[0] as [FunctionName, FunctionSpec];

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      roleName: `${resourcePrefix}-scheduler-${this.region}`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `EventBridge Scheduler: invokes ${targetName} for the deliveries' schedules`,
    });
    props.scheduleDeadLetterQueue.grantSendMessages(this.schedulerRole);

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: 'confirm-and-send',
      description: 'Confirm-and-send console API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [props.consoleOrigin],
        allowHeaders: corsAllowHeaders,
        allowMethods: [
          apigwv2.CorsHttpMethod.GET,
          apigwv2.CorsHttpMethod.POST,
          apigwv2.CorsHttpMethod.PATCH,
          apigwv2.CorsHttpMethod.PUT,
          apigwv2.CorsHttpMethod.DELETE,
          apigwv2.CorsHttpMethod.OPTIONS,
        ],
        maxAge: Duration.hours(1),
      },
    });

    // The send event source is sized for the deployment's send rate (shared/domain/sending.ts).
    const [senderName, senderSpec] = queueConsumer('send');
    const senderConcurrency =
      props.sesMaxSendRate === undefined
        ? senderSpec.trigger.maxConcurrency
        : sendEventSourceConcurrency({
            maxSendRate: props.sesMaxSendRate,
            fraction: props.sendRateFraction,
            limit: props.sendRateLimit,
          });
    // So is the events event source: the events that rate makes SES publish (topology/topology.ts).
    const [ingesterName, ingesterSpec] = queueConsumer('events');
    const ingesterConcurrency =
      props.sesMaxSendRate === undefined
        ? ingesterSpec.trigger.maxConcurrency
        : eventsEventSourceConcurrency({
            maxSendRate: props.sesMaxSendRate,
            fraction: props.sendRateFraction,
            limit: props.sendRateLimit,
          });
    const values: Partial<Record<SettingName, string>> = {
      SES_CONFIGURATION_SET: props.configurationSet.configurationSetName,
      SEND_RATE_FRACTION: String(props.sendRateFraction),
      ...(props.sendRateLimit !== undefined ? { SEND_RATE_LIMIT: String(props.sendRateLimit) } : {}),
      SENDER_MAX_CONCURRENCY: String(senderConcurrency),
      SCHEDULE_GROUP: props.scheduleGroupName,
      SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      SCHEDULE_DLQ_ARN: props.scheduleDeadLetterQueue.queueArn,
      IN_DOUBT_WINDOW_MINUTES: String(props.inDoubtWindowMinutes),
      EVENTS_VISIBILITY_TIMEOUT_SECONDS: String(queueSpecs.events.visibilityTimeoutSeconds),
      UNSUBSCRIBE_KEY_SECRET: props.secrets.unsubscribeKey.secretArn,
      // The API's own URL unless a custom domain fronts it (the functions are built after the API).
      UNSUBSCRIBE_BASE_URL: props.unsubscribe.baseUrl ?? this.api.apiEndpoint,
      ...(props.unsubscribe.mailto ? { UNSUBSCRIBE_MAILTO: props.unsubscribe.mailto } : {}),
      GUARD_BOUNCE_RATE: String(props.guard.bounceRate),
      GUARD_COMPLAINT_RATE: String(props.guard.complaintRate),
      GUARD_MIN_PROCESSED: String(props.guard.minProcessed),
    };

    // The schedule target first: the functions that create schedules get its ARN (SCHEDULE_TARGET_ARN).
    const built: Partial<Record<FunctionName, ProjectFunction>> = {};
    const ordered = [...targets, ...functionEntries().filter(([name]) => name !== targetName)];
    for (const [name, spec] of ordered) {
      const missing = (spec.settings ?? []).filter((s) => values[s] === undefined && !mayBeUnset(s));
      if (missing.length > 0) throw new Error(`${name}: no value for setting(s) ${missing.join(', ')}`);
      const fn = new ProjectFunction(this, pascal(name), {
        spec:
          name === senderName
            ? withQueueConcurrency(spec, senderConcurrency)
            : name === ingesterName
              ? withQueueConcurrency(spec, ingesterConcurrency)
              : spec,
        tables: props.tables,
        logLevel: props.logLevel,
        logSampleRate: props.logSampleRate,
        logRetention: logs.RetentionDays.ONE_MONTH,
        // The schedules name the target: a fixed name, and its failures (Scheduler invokes it asynchronously, so
        // they never reach Scheduler's DLQ) go to the schedules' DLQ once Lambda's retries are over.
        ...(name === targetName
          ? { functionName: fixedFunctionName(name), onFailure: props.scheduleDeadLetterQueue }
          : {}),
        // Operators invoke a direct function by name (`aws lambda invoke`, npm run compute-stats -- --aws).
        ...(spec.trigger.kind === 'direct' ? { functionName: fixedFunctionName(name) } : {}),
        queues: props.queues,
        deadLetterQueues: props.deadLetterQueues,
        settings: values,
        ses: { identity: props.emailIdentity, configurationSet: props.configurationSet },
        secrets: props.secrets,
        scheduler: { scheduleGroupName: props.scheduleGroupName, role: this.schedulerRole },
        ...(spec.trigger.kind === 'every' && props.ruleDeadLetterQueue
          ? { periodic: { ruleName: periodicRuleName(name), deadLetterQueue: props.ruleDeadLetterQueue } }
          : {}),
      });
      built[name] = fn;
      if (name === targetName) values.SCHEDULE_TARGET_ARN = fn.function.functionArn;
    }
    this.functions = built as Record<FunctionName, ProjectFunction>;

    // The schedules invoke the target function itself (no version or alias): exactly its ARN.
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.functions[targetName].function.functionArn],
      }),
    );

    // Alarms on every function: errors (an invocation that threw or timed out: a whole batch, a schedule or
    // periodic run, or an HTTP request API Gateway then answers with a 5xx; the handlers' own 500s are the API's 5xx
    // alarm below) and throttles (Lambda concurrency: queue consumers are capped by their event source's maximum
    // concurrency, so a throttle means the account limit is reached).
    for (const [name, spec] of functionEntries()) {
      const fn = this.functions[name].function;
      const what =
        spec.trigger.kind === 'http'
          ? 'requests (crashed or timed out: API Gateway answered 5xx)'
          : spec.trigger.kind === 'queue'
            ? 'whole batches (crashed or timed out; their messages come back)'
            : 'runs';
      projectAlarm(this, `${pascal(name)}ErrorsAlarm`, props.alarmTopic, {
        name: `${name}-errors`,
        description: `The ${name} function failed ${what}`,
        metric: fn.metricErrors({ period: alarmPeriod, statistic: cloudwatch.Stats.SUM }),
        threshold: 0,
      });
      projectAlarm(this, `${pascal(name)}ThrottlesAlarm`, props.alarmTopic, {
        name: `${name}-throttles`,
        description: `The ${name} function was throttled (Lambda concurrency): its work is delayed`,
        metric: fn.metricThrottles({ period: alarmPeriod, statistic: cloudwatch.Stats.SUM }),
        threshold: 0,
      });
    }
    projectAlarm(this, 'ScheduledStartDestinationAlarm', props.alarmTopic, {
      name: `${targetName}-destination-failures`,
      description: `Lambda could not put a failed ${targetName} invocation in the schedules DLQ (lost)`,
      metric: this.functions[targetName].function.metric('DestinationDeliveryFailures', {
        period: alarmPeriod,
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 0,
    });

    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
    });
    const stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            sub: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });

    // The console sends the Cognito ID token, whose `aud` is the app client id.
    const issuer = `https://cognito-idp.${this.region}.amazonaws.com/${props.userPool.userPoolId}`;
    const authorizer = new HttpJwtAuthorizer('CognitoAuthorizer', issuer, {
      authorizerName: 'cognito-id-token',
      jwtAudience: [props.consoleClient.userPoolClientId],
      identitySource: ['$request.header.Authorization'],
    });

    // The public routes (topology `auth: 'none'`: the one-click unsubscribe links mailbox providers POST to, with
    // no sign-in) have no authorizer: they authenticate a signed token themselves, and are throttled on their own.
    const noAuthorizer = new apigwv2.HttpNoneAuthorizer();
    const publicRoutes: apigwv2.HttpRoute[] = [];
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of httpRoutes()) {
      let integration = integrations.get(route.functionName);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${pascal(route.functionName)}Integration`,
          this.functions[route.functionName].function,
        );
        integrations.set(route.functionName, integration);
      }
      const added = this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
        authorizer: route.auth === 'none' ? noAuthorizer : authorizer,
      });
      if (route.auth === 'none') publicRoutes.push(...added);
    }
    this.publicRoutes = publicRoutes;
    // Route throttling of the public routes (CloudFormation RouteSettings, keyed by route key); the stage waits
    // for the routes it names.
    const stageResource = stage.node.defaultChild as apigwv2.CfnStage;
    stageResource.routeSettings = Object.fromEntries(
      httpRoutes()
        .filter((r) => r.auth === 'none')
        .map((r) => [
          r.routeKey,
          {
            ThrottlingRateLimit: props.unsubscribe.throttle.rateLimit,
            ThrottlingBurstLimit: props.unsubscribe.throttle.burstLimit,
          },
        ]),
    );
    for (const route of publicRoutes) stage.node.addDependency(route);

    // The reputation guard paused a delivery (shared/use-cases/reputation-guard.ts): someone must look at it.
    projectAlarm(this, 'ReputationGuardAlarm', props.alarmTopic, {
      name: 'reputation-guard-paused',
      description:
        'The reputation guard paused a sending delivery: its bounce or complaint rate passed the threshold',
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(bounces, 0) + FILL(complaints, 0)',
        usingMetrics: {
          bounces: appMetric('ReputationGuardPauses', { GuardRule: 'bounce-rate' }).with({
            period: alarmPeriod,
          }),
          complaints: appMetric('ReputationGuardPauses', { GuardRule: 'complaint-rate' }).with({
            period: alarmPeriod,
          }),
        },
        label: 'Deliveries paused by the reputation guard',
        period: alarmPeriod,
      }),
      threshold: 0,
    });

    // In-doubt recipients failed, not resent: a delivery's event path carried too few Send events (shared/domain/
    // in-doubt.ts). A broken configuration set or event destination: no outcome is recorded until it is fixed.
    projectAlarm(this, 'InDoubtResendWithheldAlarm', props.alarmTopic, {
      name: 'in-doubt-resend-withheld',
      description:
        "In-doubt recipients were failed instead of resent: their delivery's SES event path is not demonstrably healthy",
      metric: appMetric('InDoubtResendWithheld').with({ period: alarmPeriod, statistic: 'Sum' }),
      threshold: 0,
    });

    projectAlarm(this, 'Api5xxAlarm', props.alarmTopic, {
      name: 'api-5xx',
      description:
        'The HTTP API answered 5xx: a handler error ("INTERNAL", with its request id) or a crashed function',
      metric: this.api.metricServerError({ period: alarmPeriod, statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
    });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      // In topology order (the schedule target was built first).
      functions: Object.fromEntries(
        functionEntries().map(([name]) => [name, this.functions[name].function]),
      ) as Record<FunctionName, NodejsFunction>,
      queues: props.queues,
      deadLetterQueues: {
        ...props.deadLetterQueues,
        schedules: props.scheduleDeadLetterQueue,
        ...(props.ruleDeadLetterQueue ? { rules: props.ruleDeadLetterQueue } : {}),
      },
      api: this.api,
      scheduleGroupName: props.scheduleGroupName,
      sendRateLimit: props.sendRateLimit,
    });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName });

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });

    // The console's build and its config.json (console/src/config.ts reads it at start): this API, Cognito's
    // managed login for the console client, and the URLs the client allows.
    this.consoleContent = new ConsoleContent(this, 'ConsoleContent', {
      bucket: props.console.bucket,
      distribution: props.console.distribution,
      distDir: props.console.distDir,
      logRetention: logs.RetentionDays.ONE_MONTH,
      config: {
        apiUrl: this.api.apiEndpoint,
        auth: {
          mode: 'cognito',
          authority: issuer,
          clientId: props.consoleClient.userPoolClientId,
          domain: props.console.signInUrl,
          scope: CONSOLE_OAUTH_SCOPES.join(' '),
          redirectUri: consoleCallbackUrl(props.consoleOrigin),
          signOutUri: consoleSignOutUrl(props.consoleOrigin),
        },
      },
    });
  }
}
