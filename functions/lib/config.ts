/**
 * Configuration, read once at cold start and validated: a function with a missing or invalid variable fails at
 * once with a message naming it, instead of failing on its first request. Settings are declared (type, default,
 * optional) in topology/settings.ts, the one schema the CDK app and the local runtime read too; resource names
 * (tables, queues) come from the variables the topology derives from them.
 */
import {
  counterSettleSeconds,
  deadLetterEnv,
  type QueueName,
  queueEnv,
  type TableName,
  tableEnv,
} from '#topology/topology.ts';
import {
  type SettingName,
  SettingsError,
  type SettingValues,
  settingsFromEnvironment,
} from '#topology/settings.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const required = <K extends string>(
  keys: readonly K[],
  envName: (k: K) => string,
  env: NodeJS.ProcessEnv,
) => {
  const missing = keys.filter((k) => !env[envName(k)]?.trim()).map(envName);
  if (missing.length > 0) throw new ConfigError(`Missing configuration: ${missing.join(', ')}`);
  return Object.fromEntries(keys.map((k) => [k, env[envName(k)]!.trim()])) as Record<K, string>;
};

/** Physical table names for the given logical tables, from the TABLE_* variables the topology sets. */
export const tableNamesFromEnv = <T extends TableName>(
  names: readonly T[],
  env: NodeJS.ProcessEnv = process.env,
) => required(names, tableEnv, env);

/** Queue URLs, from the QUEUE_URL_* variables. */
export const queueUrlsFromEnv = <Q extends QueueName>(
  names: readonly Q[],
  env: NodeJS.ProcessEnv = process.env,
) => required(names, queueEnv, env);

/** URLs of the dead-letter queues a function refuses records to, from the DLQ_URL_* variables. */
export const deadLetterUrlsFromEnv = <Q extends QueueName>(
  names: readonly Q[],
  env: NodeJS.ProcessEnv = process.env,
) => required(names, deadLetterEnv, env);

/**
 * Settings (topology/settings.ts), typed and validated, defaults applied. A missing required setting is named as
 * `Missing configuration: NAME`; an invalid one as `Invalid configuration: NAME=... is invalid: why`.
 */
export const settingsFromEnv = <S extends SettingName>(
  names: readonly S[],
  env: NodeJS.ProcessEnv = process.env,
  what = 'configuration',
): SettingValues<S> => {
  try {
    return settingsFromEnvironment(names, env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    const missing = names.filter((name) => error.message.includes(`${name} is missing`));
    if (what === 'configuration' && missing.length > 0)
      throw new ConfigError(`Missing configuration: ${missing.join(', ')}`);
    throw new ConfigError(`Invalid ${what}: ${error.message.replace(/^Invalid settings: /, '')}`);
  }
};

/**
 * The sender's settings: SEND_RATE_FRACTION, optional SEND_RATE_LIMIT (messages/s), SENDER_MAX_CONCURRENCY, and
 * optional SEND_CLAIM_LEASE_SECONDS.
 */
export const pacingFromEnv = (env: NodeJS.ProcessEnv = process.env) => {
  const s = settingsFromEnv(
    ['SEND_RATE_FRACTION', 'SEND_RATE_LIMIT', 'SENDER_MAX_CONCURRENCY', 'SEND_CLAIM_LEASE_SECONDS'],
    env,
    'pacing configuration',
  );
  return {
    fraction: s.SEND_RATE_FRACTION,
    limit: s.SEND_RATE_LIMIT,
    concurrency: s.SENDER_MAX_CONCURRENCY,
    leaseMs: s.SEND_CLAIM_LEASE_SECONDS === undefined ? undefined : s.SEND_CLAIM_LEASE_SECONDS * 1000,
  };
};

/** The sweeper's reconciliation window in milliseconds (IN_DOUBT_WINDOW_MINUTES). */
export const inDoubtWindowFromEnv = (env: NodeJS.ProcessEnv = process.env): number =>
  settingsFromEnv(['IN_DOUBT_WINDOW_MINUTES'], env).IN_DOUBT_WINDOW_MINUTES * 60_000;

/**
 * How long after a sending-log write a counter repair waits (COUNTER_SETTLE_SECONDS, shortened by the embedded
 * runtime's tests; unset: topology/topology.ts `counterSettleSeconds`), in milliseconds.
 */
export const counterSettleMsFromEnv = (env: NodeJS.ProcessEnv = process.env): number =>
  (settingsFromEnv(['COUNTER_SETTLE_SECONDS'], env).COUNTER_SETTLE_SECONDS ?? counterSettleSeconds) * 1000;

/** The reputation guard's thresholds (GUARD_BOUNCE_RATE, GUARD_COMPLAINT_RATE, GUARD_MIN_PROCESSED). */
export const guardThresholdsFromEnv = (env: NodeJS.ProcessEnv = process.env) => {
  const s = settingsFromEnv(['GUARD_BOUNCE_RATE', 'GUARD_COMPLAINT_RATE', 'GUARD_MIN_PROCESSED'], env);
  return {
    bounceRate: s.GUARD_BOUNCE_RATE,
    complaintRate: s.GUARD_COMPLAINT_RATE,
    minProcessed: s.GUARD_MIN_PROCESSED,
  };
};

/**
 * Where the unsubscribe links point and what signs them (UNSUBSCRIBE_KEY_SECRET, UNSUBSCRIBE_BASE_URL, optional
 * UNSUBSCRIBE_MAILTO): a function that signs links cannot run without a base URL, so its absence fails at once.
 */
export const unsubscribeLinksFromEnv = (env: NodeJS.ProcessEnv = process.env) => {
  const s = settingsFromEnv(['UNSUBSCRIBE_KEY_SECRET', 'UNSUBSCRIBE_BASE_URL', 'UNSUBSCRIBE_MAILTO'], env);
  if (!s.UNSUBSCRIBE_BASE_URL) throw new ConfigError('Missing configuration: UNSUBSCRIBE_BASE_URL');
  return {
    secretId: s.UNSUBSCRIBE_KEY_SECRET,
    baseUrl: s.UNSUBSCRIBE_BASE_URL,
    mailto: s.UNSUBSCRIBE_MAILTO,
  };
};
