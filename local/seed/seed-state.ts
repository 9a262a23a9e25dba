/**
 * Whether the demo data is still to be seeded: `<dataDir>/seed.json` is marked `pending` before anything else is
 * written to a fresh data folder, and `done` once seeded, so a first start cut short (no Java, a crash) still seeds
 * next time.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedResult } from './demo-data.ts';

export const SEED_FILE = 'seed.json';

/** True when the folder is missing or holds nothing (hidden files included). */
export const isEmptyDir = (dir: string): boolean => !existsSync(dir) || readdirSync(dir).length === 0;

export interface SeedState {
  status: 'pending' | 'done';
  at: string;
  result?: SeedResult;
}

export const readSeedState = (dataDir: string): SeedState | null => {
  const file = join(dataDir, SEED_FILE);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SeedState;
  } catch {
    return { status: 'pending', at: new Date().toISOString() };
  }
};

export const writeSeedState = (dataDir: string, state: SeedState): void => {
  const file = join(dataDir, SEED_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { flush: true });
  renameSync(`${file}.tmp`, file);
};
