/**
 * Key builders for every item of the data model (docs/data-model.md). All keys are strings. Adapters build keys
 * only through these functions, so the document and the code cannot drift apart.
 */
import type { tables } from '#topology/topology.ts';
import { normalizeAddress } from '#domain/profiles.ts';
import { SHARDS, shardOf } from '#domain/shards.ts';

export { allShards, fnv1a, SHARDS, shardOf } from '#domain/shards.ts';

type IndexName<T extends keyof typeof tables> = (typeof tables)[T]['indexes'][number]['name'];

/** The index names of topology/topology.ts, by table (checked against it at compile time). */
export const INDEX = {
  deliveriesByState: 'byState' satisfies IndexName<'deliveries'>,
  deliveriesByParent: 'byParent' satisfies IndexName<'deliveries'>,
  profilesByEmail: 'byEmail' satisfies IndexName<'profiles'>,
  recipientsByProfile: 'byProfile' satisfies IndexName<'recipients'>,
  recipientsInDoubt: 'inDoubt' satisfies IndexName<'recipients'>,
} as const;

/** A shard as it appears in keys: two digits, `00`..`15`. */
export const shardLabel = (shard: number): string => {
  if (!Number.isInteger(shard) || shard < 0 || shard >= SHARDS)
    throw new RangeError(`shard ${shard} out of range`);
  return shard.toString().padStart(2, '0');
};

export type Key = {
  pk: string;
  sk: string;
};

// ---- table deliveries ----------------------------------------------------------------------------------------

export const deliveryPk = (deliveryId: string): string => `D#${deliveryId}`;
export const deliveryKey = (deliveryId: string): Key => ({ pk: deliveryPk(deliveryId), sk: 'DELIVERY' });

/** byState: top-level deliveries under `STATE#<state>`, executions under `PARENT#<parentId>#STATE#<state>`. */
export const stateIndexPk = (state: string, parentId?: string): string =>
  parentId ? `PARENT#${parentId}#STATE#${state}` : `STATE#${state}`;
/** byParent: `TOP` for top-level deliveries, `PARENT#<parentId>` for a recurring delivery's executions. */
export const parentIndexPk = (parentId?: string): string => (parentId ? `PARENT#${parentId}` : 'TOP');
/** Sort key of both delivery indexes: creation time then id (stable: it never changes after create). */
export const createdSk = (createdAt: string, id: string): string => `${createdAt}#${id}`;

export type KpiKind = 'REALTIME' | 'TRACKING';
export const kpiKey = (deliveryId: string, kind: KpiKind): Key => ({
  pk: deliveryPk(deliveryId),
  sk: `KPI#${kind}`,
});

/** One of the 16 counter shards of a delivery; the shard is the recipient's. */
export const counterKey = (deliveryId: string, shard: number): Key => ({
  pk: `D#${deliveryId}#C#${shardLabel(shard)}`,
  sk: 'COUNT',
});
/** The adjustment counter compute-stats writes its corrections to (summed with the 16 shards). */
export const counterAdjustmentKey = (deliveryId: string): Key => ({
  pk: `D#${deliveryId}#C#ADJ`,
  sk: 'COUNT',
});

export const prepareJobKey = (deliveryId: string): Key => ({ pk: deliveryPk(deliveryId), sk: 'JOB#prepare' });
export const startJobKey = (deliveryId: string, shard: number): Key => ({
  pk: deliveryPk(deliveryId),
  sk: `JOB#start#${shardLabel(shard)}`,
});
export const scheduleKey = (deliveryId: string): Key => ({ pk: deliveryPk(deliveryId), sk: 'SCHEDULE' });
/** The sweep registry: one partition listing the deliveries the sweeper watches (`SWEEP` / `D#<deliveryId>`). */
export const SWEEP_PK = 'SWEEP';
export const sweepKey = (deliveryId: string): Key => ({ pk: SWEEP_PK, sk: `D#${deliveryId}` });

// ---- table profiles ------------------------------------------------------------------------------------------

export const profileKey = (profileId: string): Key => ({ pk: `P#${profileId}`, sk: 'PROFILE' });
export const audienceKey = (audienceId: string): Key => ({ pk: `A#${audienceId}`, sk: 'AUDIENCE' });
/** The audience directory: one partition listing every audience newest first (`AUDIENCES` / `<createdAt>#<id>`). */
export const AUDIENCES_PK = 'AUDIENCES';
export const audienceDirectoryKey = (createdAt: string, audienceId: string): Key => ({
  pk: AUDIENCES_PK,
  sk: `${createdAt}#${audienceId}`,
});
export const memberPk = (audienceId: string, shard: number): string =>
  `A#${audienceId}#M#${shardLabel(shard)}`;
