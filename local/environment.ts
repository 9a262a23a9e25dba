/**
 * The local runtime's names for what AWS names at deploy time (region, table prefix, the settings' targets), the
 * settings CDK would fill in, and the environment the handlers get: the union of every function's, as in Lambda, plus
 * the loopback endpoints.
 */
import {
  type FunctionName,
  type FunctionSpec,
  functionEnvironment,
  functions as topologyFunctions,
  queues as topologyQueues,
  type QueueName,
  type SettingName,
  tableEnv,
  tableNameList,
} from '#topology/topology.ts';
import { settings, settingText } from '#topology/settings.ts';
import type { TableNames } from '#local/dynamodb/tables.ts';
import type { EmulatorEndpoints } from '#local/emulators.ts';
import { functionArn, LOCAL_ACCOUNT_ID } from '#local/lambda/invoke.ts';
import { queueName } from '#local/sqs/queues.ts';

export const REGION = 'us-east-1';
export const TABLE_PREFIX = 'local';
/** Powertools service name, as ProjectFunction sets it in AWS (infra/constructs/project-function.ts). */
const SERVICE_NAME = 'confirm-and-send';
/** The local names of what the settings point at (topology/topology.ts SETTINGS). */
export const SCHEDULE_GROUP = `${TABLE_PREFIX}-deliveries`;
export const SCHEDULES_DLQ = queueName(TABLE_PREFIX, 'schedules-dlq');
export const SES_CONFIGURATION_SET = `${TABLE_PREFIX}-config-set`;
export const SCHEDULER_ROLE_ARN = `arn:aws:iam::000000000000:role/${TABLE_PREFIX}-scheduler`;
/** The settings' defaults (topology/settings.ts): the deployed fraction, and the local in-doubt window. */
export const SEND_RATE_FRACTION = settingText(settings.SEND_RATE_FRACTION.default);
export const IN_DOUBT_WINDOW_MINUTES = settingText(settings.IN_DOUBT_WINDOW_MINUTES.localDefault);
/** The SNS topic of the configuration set's events (the simulator puts it in each envelope's TopicArn). */
export const SES_EVENTS_TOPIC_ARN = `arn:aws:sns:${REGION}:${LOCAL_ACCOUNT_ID}:${TABLE_PREFIX}-ses-events`;
/** The function schedules invoke: the topology's schedule target. */
const SCHEDULE_TARGET = (Object.entries(topologyFunctions) as Array<[FunctionName, FunctionSpec]>).find(
  ([, spec]) => spec.trigger.kind === 'schedule-target',
)?.[0];

/**
 * The environment handlers get, as in Lambda plus the loopback endpoints: region, fake credentials (no AWS
 * account is ever used: any service without a local endpoint is pointed at a closed loopback port), the table
 * variables of the topology, and the Powertools settings. With `wiring`, also the local scheduler's endpoint and,
 * as every function's `functionEnvironment` gives them, the queue URLs, dead-letter queue URLs and settings: all
 * functions share this one process, so it is the union of their environments.
 */
export const handlerEnvironment = (
  endpoints: EmulatorEndpoints & { scheduler?: string; secretsManager?: string },
  tables: TableNames,
  logLevel: string,
  wiring: {
    queueUrls?: Partial<Record<QueueName, string>>;
    settings?: Partial<Record<SettingName, string>>;
    deadLetterUrls?: Partial<Record<QueueName, string>>;
  } = {},
): Record<string, string> => ({
  AWS_REGION: REGION,
  AWS_DEFAULT_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
  AWS_ENDPOINT_URL_SQS: endpoints.sqs,
  AWS_ENDPOINT_URL_SESV2: endpoints.ses,
  ...(endpoints.secretsManager ? { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager } : {}),
  ...(endpoints.scheduler ? { AWS_ENDPOINT_URL_SCHEDULER: endpoints.scheduler } : {}),
  ...Object.fromEntries(tableNameList().map((name) => [tableEnv(name), tables[name]])),
  ...Object.assign(
    {},
    ...(Object.values(topologyFunctions) as FunctionSpec[]).map((spec) =>
      functionEnvironment(
        spec,
        tables,
        wiring.queueUrls ?? {},
        wiring.settings ?? {},
        wiring.deadLetterUrls ?? {},
      ),
    ),
  ),
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  LOG_LEVEL: logLevel,
});

/** The settings of the local runtime (topology/topology.ts SETTINGS), as CDK fills them in AWS. */
export const localSettings = (options: {
  schedulesDlqArn: string;
  sendRateLimit?: string | undefined;
  inDoubtWindowMinutes?: string | undefined;
  /** The local Secrets Manager's unsubscribe key (local/secretsmanager/secrets.ts) and the front's URL. */
  unsubscribe: { keySecretArn: string; baseUrl: string };
  /** The reputation guard's thresholds (GUARD_* of npm start; the schema's defaults otherwise). */
  guard?: { bounceRate?: string; complaintRate?: string; minProcessed?: string };
  /** The send event source's maximum concurrency, sized for the local send rate (default: the topology's). */
  senderMaxConcurrency?: number | undefined;
  /** Every queue's visibility timeout when LOCAL_VISIBILITY_TIMEOUT_SECONDS sets it (default: the topology's). */
  visibilityTimeoutSeconds?: number | undefined;
}): Record<SettingName, string> => {
  const sender = topologyFunctions.sender.trigger;
  if (!SCHEDULE_TARGET) throw new Error('The topology has no schedule-target function');
  return {
    SES_CONFIGURATION_SET,
    SEND_RATE_FRACTION,
    SEND_RATE_LIMIT: options.sendRateLimit ?? '',
    SENDER_MAX_CONCURRENCY: String(options.senderMaxConcurrency ?? sender.maxConcurrency),
    SCHEDULE_GROUP,
    SCHEDULER_ROLE_ARN,
    SCHEDULE_TARGET_ARN: functionArn(SCHEDULE_TARGET),
    SCHEDULE_DLQ_ARN: options.schedulesDlqArn,
    IN_DOUBT_WINDOW_MINUTES: options.inDoubtWindowMinutes ?? IN_DOUBT_WINDOW_MINUTES,
    EVENTS_VISIBILITY_TIMEOUT_SECONDS: String(
      options.visibilityTimeoutSeconds ?? topologyQueues.events.visibilityTimeoutSeconds,
    ),
    UNSUBSCRIBE_KEY_SECRET: options.unsubscribe.keySecretArn,
    UNSUBSCRIBE_BASE_URL: options.unsubscribe.baseUrl,
    UNSUBSCRIBE_MAILTO: '',
    GUARD_BOUNCE_RATE: options.guard?.bounceRate ?? settingText(settings.GUARD_BOUNCE_RATE.default),
    GUARD_COMPLAINT_RATE: options.guard?.complaintRate ?? settingText(settings.GUARD_COMPLAINT_RATE.default),
    GUARD_MIN_PROCESSED: options.guard?.minProcessed ?? settingText(settings.GUARD_MIN_PROCESSED.default),
  };
};

/** The local Secrets Manager's secret of the unsubscribe signing key. */
export const UNSUBSCRIBE_KEY_SECRET_NAME = `${TABLE_PREFIX}-unsubscribe-signing-key`;
