/**
 * Configuration, read once at cold start and validated: a function with a missing or empty variable fails at
 * once with a message naming it, instead of failing on its first request.
 */
import { z } from 'zod';
import {
  deadLetterEnv,
  type QueueName,
  queueEnv,
  type SettingName,
  type TableName,
  tableEnv,
} from '#topology/topology.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const nonEmpty = z.string().trim().min(1);

const required = <K extends string>(
  keys: readonly K[],
  envName: (k: K) => string,
  env: NodeJS.ProcessEnv,
) => {
  const missing = keys.filter((k) => !nonEmpty.safeParse(env[envName(k)]).success).map(envName);
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

/** Settings (SETTINGS in the topology), all required. */
export const settingsFromEnv = <S extends SettingName>(
  names: readonly S[],
  env: NodeJS.ProcessEnv = process.env,
) => required(names, (s) => s, env);

const fraction = z.coerce.number().gt(0).max(1);
const positive = z.coerce.number().positive();
const concurrency = z.coerce.number().int().min(1).max(1000);

const optional = (value: string | undefined) => (value?.trim() ? value : undefined);

/**
 * The sender's settings: SEND_RATE_FRACTION (0-1], optional SEND_RATE_LIMIT (messages/s), SENDER_MAX_CONCURRENCY,
 * and optional SEND_CLAIM_LEASE_SECONDS (default 120; must stay below the send queue's visibility timeout).
 */
export const pacingFromEnv = (env: NodeJS.ProcessEnv = process.env) => {
  const parsed = z
    .object({
      SEND_RATE_FRACTION: fraction,
      SEND_RATE_LIMIT: positive.optional(),
      SENDER_MAX_CONCURRENCY: concurrency,
      SEND_CLAIM_LEASE_SECONDS: positive.optional(),
    })
    .safeParse({
      SEND_RATE_FRACTION: env.SEND_RATE_FRACTION,
      SEND_RATE_LIMIT: optional(env.SEND_RATE_LIMIT),
      SENDER_MAX_CONCURRENCY: env.SENDER_MAX_CONCURRENCY,
      SEND_CLAIM_LEASE_SECONDS: optional(env.SEND_CLAIM_LEASE_SECONDS),
    });
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid pacing configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return {
    fraction: parsed.data.SEND_RATE_FRACTION,
    limit: parsed.data.SEND_RATE_LIMIT,
    concurrency: parsed.data.SENDER_MAX_CONCURRENCY,
    leaseMs:
      parsed.data.SEND_CLAIM_LEASE_SECONDS === undefined
        ? undefined
        : parsed.data.SEND_CLAIM_LEASE_SECONDS * 1000,
  };
};

/** The sweeper's reconciliation window: IN_DOUBT_WINDOW_MINUTES, a positive number of minutes. */
export const inDoubtWindowFromEnv = (env: NodeJS.ProcessEnv = process.env): number => {
  const { IN_DOUBT_WINDOW_MINUTES } = settingsFromEnv(['IN_DOUBT_WINDOW_MINUTES'], env);
  const minutes = positive.safeParse(IN_DOUBT_WINDOW_MINUTES);
  if (!minutes.success) {
    throw new ConfigError(`Invalid IN_DOUBT_WINDOW_MINUTES: ${IN_DOUBT_WINDOW_MINUTES} (a positive number)`);
  }
  return minutes.data * 60_000;
};
