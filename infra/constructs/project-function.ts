import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Arn, Duration, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as ses from 'aws-cdk-lib/aws-ses';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resourcePrefix } from './job-queue.ts';
import { PeriodicRule } from './periodic-run.ts';
import {
  type Access,
  type FunctionSpec,
  functionEnvironment,
  type QueueName,
  type SecretName,
  type SettingName,
  type TableName,
} from '#topology/topology.ts';

/** Repository root: entries in the topology are relative to it. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The one Lambda runtime of the project (DESIGN section 3); the bundles target the same Node major. */
export const projectRuntime = lambda.Runtime.NODEJS_24_X;

/** Powertools service name shared by every function; the function name is in every log line anyway. */
export const serviceName = 'confirm-and-send';

/**
 * A fixed physical function name, `confirm-and-send-<kebab-case name>`, for a function something outside the stack
 * names: the deliveries' schedules name the schedule target (`confirm-and-send-scheduled-start`).
 */
export const fixedFunctionName = (name: string): string =>
  `${resourcePrefix}-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** CloudWatch namespace of the app's metrics (shared/ports/metrics.ts), published by Powertools Metrics (EMF). */
export const metricsNamespace = 'ConfirmAndSend';

/** X-Ray actions of active tracing; they have no resource type, so `*` is the only possible resource. */
export const tracingActions = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/**
 * The Powertools settings every function gets (functions/lib/observability.ts): service and metrics namespace;
 * the tracer records errors but not responses (they hold profiles and addresses) and no plain HTTPS calls (there
 * are none: every AWS call goes through a captured SDK client); the logger never logs whole events and samples
 * `logSampleRate` of the invocations at DEBUG.
 */
export const powertoolsEnvironment = (logLevel: string, logSampleRate: number): Record<string, string> => ({
  POWERTOOLS_SERVICE_NAME: serviceName,
  POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
  POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
  POWERTOOLS_TRACER_CAPTURE_ERROR: 'true',
  POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
  POWERTOOLS_LOGGER_LOG_EVENT: 'false',
  POWERTOOLS_LOGGER_SAMPLE_RATE: String(logSampleRate),
  LOG_LEVEL: logLevel,
});

/** How long Lambda keeps retrying a scheduled start it could not run: past an hour the start is too late anyway. */
export const scheduledStartMaxEventAge = Duration.hours(1);
/** Retries of a scheduled start that failed (Lambda's asynchronous invocation: 1 minute, then 2 minutes later). */
export const scheduledStartRetryAttempts = 2;

export interface ProjectFunctionProps {
  /** The function's entry in `topology.functions`. */
  readonly spec: FunctionSpec;
  /** Every table of the topology; the function is granted (and told about) only those its spec names. */
  readonly tables: Record<TableName, ITableV2>;
  /** Powertools log level (`LOG_LEVEL`). */
  readonly logLevel: string;
  /** Share of invocations logged at DEBUG whatever the level (`POWERTOOLS_LOGGER_SAMPLE_RATE`), 0 to 1; default 0. */
  readonly logSampleRate?: number;
  /** A fixed physical function name (something outside the stack names the function, e.g. the schedules). */
  readonly functionName?: string;
  /**
   * Where asynchronous invocations that still fail after Lambda's retries go (the invocation record, with the
   * event as `requestPayload`): needed for the `schedule-target` function, whose invoker (Scheduler) never
   * learns that the function failed.
   */
  readonly onFailure?: sqs.IQueue;
  /** CloudWatch Logs retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Every queue of the topology; the function consumes its trigger queue and may send to its `sendsTo`. */
  readonly queues: Record<QueueName, sqs.IQueue>;
  /** The queues' dead-letter queues; needed for the queues the spec `refusesTo` (the function sends to them). */
  readonly deadLetterQueues?: Partial<Record<QueueName, sqs.IQueue>>;
  /** Values of the settings (`topology.SETTINGS`); the function gets those its spec lists. */
  readonly settings: Partial<Record<SettingName, string>>;
  /** Needed when the spec has `ses: ['send']`. */
  readonly ses?: { identity: ses.IEmailIdentity; configurationSet: ses.IConfigurationSet };
  /** Needed when the spec has `schedules: true`. */
  readonly scheduler?: { scheduleGroupName: string; role: iam.IRole };
  /** Secrets generated at deploy time; the function may read (GetSecretValue) exactly those its spec names. */
  readonly secrets?: Partial<Record<SecretName, secretsmanager.ISecret>>;
  /** Needed when the trigger is `every`: the rule's fixed name and the rules' dead-letter queue. */
  readonly periodic?: { ruleName: string; deadLetterQueue: sqs.IQueue };
}

/** SES actions of `ses: ['send']` (SESv2 SendEmail authorizes as ses:SendEmail; raw MIME as SendRawEmail). */
export const sesSendActions = ['ses:SendEmail', 'ses:SendRawEmail'];
/**
 * What a `schedules: true` function does with the deliveries' schedules (no listing). UpdateSchedule: arming a
 * delivery whose schedule already exists (left by an earlier version whose disarm failed) rewrites it to the
 * current definition (shared/adapters/scheduler/delivery-scheduler.ts).
 */
export const scheduleActions = [
  'scheduler:CreateSchedule',
  'scheduler:DeleteSchedule',
  'scheduler:GetSchedule',
  'scheduler:UpdateSchedule',
];

/** `arn:…:ses:<region>:<account>:configuration-set/<name>`, which SES also authorizes sends against. */
export const configurationSetArn = (configurationSet: ses.IConfigurationSet): string =>
  Stack.of(configurationSet).formatArn({
    service: 'ses',
    resource: 'configuration-set',
    resourceName: configurationSet.configurationSetName,
  });

/** `arn:…:scheduler:<region>:<account>:schedule/<group>/*`: every schedule of one group. */
export const schedulesInGroupArn = (scope: Construct, scheduleGroupName: string): string =>
  Arn.format(
    { service: 'scheduler', resource: 'schedule', resourceName: `${scheduleGroupName}/*` },
    Stack.of(scope),
  );