export const memberKey = (audienceId: string, profileId: string): Key => ({
  pk: memberPk(audienceId, shardOf(profileId)),
  sk: profileId,
});
/** Quarantine and denylist entry of an address (normalized: trimmed, lower case). */
export const quarantineKey = (address: string): Key => ({
  pk: `Q#${normalizeAddress(address)}`,
  sk: 'QUARANTINE',
});

// ---- table recipients ----------------------------------------------------------------------------------------

/** Logs belong to one preparation: the prepared version is part of the key, so re-preparing starts afresh. */
export interface LogKeyRef {
  deliveryId: string;
  version: number;
}

/** A log shard's partition: its target pages, their leases and its recipients' entries. */
export const sendingLogPk = (ref: LogKeyRef, shard: number): string =>
  `D#${ref.deliveryId}#v${ref.version}#${shardLabel(shard)}`;
/** A recipient's entry (created when its outcome is known; none while pending). */
export const sendingLogKey = (ref: LogKeyRef, recipientId: string): Key => ({
  pk: sendingLogPk(ref, shardOf(recipientId)),
  sk: `${ENTRY_PREFIX}${recipientId}`,
});
export const ENTRY_PREFIX = 'R#';
export const TARGETS_PREFIX = 'T#';
export const LEASE_PREFIX = 'L#';
/** A target page, keyed by its first recipient id (the pages of a shard never overlap). */
export const targetPageKey = (ref: LogKeyRef, shard: number, pageId: string): Key => ({
  pk: sendingLogPk(ref, shard),
  sk: `${TARGETS_PREFIX}${pageId}`,
});
/** The lease of a target page (same suffix as its page). */
export const leaseKey = (ref: LogKeyRef, shard: number, pageId: string): Key => ({
  pk: sendingLogPk(ref, shard),
  sk: `${LEASE_PREFIX}${pageId}`,
});
/** byProfile sort key, set with the message id: newest first with ScanIndexForward false. */
export const historySk = (sentAt: string, deliveryId: string): string => `${sentAt}#${deliveryId}`;
/** inDoubt partition key: one per prepared log (in-doubt recipients are few), set only while in doubt. */
export const doubtPk = (ref: LogKeyRef): string => `D#${ref.deliveryId}#v${ref.version}`;

export const exclusionLogPk = (ref: LogKeyRef, shard: number): string =>
  `X#${ref.deliveryId}#v${ref.version}#${shardLabel(shard)}`;
export const EXCLUSIONS_PREFIX = 'P#';
/** An exclusion page, keyed by its first profile id. */
export const exclusionPageKey = (ref: LogKeyRef, shard: number, pageId: string): Key => ({
  pk: exclusionLogPk(ref, shard),
  sk: `${EXCLUSIONS_PREFIX}${pageId}`,
});

// ---- table events --------------------------------------------------------------------------------------------

/** Tracking log (opens, clicks) of a delivery, sharded like its recipients. */
export const trackingPk = (deliveryId: string, shard: number): string =>
  `T#${deliveryId}#${shardLabel(shard)}`;
export const trackingKey = (
  deliveryId: string,
  recipientId: string,
  isoTime: string,
  eventKey: string,
): Key => ({
  pk: trackingPk(deliveryId, shardOf(recipientId)),
  sk: `${isoTime}#${eventKey}`,
});
/** Outcome marker (`messageId#eventType#recipient`): the effect it guards was applied. */
export const outcomeKey = (sesMessageId: string, eventType: string, recipient: string): Key => ({
  pk: `OUT#${sesMessageId}`,
  sk: `${eventType}#${normalizeAddress(recipient)}`,
});

/** Attributes that belong to the key design, never to the entity: stripped when reading. */
export const KEY_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'historySk',
  'doubtPk',
  'entity',
] as const;

export const stripKeys = <T>(item: Record<string, unknown>): T => {
  const entity: Record<string, unknown> = { ...item };
  for (const name of KEY_ATTRIBUTES) delete entity[name];
  return entity as T;
};
