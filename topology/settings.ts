/**
 * The settings schema: every setting of the system, declared once, with its type, its default and whether it may
 * be left unset. Three readers use it and nothing else validates a setting:
 *
 * - the functions (`functions/lib/config.ts`), from the environment variable named after the setting, at cold
 *   start: a missing or invalid value fails the function at once with a message naming it;
 * - the CDK app (`infra/app.ts`), from the CDK context key the setting names (`-c sendRateFraction=0.5` or
 *   cdk.json), failing synth the same way; it then hands the values to the functions' environments;
 * - the embedded runtime (`local/main.ts`), from its environment (`SEND_RATE_LIMIT=50 npm start`), exiting with
 *   code 2 and the same message.
 *
 * A setting's `scope` says who reads it: `function` (a Lambda environment variable the topology's functions list
 * in their `settings`), `cdk` (a context value of the deployment), `local` (an `npm start` variable). `source:
 * 'resource'` marks function settings that name a deployed resource: CDK and the local runtime fill them, nobody
 * sets them. `localDefault` is the default of the embedded runtime where it differs from the deployed one.
 *
 * Pure data and zod: no CDK or AWS SDK imports (docs/settings.md explains the schema).
 */
import { z } from 'zod';

type Scope = 'function' | 'cdk' | 'local';

export interface SettingSpec<T extends z.ZodType = z.ZodType> {
  description: string;
  /** Parses the setting's text form (an environment variable or a context value), trimmed. */
  type: T;
  /** What a valid value is, for the message that refuses an invalid one ("a number above 0"). */
  expected: string;
  scope: readonly Scope[];
  /** The value when unset; absent, the setting is required unless `optional`. */
  default?: z.output<T>;
  /** The embedded runtime's default, where it differs from `default`. */
  localDefault?: z.output<T>;
  /** May be left unset, with no default (the code then does without). */
  optional?: true;
  /** The CDK context key (scope `cdk`). */
  context?: string;
  /** A narrower type for the deployed value (the context), where the embedded runtime allows more (for tests). */
  contextType?: z.ZodType;
  /** What a valid deployed value is, with `contextType`. */
  contextExpected?: string;
  /** Names a deployed resource: filled by CDK and the local runtime, never set by hand. */
  source?: 'resource';
}

const text = z.string().min(1);
const hostname = z
  .string()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/);
const positiveNumber = z.coerce.number().positive();
const wholeNumber = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const fraction = z.coerce.number().min(0).max(1);
const flag = z
  .string()
  .transform((value) => !['0', 'false', 'no', 'off'].includes(value.toLowerCase()))
  .pipe(z.boolean());
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
const logLevel = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL']));

/** Keeps a setting's literal types (its scope, whether it is optional) for SettingValue and FunctionSettingName. */
const setting = <T extends z.ZodType, const X extends Omit<SettingSpec<T>, 'type'>>(
  spec: X & { type: T },
): X & { type: T } => spec;

