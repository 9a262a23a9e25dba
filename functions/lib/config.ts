/**
 * Configuration, read once at cold start and validated: a function with a missing or empty variable fails at
 * once with a message naming it, instead of failing on its first request.
 */
import { z } from 'zod';
import { type TableName, tableEnv } from '../../infra/topology.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const nonEmpty = z.string().trim().min(1);

/** Physical table names for the given logical tables, from the TABLE_* variables the topology sets. */
export const tableNamesFromEnv = <T extends TableName>(
  names: readonly T[],
  env: NodeJS.ProcessEnv = process.env,
): Record<T, string> => {
  const missing = names.filter((n) => !nonEmpty.safeParse(env[tableEnv(n)]).success).map(tableEnv);
  if (missing.length > 0) throw new ConfigError(`Missing configuration: ${missing.join(', ')}`);
  return Object.fromEntries(names.map((n) => [n, env[tableEnv(n)]!.trim()])) as Record<T, string>;
};
