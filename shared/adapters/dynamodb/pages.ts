/**
 * The packed items of the `recipients` table (docs/data-model.md): target pages and exclusion pages (up to 100
 * recipients of one shard, in id order, under 8 KB: one eventually consistent read unit, about 6 write units for
 * 100 recipients), and the stored form of a recipient's entry. Shared by the ledger and the recipient-log adapters.
 */
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ExclusionCause } from '#domain/delivery.ts';
import type { ExclusionLogEntry, LedgerEntry, LogRef, Target, TargetPage } from '#ports/index.ts';
import {
  doubtPk,
  ENTRY_PREFIX,
  exclusionPageKey,
  historySk,
  sendingLogKey,
  sendingLogPk,
  shardOf,
  stripKeys,
  TARGETS_PREFIX,
  targetPageKey,
} from './keys.ts';

/** Recipients per page: a send job is a page's pending recipients (a send job holds up to 100 ids). */
export const PAGE_RECIPIENTS = 100;
/** Bytes of a page's packed list, under two read units (8 KB) with the keys. */
export const PAGE_BYTES = 7_500;

const byteLength = (value: string | null | undefined) =>
  value === null || value === undefined ? 1 : 1 + Buffer.byteLength(value, 'utf8');

/** A target as stored: `[recipientId, email, firstName, lastName, profileId]`, trailing nulls dropped. */
export type PackedTarget = Array<string | null>;

const packTarget = (t: Target): PackedTarget => {
  const packed: PackedTarget = [
    t.recipientId,
    t.email,
    t.firstName ?? null,
    t.lastName ?? null,
    t.profileId === t.recipientId ? null : t.profileId,
  ];
  while (packed.length > 2 && packed[packed.length - 1] === null) packed.pop();
  return packed;
};

const unpackTarget = (packed: PackedTarget): Target => {
  const [recipientId, email, firstName, lastName, profileId] = packed as [
    string,
    string,
    string | null | undefined,
    string | null | undefined,
    string | null | undefined,
  ];
  return {
    recipientId,
    profileId: profileId ?? recipientId,
    email,
    ...(firstName ? { firstName } : {}),
    ...(lastName ? { lastName } : {}),
  };
};

/** DynamoDB's size of a list of strings (3 bytes, 1 per element, the values). */
const packedSize = (packed: PackedTarget | Array<string | null>): number =>
  3 + packed.reduce((n, v) => n + byteLength(v), 0);

/**
 * Splits items already in id order into runs of at most `PAGE_RECIPIENTS` and `PAGE_BYTES`: deterministic, so the
 * same items always give the same pages.
 */
