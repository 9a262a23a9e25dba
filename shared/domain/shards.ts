/**
 * Shards: the sending and exclusion logs, the tracking log, the counters and audience members are split into
 * SHARDS partitions by a stable hash of the recipient (profile) id, so no partition takes more than a fraction
 * of the send rate (docs/data-model.md). Pure code.
 */

/** Shards per sharded partition. */
export const SHARDS = 16;

const encoder = new TextEncoder();

/** 32-bit FNV-1a of the UTF-8 bytes: stable across processes, runtimes and releases. */
export const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
};

/** The shard (0..shards-1) of an id: a stable hash of the id modulo the shard count. */
export const shardOf = (id: string, shards: number = SHARDS): number => fnv1a(id) % shards;

export const allShards = (): number[] => Array.from({ length: SHARDS }, (_, i) => i);
