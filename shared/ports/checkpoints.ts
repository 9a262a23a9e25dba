import type { ExclusionCause } from '#domain/delivery.ts';
import type { LogRef } from './logs.ts';

/**
 * Where the starter is in each shard of one run (a start, a resume or a cancel), so a retry or a timeout resumes
 * instead of enqueuing twice. A position of another run reads as the start of the shard.
 */
export interface StartCheckpoints {
  get(ref: LogRef, run: string, shard: number): Promise<{ after: string | null; done: boolean }>;
  put(
    ref: LogRef,
    run: string,
    shard: number,
    position: { after: string | null; done: boolean },
  ): Promise<void>;
}

/** Where a preparation is: member shards are read in order, each from a cursor; counts so far. */
export interface PreparationState {
  memberShard: number;
  cursor: string | null;
  targeted: number;
  toDeliver: number;
  exclusions: Partial<Record<ExclusionCause, number>>;
}

export interface PreparationCheckpoints {
  get(ref: LogRef): Promise<PreparationState | null>;
  put(ref: LogRef, state: PreparationState): Promise<void>;
}