export const settings = {
  // ---- Functions (Lambda environment), set from the deployment's context or its resources -------------------
  SES_CONFIGURATION_SET: setting({
    description: 'SES configuration set every message is sent through (it publishes the events)',
    expected: 'a configuration set name',
    type: text,
    scope: ['function'],
    source: 'resource',
  }),
  SEND_RATE_FRACTION: setting({
    description: "fraction of the SES account's maximum send rate all senders together stay under, in (0, 1]",
    expected: 'a fraction above 0, at most 1',
    type: z.coerce.number().gt(0).max(1),
    scope: ['function', 'cdk'],
    default: 0.8,
    context: 'sendRateFraction',
  }),
  SEND_RATE_LIMIT: setting({
    description:
      'cap in messages per second for all senders together, below the fraction of the account rate',
    expected: 'a number of messages per second above 0',
    type: positiveNumber,
    scope: ['function', 'cdk', 'local'],
    optional: true,
    context: 'sendRateLimit',
  }),
  SES_MAX_SEND_RATE: setting({
    description:
      "the SES account's maximum send rate the senders are sized for, messages per second: the send event source's maximum concurrency is derived from it (with SEND_RATE_FRACTION, SEND_RATE_LIMIT and SES's latency); the account's own rate (GetAccount) paces them at run time",
    expected: 'a number of messages per second above 0',
    type: positiveNumber,
    scope: ['cdk'],
    default: 200,
    context: 'sesMaxSendRate',
  }),
  SENDER_MAX_CONCURRENCY: setting({
    description: "the sender event source's maximum concurrency (each sender paces at rate / this)",
    expected: 'a whole number from 1 to 1000',
    type: wholeNumber(1, 1000),
    scope: ['function'],
    source: 'resource',
  }),
  EVENTS_VISIBILITY_TIMEOUT_SECONDS: setting({
    description:
      "the events queue's visibility timeout: an SES event an ingester took and never finished (it died) comes back after it, so the sweeper waits it out, with the ingesters' lag, before resending an in-doubt recipient",
    expected: 'a whole number of seconds from 0 to 43200',
    type: wholeNumber(0, 43_200),
    scope: ['function'],
    source: 'resource',
  }),
  SEND_CLAIM_LEASE_SECONDS: setting({
    description:
      "how long a sender's lease on a target page holds (extended while it sends) before another sender or the sweeper may take the page and call its window's unrecorded recipients in doubt, below the send queue's visibility timeout (unset: the sender's 120 s; the embedded runtime's tests shorten it, the sender reads it from its environment)",
    expected: 'a number of seconds above 0',
    type: positiveNumber,
    scope: ['local'],
    optional: true,
  }),
  COUNTER_SETTLE_SECONDS: setting({
    description:
      "how long after a sending-log write a repair of the counters waits before it trusts the log over them, since the ADD that goes with the write may still be on its way (unset: the longest timeout of the functions that write the log and ADD the counters, and 30 s: topology/topology.ts `counterSettleSeconds`; the embedded runtime's tests and the fault bench shorten it)",
    expected: 'a number of seconds above 0',
    type: positiveNumber,
    scope: ['local'],
    optional: true,
  }),
  SCHEDULE_GROUP: setting({
    description: 'EventBridge Scheduler schedule group of the deliveries',
    expected: 'a schedule group name',
    type: text,
    scope: ['function'],
    source: 'resource',
  }),
  SCHEDULER_ROLE_ARN: setting({
    description: 'role EventBridge Scheduler assumes to invoke the scheduled-start function',
    expected: 'a role ARN',
    type: text,
    scope: ['function'],
    source: 'resource',
  }),
  SCHEDULE_TARGET_ARN: setting({
    description: 'ARN of the scheduled-start function',
    expected: 'a function ARN',
    type: text,
    scope: ['function'],
    source: 'resource',
  }),
  SCHEDULE_DLQ_ARN: setting({
    description: "dead-letter queue of the schedules' failed invocations",
    expected: 'a queue ARN',
    type: text,
    scope: ['function'],
    source: 'resource',
  }),
  IN_DOUBT_WINDOW_MINUTES: setting({
    description:
      'how long an in-doubt recipient waits for an SES event naming it before the sweeper decides ("in doubt: no SES record")',
    // Fractions of a minute are for tests of the embedded runtime (seconds-long windows).
    expected: 'a number of minutes above 0',
    type: positiveNumber,
    contextType: z.coerce.number().int().min(1),
    contextExpected: 'a whole number of minutes, 1 or more',
    scope: ['function', 'cdk', 'local'],
    default: 1440,
    localDefault: 60,
    context: 'inDoubtWindowMinutes',
  }),
  UNSUBSCRIBE_KEY_SECRET: setting({
    description:
      'Secrets Manager secret (ARN) holding the key one-click unsubscribe links are signed with, generated at deploy time (never in the repository)',
    expected: 'a secret ARN or name',
    type: text,
    scope: ['function'],
    source: 'resource',
  }),
  UNSUBSCRIBE_BASE_URL: setting({
    description:
      "public base URL of the unsubscribe route /unsubscribe/{token} in every message's List-Unsubscribe header (unset: the HTTP API's own URL; set it when a custom domain fronts the API)",
    expected: 'an https URL (https://api.example.com)',
    type: z.url(),
    contextType: z.url({ protocol: /^https$/ }),
    contextExpected: 'an https URL (https://api.example.com)',
    scope: ['function', 'cdk'],
    optional: true,
    context: 'unsubscribeBaseUrl',
  }),
  UNSUBSCRIBE_MAILTO: setting({
    description:
      'address in the List-Unsubscribe header beside the URL, for mail clients without one-click (unset: the URL only); mail to it must be handled outside this system',
    expected: 'an email address',
    type: z.email(),
    scope: ['function', 'cdk'],
    optional: true,
    context: 'unsubscribeMailto',
  }),
  UNSUBSCRIBE_RATE_LIMIT: setting({
    description:
      'throttling of the public unsubscribe route alone, requests per second (the rest of the API keeps apiRateLimit)',
    expected: 'a number of requests per second above 0',
    type: positiveNumber,
    scope: ['cdk'],
    default: 10,
    context: 'unsubscribeRateLimit',
  }),
  UNSUBSCRIBE_BURST_LIMIT: setting({
    description: 'throttling of the public unsubscribe route alone, burst',
    expected: 'a whole number of requests from 1 to 5000',
    type: wholeNumber(1, 5000),
    scope: ['cdk'],
    default: 20,
    context: 'unsubscribeBurstLimit',
  }),
  GUARD_BOUNCE_RATE: setting({
    description:
      'the reputation guard pauses a sending delivery whose hard-bounce rate passes this fraction (SES reviews an account at 0.05)',
    expected: 'a fraction above 0, at most 1',
    type: z.coerce.number().gt(0).max(1),
    scope: ['function', 'cdk', 'local'],
    default: 0.04,
    context: 'guardBounceRate',
  }),
  GUARD_COMPLAINT_RATE: setting({
    description:
      'the reputation guard pauses a sending delivery whose complaint rate passes this fraction (SES reviews an account at 0.001)',
    expected: 'a fraction above 0, at most 1',
    type: z.coerce.number().gt(0).max(1),
    scope: ['function', 'cdk', 'local'],
    default: 0.0008,
    context: 'guardComplaintRate',
  }),
  GUARD_MIN_PROCESSED: setting({
    description:
      'recipients a delivery must have processed (since its last guard pause) before the reputation guard judges its rates',
    expected: 'a whole number from 1 to 1000000',
    type: wholeNumber(1, 1_000_000),
    scope: ['function', 'cdk', 'local'],
    default: 200,
    context: 'guardMinProcessed',
  }),
  LOG_LEVEL: setting({
    description: 'Powertools log level of every function (set on each, read by Powertools)',
    expected: 'one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT',
    type: logLevel,
    scope: ['cdk', 'local'],
    default: 'INFO',
    localDefault: 'WARN',
    context: 'logLevel',
  }),

  LOG_SAMPLE_RATE: setting({
    description:
      'share of invocations (0 to 1) every function logs at DEBUG whatever LOG_LEVEL (Powertools log sampling, set as POWERTOOLS_LOGGER_SAMPLE_RATE)',
    expected: 'a fraction from 0 to 1',
    type: fraction,
    scope: ['cdk'],
    default: 0.01,
    context: 'logSampleRate',
  }),

  // ---- The deployment (CDK context) -------------------------------------------------------------------------
  REGION: setting({
    description:
      'target region; pinned, since with no AWS configuration the CLI would inject us-east-1 silently',
    expected: 'a region name',
    type: text,
    scope: ['cdk'],
    default: 'eu-west-1',
    context: 'region',
  }),
  ACCOUNT: setting({
    description: 'target account id; unset, the stacks are account-agnostic and synth needs no credentials',
    expected: 'a 12-digit AWS account id',
    type: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
    scope: ['cdk'],
    optional: true,
    context: 'account',
  }),
  CONSOLE_ORIGIN: setting({
    description:
      "origin of the web console, the only one CORS allows and where its Cognito client may return; unset, the console distribution's own (https://<id>.cloudfront.net)",
    expected: 'an origin URL (https://console.example.com)',
    type: z.url(),
    scope: ['cdk'],
    optional: true,
    context: 'consoleOrigin',
  }),
  API_RATE_LIMIT: setting({
    description: "the HTTP API's default stage throttling, requests per second",
    expected: 'a number of requests per second above 0',
    type: positiveNumber,
    scope: ['cdk'],
    default: 50,
    context: 'apiRateLimit',
  }),
  API_BURST_LIMIT: setting({
    description: "the HTTP API's default stage throttling, burst",
    expected: 'a whole number of requests from 1 to 1000000',
    type: wholeNumber(1, 1_000_000),
    scope: ['cdk'],
    default: 100,
    context: 'apiBurstLimit',
  }),
  SENDER_IDENTITY: setting({
    description:
      'SES identity the deliveries are sent from: a domain (Easy DKIM: publish the DkimRecord* outputs) or an email address',
    expected: 'a domain or an email address',
    type: text,
    scope: ['cdk'],
    default: 'example.com',
    context: 'senderIdentity',
  }),
  MAIL_FROM_DOMAIN: setting({
    description:
      'custom MAIL FROM domain of a domain sender identity, a subdomain of it (mail.example.com): publish its MX and SPF records (README, Deploy)',
    expected: 'a subdomain of the sender identity domain',
    type: hostname,
    scope: ['cdk'],
    optional: true,
    context: 'mailFromDomain',
  }),
  TRACKING_DOMAIN: setting({
    description:
      "custom domain of the open and click tracking links (the configuration set's redirect domain, HTTPS required): a CNAME to a CloudFront distribution in front of SES's regional tracking domain (README, Deploy)",
    expected: 'a host name (track.example.com)',
    type: hostname,
    scope: ['cdk'],
    optional: true,
    context: 'trackingDomain',
  }),
  SEND_QUEUE_ALARM_MINUTES: setting({
    description:
      "age in minutes of the send queue's oldest job that raises the send-queue-age alarm; above the longest send your SES quota allows (its 24-hour quota over the pacing target), below the queue's 4-day retention",
    expected: 'a whole number of minutes from 1 to 5760',
    type: wholeNumber(1, 5760),
    scope: ['cdk'],
    default: 120,
    context: 'sendQueueAlarmMinutes',
  }),
  ALARM_EMAIL: setting({
    description: 'address subscribed to the alarm topic (it must confirm the subscription)',
    expected: 'an email address',
    type: z.email(),
    scope: ['cdk'],
    optional: true,
    context: 'alarmEmail',
  }),

  // ---- The embedded runtime (npm start) ---------------------------------------------------------------------
  PORT: setting({
    description: 'port of the HTTP front on 127.0.0.1 (0 picks a free one and prints it)',
    expected: 'a port number from 0 to 65535 (0 picks a free one)',
    type: wholeNumber(0, 65_535),
    scope: ['local'],
    default: 3000,
  }),
  DATA_DIR: setting({
    description: 'data folder (emulator data, journal, schedules, keys); survives restarts, even kill -9',
    expected: 'a folder path',
    type: text,
    scope: ['local'],
    default: '.data',
  }),
  SEED: setting({
    description: 'seed demo data into an empty data folder (0, false, no or off: none)',
    expected: '1 or 0 (true/false, yes/no, on/off)',
    type: flag,
    scope: ['local'],
    default: true,
  }),
  CORS_ORIGINS: setting({
    description: 'origins allowed by CORS, comma-separated (unset: any)',
    expected: 'comma-separated origins',
    type: commaList,
    scope: ['local'],
    optional: true,
  }),
  LOCAL_VISIBILITY_TIMEOUT_SECONDS: setting({
    description:
      "every queue's visibility timeout instead of the topology's: failed messages come back, and reach their dead-letter queue, in seconds",
    expected: 'a whole number of seconds from 0 to 43200',
    type: wholeNumber(0, 43_200),
    scope: ['local'],
    optional: true,
  }),
  LOCAL_SWEEP_INTERVAL_SECONDS: setting({
    description: "the sweeper's period instead of the topology's 5 minutes",
    expected: 'a number of seconds above 0',
    type: positiveNumber,
    scope: ['local'],
    optional: true,
  }),
  SES_EVENT_DELAY_SCALE: setting({
    description:
      "multiplies the SES event simulator's delays (Delivery about 300 ms after the send); 0 publishes every event at once",
    expected: 'a number, 0 or more (0 publishes at once)',
    type: z.coerce.number().min(0),
    scope: ['local'],
    default: 1,
  }),
  SES_OPEN_RATE: setting({
    description: 'fraction (0 to 1) of delivered messages the SES event simulator opens at random, for demos',
    expected: 'a fraction from 0 to 1',
    type: fraction,
    scope: ['local'],
    default: 0,
  }),
  SES_EVENT_DUPLICATE_RATE: setting({
    description:
      'fraction (0 to 1) of SES events the local event destination delivers twice, as SNS may (a fault, for the fault bench)',
    expected: 'a fraction from 0 to 1',
    type: fraction,
    scope: ['local'],
    default: 0,
  }),
  SES_EVENT_REORDER_RATE: setting({
    description:
      'fraction (0 to 1) of those second copies held back up to 3 s, so they arrive after later events (a fault)',
    expected: 'a fraction from 0 to 1',
    type: fraction,
    scope: ['local'],
    default: 0,
  }),
  SES_CLICK_RATE: setting({
    description:
      'fraction (0 to 1) of delivered messages the SES event simulator clicks at random (a click comes with an open)',
    expected: 'a fraction from 0 to 1',
    type: fraction,
    scope: ['local'],
    default: 0,
  }),
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof settings;

/** The settings a function may list in the topology (its environment variables). */
export type FunctionSettingName = {
  [K in SettingName]: 'function' extends (typeof settings)[K]['scope'][number] ? K : never;
}[SettingName];

type Spec<K extends SettingName> = (typeof settings)[K];

/** A setting's value once read: optional settings with no default may be undefined. */
export type SettingValue<K extends SettingName> =
  Spec<K> extends { optional: true } ? z.output<Spec<K>['type']> | undefined : z.output<Spec<K>['type']>;

export type SettingValues<K extends SettingName> = { [P in K]: SettingValue<P> };

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export interface ReadOptions {
  /** Which defaults apply: the deployed ones, or the embedded runtime's (`localDefault` first). */
  defaults?: 'deployed' | 'local';
  /** Validate with `contextType` where a setting has one (the deployment's context). */
  context?: boolean;
  /** How a setting is named in messages (default: its environment variable name). */
  label?: (name: SettingName) => string;
}

/**
 * Reads the named settings through `lookup` (the raw text of a setting, or undefined), validates every one of
 * them, and throws one SettingsError naming every setting that is missing or invalid, and why.
 */
export const readSettings = <K extends SettingName>(
  names: readonly K[],
  lookup: (name: K) => string | undefined,
  options: ReadOptions = {},
): SettingValues<K> => {
  const label = options.label ?? ((name: SettingName) => name);
  const values = {} as Record<K, unknown>;
  const problems: string[] = [];
  for (const name of names) {
    const spec: SettingSpec = settings[name];
    const raw = lookup(name)?.trim();
    if (raw === undefined || raw === '') {
      const fallback =
        options.defaults === 'local' && 'localDefault' in spec ? spec.localDefault : spec.default;
      if (fallback !== undefined) values[name] = fallback;
      else if (!spec.optional) problems.push(`${label(name)} is missing: ${spec.description}`);
      continue;
    }
    const narrow = options.context === true && spec.contextType !== undefined;
    const parsed = (narrow ? spec.contextType! : spec.type).safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else
      problems.push(
        `${label(name)}="${raw}" must be ${narrow ? (spec.contextExpected ?? spec.expected) : spec.expected}`,
      );
  }
  if (problems.length > 0) throw new SettingsError(`Invalid settings: ${problems.join('; ')}`);
  return values as SettingValues<K>;
};

/** The settings in a scope. */
export const settingsIn = (scope: Scope): SettingName[] =>
  (Object.keys(settings) as SettingName[]).filter((name) =>
    (settings[name].scope as readonly Scope[]).includes(scope),
  );

/** Reads settings from environment variables named after them. */
export const settingsFromEnvironment = <K extends SettingName>(
  names: readonly K[],
  env: Record<string, string | undefined>,
  defaults: ReadOptions['defaults'] = 'deployed',
): SettingValues<K> => readSettings(names, (name) => env[name], { defaults });

/** Reads settings from CDK context values (their `context` keys), as `-c key=value` or cdk.json give them. */
export const settingsFromContext = <K extends SettingName>(
  names: readonly K[],
  context: (key: string) => unknown,
): SettingValues<K> =>
  readSettings(
    names,
    (name) => {
      const key = (settings[name] as SettingSpec).context;
      if (key === undefined) throw new SettingsError(`${name} has no CDK context key`);
      const value = context(key);
      return value === undefined || value === null ? undefined : String(value);
    },
    { context: true, label: (name) => `context ${(settings[name] as SettingSpec).context ?? name}` },
  );

/** The text form of a value, as an environment variable carries it. */
export const settingText = (value: unknown): string =>
  Array.isArray(value) ? value.join(',') : String(value);