const chunk = <T>(items: readonly T[], size: (item: T) => number): T[][] => {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const s = size(item) + 1;
    if (current.length > 0 && (current.length >= PAGE_RECIPIENTS || bytes + s > PAGE_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += s;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
};

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The stored target pages of one preparation call: grouped by shard, each shard's targets in id order. */
export const targetPageItems = (
  ref: LogRef,
  targets: readonly Target[],
  at: string,
): Array<Record<string, unknown>> => {
  const byShard = new Map<number, Map<string, Target>>();
  for (const t of targets) {
    const shard = shardOf(t.recipientId);
    const m = byShard.get(shard) ?? new Map<string, Target>();
    m.set(t.recipientId, t); // a recipient written twice is one recipient, its last target
    byShard.set(shard, m);
  }
  return [...byShard].flatMap(([shard, m]) => {
    const sorted = [...m.values()].sort((a, b) => byId(a.recipientId, b.recipientId));
    return chunk(sorted.map(packTarget), packedSize).map((packed) => ({
      ...targetPageKey(ref, shard, packed[0]![0]!),
      at,
      targets: packed,
    }));
  });
};

/** A stored target page (`T#<first id>`) as the port's TargetPage. */
export const toTargetPage = (item: Record<string, unknown>, shard: number): TargetPage => ({
  id: String(item.sk).slice(TARGETS_PREFIX.length),
  shard,
  targets: (item.targets as PackedTarget[]).map(unpackTarget),
  preparedAt: String(item.at),
});

/** The exclusion log as packed pages: `[profileId, email, cause, reason?, at?]`, reason and time when they differ. */
export const exclusionPageItems = (entries: readonly ExclusionLogEntry[]): Array<Record<string, unknown>> => {
  const groups = new Map<string, { ref: LogRef; shard: number; entries: Map<string, ExclusionLogEntry> }>();
  for (const e of entries) {
    const shard = shardOf(e.profileId);
    const key = `${e.deliveryId}#${e.version}#${shard}`;
    const group = groups.get(key) ?? {
      ref: { deliveryId: e.deliveryId, version: e.version },
      shard,
      entries: new Map<string, ExclusionLogEntry>(),
    };
    group.entries.set(e.profileId, e);
    groups.set(key, group);
  }
  return [...groups.values()].flatMap(({ ref, shard, entries: m }) => {
    const sorted = [...m.values()].sort((a, b) => byId(a.profileId, b.profileId));
    return chunk(sorted, (e) => packedSize([e.profileId, e.email, e.cause]) + 8).map((page) => {
      const at = page[0]!.at;
      const reasons: Partial<Record<ExclusionCause, string>> = {};
      for (const e of page) reasons[e.cause] ??= e.reason;
      return {
        ...exclusionPageKey(ref, shard, page[0]!.profileId),
        at,
        reasons,
        excluded: page.map((e) => {
          const packed: Array<string | null> = [
            e.profileId,
            e.email,
            e.cause,
            e.reason === reasons[e.cause] ? null : e.reason,
            e.at === at ? null : e.at,
          ];
          while (packed.length > 3 && packed[packed.length - 1] === null) packed.pop();
          return packed;
        }),
      };
    });
  });
};

/** The exclusion-log entries of a stored exclusion page, in profile id order. */
export const toExclusions = (ref: LogRef, item: Record<string, unknown>): ExclusionLogEntry[] => {
  const reasons = (item.reasons ?? {}) as Partial<Record<ExclusionCause, string>>;
  return (item.excluded as Array<Array<string | null>>).map(([profileId, email, cause, reason, at]) => ({
    ...ref,
    profileId: profileId!,
    email: email ?? null,
    status: 'ignored',
    cause: cause as ExclusionCause,
    reason: reason ?? reasons[cause as ExclusionCause] ?? '',
    at: at ?? String(item.at),
  }));
};

// ---- entries ---------------------------------------------------------------------------------------------------

/** Stored for the ledger's own conditions, never part of an entry. */
const INTERNAL_ATTRIBUTES = ['sentBy', 'reconciledAt', 'resentAt', 'resentBy', 'sendSeenAt'] as const;

const ENTRY_FIELDS = [
  'deliveryId',
  'version',
  'recipientId',
  'profileId',
  'email',
  'status',
  'failureType',
  'failureReason',
  'sesMessageId',
  'sentAt',
  'deliveredAt',
  'updatedAt',
  'opens',
  'clicks',
  'firstOpenAt',
  'firstClickAt',
] as const satisfies ReadonlyArray<keyof LedgerEntry>;

/** A stored entry as the sending log shows it (DESIGN section 6): keys and internals stay inside. */
export const toEntry = (item: Record<string, unknown>): LedgerEntry => {
  const stripped = stripKeys<Record<string, unknown>>(item);
  for (const name of INTERNAL_ATTRIBUTES) delete stripped[name];
  return Object.fromEntries(
    ENTRY_FIELDS.filter((n) => stripped[n] !== undefined && stripped[n] !== null).map((n) => [
      n,
      stripped[n],
    ]),
  ) as unknown as LedgerEntry;
};

/** The stored item of an entry, with its index keys (byProfile and bySesMessageId with a message id; inDoubt). */
export const entryItem = (
  entry: LedgerEntry,
  internals: { sentBy?: string; reconciledAt?: string } = {},
): Record<string, unknown> => {
  const item: Record<string, unknown> = {
    ...sendingLogKey(entry, entry.recipientId),
    entity: 'recipient',
    ...Object.fromEntries(ENTRY_FIELDS.filter((n) => entry[n] !== undefined).map((n) => [n, entry[n]])),
    ...internals,
  };
  if (entry.sesMessageId && entry.sentAt) item.historySk = historySk(entry.sentAt, entry.deliveryId);
  if (entry.status === 'in-doubt') item.doubtPk = doubtPk(entry);
  return item;
};

/** A pending recipient as the sending log shows it: from its page. */
export const pendingEntry = (ref: LogRef, target: Target, preparedAt: string): LedgerEntry => ({
  deliveryId: ref.deliveryId,
  version: ref.version,
  recipientId: target.recipientId,
  profileId: target.profileId,
  email: target.email,
  status: 'pending',
  updatedAt: preparedAt,
});

// ---- queries ---------------------------------------------------------------------------------------------------

/** Every item of one Query (all its pages). */
export const queryAll = async (
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Array<Record<string, unknown>>> => {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
};

/** The page of one shard holding `recipientId` (the greatest page key not above it), or null. */
export const pageAtOrBefore = async (
  client: DynamoDBDocumentClient,
  table: string,
  ref: LogRef,
  shard: number,
  recipientId: string,
  consistent = false,
): Promise<TargetPage | null> => {
  const out = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': sendingLogPk(ref, shard),
        ':from': TARGETS_PREFIX,
        ':to': `${TARGETS_PREFIX}${recipientId}`,
      },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: consistent,
    }),
  );
  const item = out.Items?.[0];
  return item ? toTargetPage(item, shard) : null;
};

/** The entries of a page's recipients (its id range), by recipient id. */
export const entriesOfPage = async (
  client: DynamoDBDocumentClient,
  table: string,
  ref: LogRef,
  page: TargetPage,
  consistent: boolean,
): Promise<Map<string, LedgerEntry>> => {
  const last = page.targets[page.targets.length - 1]?.recipientId ?? page.id;
  const ids = new Set(page.targets.map((t) => t.recipientId));
  const items = await queryAll(client, {
    TableName: table,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': sendingLogPk(ref, page.shard),
      ':from': `${ENTRY_PREFIX}${page.id}`,
      ':to': `${ENTRY_PREFIX}${last}`,
    },
    ConsistentRead: consistent,
  });
  const entries = new Map<string, LedgerEntry>();
  for (const item of items) {
    const entry = toEntry(item);
    if (ids.has(entry.recipientId)) entries.set(entry.recipientId, entry);
  }
  return entries;
};