/**
 * Asynchronous invocations of a periodic function: no Lambda retry and no event older than one period, since the
 * next run is the retry (a retry or a backlog after throttling would only overlap it).
 */
export function periodicInvokeConfig(spec: FunctionSpec): { retryAttempts?: number; maxEventAge?: Duration } {
  if (spec.trigger.kind !== 'every') return {};
  return {
    retryAttempts: 0,
    maxEventAge: Duration.minutes(Math.min(Math.max(spec.trigger.minutes, 1), 360)),
  };
}

/**
 * The function defaults of the project, in one place: Node 24 on arm64, an ESM bundle built locally by
 * esbuild, source maps, its own log group with a retention, Powertools settings, and from its topology entry:
 * the environment, the table grants, the queue event source and queue grants (and the dead-letter queues it
 * refuses messages to), the periodic rule of an `every` trigger, the SES and scheduler permissions. Its role holds
 * nothing else.
 */
export class ProjectFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The ses:GetAccount statement (resource `*`), in a policy of its own so its cdk-nag acknowledgement is exact. */
  readonly sesAccountPolicy?: iam.Policy;
  /** The scheduler statement on `schedule/<group>/*`, when the spec has `schedules: true`. */
  readonly schedulesArn?: string;
  /** The EventBridge rule running the function, when its trigger is `every`. */
  readonly periodicRule?: PeriodicRule;
  /** The X-Ray statement of active tracing (resource `*`), in a policy of its own for an exact acknowledgement. */
  readonly tracingPolicy: iam.Policy;

  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    super(scope, id);
    const { spec } = props;

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });

    // Our own role instead of the default one: the default attaches the AWSLambdaBasicExecutionRole managed
    // policy (logs:CreateLogGroup and PutLogEvents on every log group). This role may only write to the
    // function's own log group, plus the table grants below.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${id}: ${spec.description}`,
    });
    this.logGroup.grantWrite(this.role);
    this.tracingPolicy = new iam.Policy(this.role, 'TracingPolicy', {
      roles: [this.role],
      statements: [new iam.PolicyStatement({ actions: tracingActions, resources: ['*'] })],
    });

    if (spec.trigger.kind === 'schedule-target' && !props.onFailure) {
      throw new Error(`${id}: a schedule target needs an on-failure destination (its failures reach no DLQ)`);
    }

    // The dead-letter queues the function moves refused messages to (`refusesTo`): their URLs in its environment
    // (DLQ_URL_<QUEUE>), sqs:SendMessage on them below.
    const refusedTo = (spec.refusesTo ?? []).map((name) => {
      const queue = props.deadLetterQueues?.[name];
      if (!queue) throw new Error(`${id}: refusesTo ${name} needs that queue's dead-letter queue`);
      return [name, queue] as const;
    });

    const tableNames = Object.fromEntries(
      Object.entries(props.tables).map(([name, table]) => [name, table.tableName]),
    ) as Record<TableName, string>;

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(repoRoot, spec.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      ...(props.functionName ? { functionName: props.functionName } : {}),
      description: spec.description,
      runtime: projectRuntime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      // Active tracing: X-Ray samples requests and Powertools Tracer adds the handler and SDK call segments. The
      // X-Ray permissions are the TracingPolicy above (the `tracing` prop would put them in the default policy).
      environment: {
        ...powertoolsEnvironment(props.logLevel, props.logSampleRate ?? 0),
        NODE_OPTIONS: '--enable-source-maps',
        ...functionEnvironment(
          spec,
          tableNames,
          Object.fromEntries(Object.entries(props.queues).map(([name, queue]) => [name, queue.queueUrl])),
          props.settings,
          Object.fromEntries(refusedTo.map(([name, queue]) => [name, queue.queueUrl])),
        ),
      },
      ...periodicInvokeConfig(spec),
      ...(props.onFailure
        ? {
            onFailure: new SqsDestination(props.onFailure),
            retryAttempts: scheduledStartRetryAttempts,
            maxEventAge: scheduledStartMaxEventAge,
          }
        : {}),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        // ESM output: dependencies that still call require() (CommonJS inside the bundle) need one.
        banner: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Ship the exact AWS SDK versions pinned in package-lock.json (the ones the tests and the local
        // runtime run) instead of whatever SDK the managed runtime carries that day. Costs some bundle size.
        bundleAwsSDK: true,
      },
    });

    (this.function.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
    this.function.node.addDependency(this.tracingPolicy);

    // Least privilege: exactly the access the topology declares, table by table (indexes included).
    for (const [name, access] of Object.entries(spec.tables) as Array<[TableName, Access]>) {
      const table = props.tables[name];
      if (access === 'read') table.grantReadData(this.role);
      else if (access === 'write') table.grantWriteData(this.role);
      else table.grantReadWriteData(this.role);
    }

    // Queues: consume the trigger queue (partial batch responses, the topology's batch size, concurrency and
    // batching window; its URL and a grant of its own when it `receivesMore`), send to the `sendsTo` queues and to
    // the dead-letter queues of the `refusesTo` ones.
    if (spec.trigger.kind === 'queue') {
      const { queue, batchSize, maxConcurrency, maxBatchingWindowSeconds } = spec.trigger;
      this.function.addEventSource(
        new SqsEventSource(props.queues[queue], {
          batchSize,
          maxConcurrency,
          reportBatchItemFailures: true,
          ...(maxBatchingWindowSeconds !== undefined
            ? { maxBatchingWindow: Duration.seconds(maxBatchingWindowSeconds) }
            : {}),
        }),
      );
    }
    // A function that takes more jobs from its trigger queue itself consumes it by its own grant (the event source's
    // grant is the same statement, but the function no longer relies on the event source for it).
    if (spec.trigger.kind === 'queue' && spec.trigger.receivesMore) {
      props.queues[spec.trigger.queue].grantConsumeMessages(this.role);
    }
    for (const name of spec.sendsTo ?? []) props.queues[name].grantSendMessages(this.role);
    for (const [, deadLetterQueue] of refusedTo) deadLetterQueue.grantSendMessages(this.role);

    // Periodic runs: an EventBridge rule `rate(N minutes)` invokes the function.
    if (spec.trigger.kind === 'every') {
      if (!props.periodic) throw new Error(`${id}: an every trigger needs a rule name and the rules' DLQ`);
      this.periodicRule = new PeriodicRule(this, 'Every', {
        function: this.function,
        ruleName: props.periodic.ruleName,
        minutes: spec.trigger.minutes,
        deadLetterQueue: props.periodic.deadLetterQueue,
      });
    }

    // SES: sending is authorized against the identity and against the configuration set the message names
    // (aws-cdk#34402: EmailIdentity.grantSendEmail covers the identity only), so both exact ARNs.
    if (spec.ses?.includes('send')) {
      if (!props.ses) throw new Error(`${id}: ses: ['send'] needs the SES identity and configuration set`);
      iam.Grant.addToPrincipal({
        grantee: this.role,
        actions: sesSendActions,
        resourceArns: [props.ses.identity.emailIdentityArn, configurationSetArn(props.ses.configurationSet)],
      });
    }
    // ses:GetAccount (quotas, sandbox status) has no resource type: `*` is the only possible resource.
    if (spec.ses?.includes('account')) {
      this.sesAccountPolicy = new iam.Policy(this.role, 'SesAccountPolicy', {
        roles: [this.role],
        statements: [new iam.PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] })],
      });
    }

    // Secrets: read (GetSecretValue, DescribeSecret) on exactly the secrets the spec names.
    for (const name of spec.secrets ?? []) {
      const secret = props.secrets?.[name];
      if (!secret) throw new Error(`${id}: secrets ${name} needs that secret`);
      secret.grantRead(this.role);
    }

    // Schedules: create, read and delete the deliveries' schedules in the group, and pass the scheduler role
    // (only that role, only to EventBridge Scheduler) when creating them.
    if (spec.schedules) {
      if (!props.scheduler)
        throw new Error(`${id}: schedules: true needs the schedule group and scheduler role`);
      this.schedulesArn = schedulesInGroupArn(this, props.scheduler.scheduleGroupName);
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: scheduleActions, resources: [this.schedulesArn] }),
      );
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [props.scheduler.role.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        }),
      );
    }
  }
}
