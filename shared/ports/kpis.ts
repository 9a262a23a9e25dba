import type { LogTally } from '#domain/kpis.ts';
import type { RecipientStatus } from '#domain/kpis.ts';
import type { CounterName } from './counters.ts';

/** What a recount reads of one sending-log entry (a recipient without an entry is pending and counts nothing). */
export interface EntryFacts {
  recipientId: string;
  status: RecipientStatus;
  hasMessageId: boolean;
  opens: number;
  clicks: number;
  /** When it was last written, by its writer's clock: a repair waits until the log's last write has settled. */
  updatedAt: string;
}

/** Where a recount stopped in one log shard: after the recipient `after`, with what it counted so far. */
export interface ShardPosition {
  after: string | null;
  done: boolean;
  tally: LogTally;
  /** The latest `updatedAt` read so far in the shard, in ms since the epoch (0: none read). */
  lastChangeMs: number;
}

/**
 * A recount of a delivery's log too large for one run (compute stats): where each shard stands, when the recount
 * started (the snapshots' computedAt) and the counters read then (the repair compares them with the counters read
 * at its end). Kept per prepared version: a checkpoint of another version reads as none.
 */
export interface RecountCheckpoint {
  version: number;
  startedAt: string;
  countersBefore: Record<CounterName, number> | null;
  shards: ShardPosition[];
}

export interface RecountCheckpoints {
  get(deliveryId: string, version: number): Promise<RecountCheckpoint | null>;
  put(deliveryId: string, checkpoint: RecountCheckpoint): Promise<void>;
  remove(deliveryId: string): Promise<void>;
}

/**
 * The "active since" registry of the hourly stats aggregation: ingestion marks each delivery an SES event touched,
 * in the bucket of the hour it did (`hour` = `YYYY-MM-DDTHH`), so the aggregation reads the deliveries active since
 * its last run instead of scanning every log. `through` is the last hour whose bucket a run fully processed.
 */
export interface ActivityRegistry {
  /** Idempotent: marking a delivery twice in an hour is one mark. */
  mark(deliveryIds: readonly string[], at: Date): Promise<void>;
  /** The deliveries marked in one hour's bucket. */
  active(hour: string): Promise<string[]>;
  /** The last hour a run fully processed, or null before the first. */
  through(): Promise<string | null>;
  /** Moves `through` forward to `hour` (never back: a slower overlapping run cannot undo a faster one). */
  advance(hour: string): Promise<void>;
}
