/**
 * RecipientLedger on the `recipients` table (docs/data-model.md): in each log shard `D#<deliveryId>#v<version>#<nn>`,
 * the target pages preparation wrote (`T#<first id>`), their leases (`L#<first id>`) and the recipients' entries
 * (`R#<recipientId>`). A recipient has no entry while pending; its entry is created once, with a conditional
 * PutItem, when its outcome is known:
 *
 * pending ──markSent──▶ sent ──(SES events: applyEvent)──▶ delivered / failed
 *    ├──markFailed──▶ failed
 *    ├──markInDoubt──▶ in-doubt ──expireInDoubt──▶ failed ──(an SES event names it: applyEvent)──▶ sent / …
 *    │                    ├──armResend──▶ in-doubt, resent once ──markResent──▶ sent (else expireInDoubt)
 *    │                    └──(an SES event names it: applyEvent)──▶ sent / delivered / failed
 *    ├──cancel──▶ canceled
 *    └──(an SES event names it first: applyEvent)──▶ sent / delivered / failed
 *
 * A sender calls SES only for the recipients of its lease's window, written before the calls; a recipient of an
 * expired window with no entry is in doubt (never sent again).
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { FailureType } from '#domain/kpis.ts';
import type {
  EntryChange,
  EntryFacts,
  LeaseResult,
  LedgerEntry,
  LogRef,
  PageLease,
  RecipientLedger,
  Target,
  TargetPage,
} from '#ports/index.ts';
import { batchGetAll } from './batch.ts';
import { isConditionalCheckFailed } from './client.ts';
import {
  doubtPk,
  ENTRY_PREFIX,
  historySk,
  INDEX,
  LEASE_PREFIX,
  leaseKey,
  sendingLogKey,
  sendingLogPk,
  shardOf,
  TARGETS_PREFIX,
} from './keys.ts';
import {
  entriesOfPage,
  entryItem,
  pageAtOrBefore,
  pendingEntry,
  queryAll,
  toEntry,
  toTargetPage,
} from './pages.ts';
import { queryPage } from './paging.ts';

export interface LedgerTableOptions {
  client: DynamoDBDocumentClient;
  /** The `recipients` table. */
  tableName: string;
}

/** The stored item a ConditionalCheckFailedException carries (marshalled: the DocumentClient leaves it raw). */
const oldItem = (error: { Item?: Record<string, unknown> }): Record<string, unknown> | null =>
  error.Item ? unmarshall(error.Item as Parameters<typeof unmarshall>[0]) : null;

const toLease = (item: Record<string, unknown>): PageLease => ({
  owner: String(item.owner),
  at: String(item.at),
  leaseUntil: String(item.leaseUntil),
  window: ((item.window as string[] | undefined) ?? []).map(String),
});

export class DynamoRecipientLedger implements RecipientLedger {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: LedgerTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async pages(
    ref: LogRef,
    shard: number,
    after: string | null,
    limit: number,
  ): Promise<{ pages: TargetPage[]; last: string | null }> {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit ${limit} must be a positive integer`);
    const pk = sendingLogPk(ref, shard);
    const { items, nextKey } = await queryPage(
      this.#client,
      {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': TARGETS_PREFIX },
      },
      ['pk', 'sk'],
      limit,
      after === null ? undefined : { pk, sk: `${TARGETS_PREFIX}${after}` },
    );
    const pages = items.map((item) => toTargetPage(item, shard));
    return { pages, last: nextKey ? (pages.at(-1)?.id ?? null) : null };
  }

  /**
   * One Query of the shard's entries (`begins_with(sk, 'R#')`), projecting the status, the message id, opens,
   * clicks and when it was last written: a recount reads each entry once, never the pages or leases. Strongly
   * consistent: the repair that follows a recount trusts it over the counters, so it must see every entry written
   * before it started.
   */
  async scanEntries(
    ref: LogRef,
    shard: number,
    after: string | null,
    limit: number,
  ): Promise<{ entries: EntryFacts[]; last: string | null }> {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit ${limit} must be a positive integer`);
    const pk = sendingLogPk(ref, shard);
    const out = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': ENTRY_PREFIX },
        ProjectionExpression: 'sk, #status, sesMessageId, opens, clicks, updatedAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ConsistentRead: true,
        Limit: limit,
        ...(after === null ? {} : { ExclusiveStartKey: { pk, sk: `${ENTRY_PREFIX}${after}` } }),
      }),
    );
    const entries = (out.Items ?? []).map((item): EntryFacts => ({
      recipientId: String(item.sk).slice(ENTRY_PREFIX.length),
      status: item.status as EntryFacts['status'],
      hasMessageId: typeof item.sesMessageId === 'string' && item.sesMessageId !== '',
      opens: typeof item.opens === 'number' ? item.opens : 0,
      clicks: typeof item.clicks === 'number' ? item.clicks : 0,
      updatedAt: String(item.updatedAt),
    }));
    return { entries, last: out.LastEvaluatedKey ? (entries.at(-1)?.recipientId ?? null) : null };
  }

  async pagesOf(ref: LogRef, recipientIds: readonly string[]): Promise<TargetPage[]> {
    const byShard = new Map<number, string[]>();
    for (const id of new Set(recipientIds)) {
      const shard = shardOf(id);
      byShard.set(shard, [...(byShard.get(shard) ?? []), id]);
    }
    const found: TargetPage[] = [];
    for (const [shard, ids] of byShard) {
      // The greatest id left names a page (the one at or before it); the ids that page holds are done, the ids
      // between its first id and that id that it does not hold are no target; the ids below its first id remain.
      let remaining = [...ids].sort();
      while (remaining.length > 0) {
        const page = await pageAtOrBefore(this.#client, this.#table, ref, shard, remaining.at(-1)!);
        if (!page) break;
        found.push(page);
        remaining = remaining.filter((id) => id < page.id);
      }
    }
    return found;
  }

  entriesOf(ref: LogRef, page: TargetPage): Promise<Map<string, LedgerEntry>> {
    return entriesOfPage(this.#client, this.#table, ref, page, true);
  }

  async get(
    ref: LogRef,
    recipientId: string,
    options: { consistent?: boolean } = {},
  ): Promise<LedgerEntry | null> {
    const out = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: sendingLogKey(ref, recipientId),
        ConsistentRead: options.consistent ?? true,
      }),
    );
    if (out.Item) return toEntry(out.Item);
    const page = await pageAtOrBefore(this.#client, this.#table, ref, shardOf(recipientId), recipientId);
    const target = page?.targets.find((t) => t.recipientId === recipientId);
    return page && target ? pendingEntry(ref, target, page.preparedAt) : null;
  }

  async getMany(
    keys: ReadonlyArray<{ ref: LogRef; recipientId: string }>,
    options: { consistent?: boolean } = {},
  ): Promise<Array<LedgerEntry | null>> {
    const id = (k: { ref: LogRef; recipientId: string }) => {
      const key = sendingLogKey(k.ref, k.recipientId);
      return `${key.pk}\n${key.sk}`;
    };
    const distinct = new Map(keys.map((k) => [id(k), k]));
    const items = await batchGetAll(
      this.#client,
      this.#table,
      [...distinct.values()].map((k) => sendingLogKey(k.ref, k.recipientId)),
      { consistentRead: options.consistent ?? false },
    );
    const found = new Map<string, LedgerEntry | null>(
      items.map((item) => [`${String(item.pk)}\n${String(item.sk)}`, toEntry(item)]),
    );
    // Those without an entry: pending (from their page) or not targets.
    for (const [key, k] of distinct) {
      if (found.has(key)) continue;
      const page = await pageAtOrBefore(
        this.#client,
        this.#table,
        k.ref,
        shardOf(k.recipientId),
        k.recipientId,
      );
      const target = page?.targets.find((t) => t.recipientId === k.recipientId);
      found.set(key, page && target ? pendingEntry(k.ref, target, page.preparedAt) : null);
    }
    return keys.map((k) => found.get(id(k)) ?? null);
  }

  async acquire(
    ref: LogRef,
    page: TargetPage,
    lease: { owner: string; at: string; leaseUntil: string },
    window: readonly string[],
    now: Date,
  ): Promise<LeaseResult> {
    const key = leaseKey(ref, page.shard, page.id);
    const out = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true }),
    );
    const old = out.Item ? toLease(out.Item) : null;
    // Every write of a lease counts in `rev`: the take-over below holds only if nothing was written since this read
    // (a holder whose time ran out may still be alive and slide its window to recipients it is about to call).
    const rev = typeof out.Item?.rev === 'number' ? out.Item.rev : null;
    if (old && old.owner !== lease.owner && Date.parse(old.leaseUntil) > now.getTime()) {
      return { acquired: false, lease: old };
    }
    // The old window's recipients without an entry may have been accepted by SES: suspects, never sent.
    let suspects: string[] = [];
    if (old && old.window.length > 0) {
      const entries = await this.entriesOf(ref, page);
      suspects = old.window.filter((id) => !entries.has(id));
    }
    const next: PageLease = {
      ...lease,
      window: [...new Set([...suspects, ...window])],
    };
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...key, ...next, rev: (rev ?? 0) + 1 },
          ...(old
            ? {
                ConditionExpression: `#owner = :owner AND #at = :at AND ${rev === null ? 'attribute_not_exists(#rev)' : '#rev = :rev'}`,
                ExpressionAttributeNames: { '#owner': 'owner', '#at': 'at', '#rev': 'rev' },
                ExpressionAttributeValues: {
                  ':owner': old.owner,
                  ':at': old.at,
                  ...(rev === null ? {} : { ':rev': rev }),
                },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Taken meanwhile by another sender.
      const item = oldItem(error);
      return { acquired: false, lease: item ? toLease(item) : next };
    }
    return { acquired: true, lease: next, suspects };
  }

  async extend(
    ref: LogRef,
    page: TargetPage,
    lease: PageLease,
    window: readonly string[],
    leaseUntil: string,
  ): Promise<boolean> {
    return this.#updateLease(ref, page, lease, [...window], leaseUntil);
  }

  async release(ref: LogRef, page: TargetPage, lease: PageLease, now: Date): Promise<void> {
    // Only the lease as known: every write of its holder sets a new leaseUntil, so a holder that wrote since (a
    // late one, whose lease the sweeper read as expired) keeps its window, and no one takes its recipients unsuspected.
    await this.#updateLease(ref, page, lease, [], now.toISOString(), lease.leaseUntil);
  }

  async #updateLease(
    ref: LogRef,
    page: TargetPage,
    lease: PageLease,
    window: string[],
    leaseUntil: string,
    knownUntil?: string,
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: leaseKey(ref, page.shard, page.id),
          UpdateExpression: 'SET #window = :window, leaseUntil = :leaseUntil ADD #rev :one',
          ConditionExpression: `#owner = :owner AND #at = :at${knownUntil === undefined ? '' : ' AND leaseUntil = :knownUntil'}`,
          ExpressionAttributeNames: { '#window': 'window', '#owner': 'owner', '#at': 'at', '#rev': 'rev' },
          ExpressionAttributeValues: {
            ':window': window,
            ':leaseUntil': leaseUntil,
            ':owner': lease.owner,
            ':at': lease.at,
            ':one': 1,
            ...(knownUntil === undefined ? {} : { ':knownUntil': knownUntil }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async leases(ref: LogRef, shard: number): Promise<Map<string, PageLease>> {
    const items = await queryAll(this.#client, {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': sendingLogPk(ref, shard), ':prefix': LEASE_PREFIX },
      ConsistentRead: true,
    });
    return new Map(items.map((item) => [String(item.sk).slice(LEASE_PREFIX.length), toLease(item)]));
  }

  async markSent(
    ref: LogRef,
    target: Target,
    sent: { sesMessageId: string; at: string; by: string },
  ): Promise<boolean> {
    const entry: LedgerEntry = {
      ...pendingEntry(ref, target, sent.at),
      status: 'sent',
      sesMessageId: sent.sesMessageId,
      sentAt: sent.at,
    };
    const won = await this.#create(entry, { sentBy: sent.by });
    if (won === true) return true;
    // A retry of this very write whose first answer was lost (the SDK retries): the message id is ours alone.
    // Unless an SES event recorded the send first (reconciledAt): ingestion counted that send, not us.
    return (
      won?.sesMessageId === sent.sesMessageId && won.sentBy === sent.by && won.reconciledAt === undefined
    );
  }

  async markFailed(
    ref: LogRef,
    target: Target,
    failure: { failureType: FailureType; failureReason: string; at: string },
  ): Promise<boolean> {
    return (
      (await this.#create({
        ...pendingEntry(ref, target, failure.at),
        status: 'failed',
        failureType: failure.failureType,
        failureReason: failure.failureReason,
      })) === true
    );
  }

  async markInDoubt(ref: LogRef, target: Target, at: string): Promise<boolean> {
    return (await this.#create({ ...pendingEntry(ref, target, at), status: 'in-doubt' })) === true;
  }

  async cancel(ref: LogRef, target: Target, at: string): Promise<boolean> {
    return (
      (await this.#create({
        ...pendingEntry(ref, target, at),
        status: 'canceled',
        failureReason: 'Delivery canceled',
      })) === true
    );
  }

  /** Creates an entry once: true, or the stored entry that was there first (its item, unmarshalled). */
  async #create(
    entry: LedgerEntry,
    internals: { sentBy?: string; reconciledAt?: string } = {},
  ): Promise<true | Record<string, unknown> | null> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: entryItem(entry, internals),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return oldItem(error);
      throw error;
    }
  }

  async inDoubt(
    ref: LogRef,
    after: string | null,
    limit: number,
  ): Promise<{ entries: Array<{ recipientId: string; since: string }>; last: string | null }> {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit ${limit} must be a positive integer`);
    const partition = doubtPk(ref);
    const { items, nextKey } = await queryPage(
      this.#client,
      {
        TableName: this.#table,
        IndexName: INDEX.recipientsInDoubt,
        KeyConditionExpression: 'doubtPk = :d',
        ExpressionAttributeValues: { ':d': partition },
      },
      ['doubtPk', 'pk', 'sk'],
      limit,
      after === null ? undefined : { doubtPk: partition, ...sendingLogKey(ref, after) },
    );
    const entries = items.map((item) => ({
      recipientId: String(item.sk).slice(2),
      since: String(item.updatedAt),
    }));
    return { entries, last: nextKey ? (entries.at(-1)?.recipientId ?? null) : null };
  }

  async expireInDoubt(
    ref: LogRef,
    recipientId: string,
    failure: { failureType: FailureType; failureReason: string; at: string },
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: sendingLogKey(ref, recipientId),
          UpdateExpression:
            'SET #status = :failed, failureType = :type, failureReason = :reason, updatedAt = :at REMOVE doubtPk',
          ConditionExpression: '#status = :inDoubt AND attribute_not_exists(sesMessageId)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':inDoubt': 'in-doubt',
            ':type': failure.failureType,
            ':reason': failure.failureReason,
            ':at': failure.at,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async armResend(ref: LogRef, recipientId: string, resend: { at: string; by: string }): Promise<boolean> {
    return this.#update(ref, recipientId, {
      UpdateExpression: 'SET resentAt = :at, resentBy = :by, updatedAt = :at',
      ConditionExpression:
        '#status = :inDoubt AND attribute_not_exists(sesMessageId) AND attribute_not_exists(resentAt)',
      ExpressionAttributeValues: { ':inDoubt': 'in-doubt', ':at': resend.at, ':by': resend.by },
    });
  }

  async markResent(
    ref: LogRef,
    recipientId: string,
    sent: { sesMessageId: string; at: string; by: string },
  ): Promise<boolean> {
    return this.#update(ref, recipientId, {
      UpdateExpression:
        'SET #status = :sent, sesMessageId = :messageId, sentAt = :at, historySk = :historySk, sentBy = :by, updatedAt = :at REMOVE doubtPk',
      ConditionExpression: '#status = :inDoubt AND resentBy = :by AND attribute_not_exists(sesMessageId)',
      ExpressionAttributeValues: {
        ':inDoubt': 'in-doubt',
        ':sent': 'sent',
        ':messageId': sent.sesMessageId,
        ':at': sent.at,
        ':historySk': historySk(sent.at, ref.deliveryId),
        ':by': sent.by,
      },
    });
  }

  async disarmResend(ref: LogRef, recipientId: string, by: string): Promise<boolean> {
    return this.#update(ref, recipientId, {
      UpdateExpression: 'REMOVE resentAt, resentBy',
      ConditionExpression: '#status = :inDoubt AND resentBy = :by',
      ExpressionAttributeValues: { ':inDoubt': 'in-doubt', ':by': by },
    });
  }

  async noteSendEvent(ref: LogRef, recipientId: string, at: string): Promise<boolean> {
    return this.#update(ref, recipientId, {
      UpdateExpression: 'SET sendSeenAt = :at',
      // #status is named for #update's attribute names; every entry has one.
      ConditionExpression: 'attribute_exists(#status) AND attribute_not_exists(sendSeenAt)',
      ExpressionAttributeValues: { ':at': at },
    });
  }

  /** One conditional UpdateItem of an entry (its condition names `#status`): false when its condition failed. */
  async #update(
    ref: LogRef,
    recipientId: string,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: sendingLogKey(ref, recipientId),
          ExpressionAttributeNames: { '#status': 'status' },
          ...update,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Newest first, a page of the history at a time: a notification usually names one of the latest messages. */
  async findBySesMessageId(
    sesMessageId: string,
    profileIds: readonly string[],
  ): Promise<{ ref: LogRef; recipientId: string } | null> {
    for (const profileId of new Set(profileIds)) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            IndexName: INDEX.recipientsByProfile,
            KeyConditionExpression: 'profileId = :profile',
            FilterExpression: 'sesMessageId = :id',
            ExpressionAttributeValues: { ':profile': profileId, ':id': sesMessageId },
            ScanIndexForward: false,
            Limit: HISTORY_PAGE,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) {
          const found = fromEntryKey(String(item.pk), String(item.sk));
          if (found) return found;
        }
        start = out.LastEvaluatedKey;
      } while (start);
    }
    return null;
  }

  async applyEvent(
    ref: LogRef,
    before: LedgerEntry,
    change: EntryChange,
  ): Promise<{ before: LedgerEntry; after: LedgerEntry } | null> {
    const { status, failureType, failureReason, clearFailure, deliveredAt, sent, track, updatedAt } = change;
    if ([status, failureType, failureReason, deliveredAt, sent, track].every((v) => v === undefined)) {
      throw new RangeError('applyEvent needs a change besides updatedAt');
    }
    const after = applied(before, change);
    if (before.status === 'pending') {
      // No entry yet: the event overtook the sender, or the sender died after SES accepted the message.
      const won = await this.#create(after, sent ? { reconciledAt: updatedAt } : {});
      return won === true ? { before, after } : null;
    }
    const set = ['updatedAt = :updatedAt'];
    const add: string[] = [];
    const remove: string[] = [];
    const conditions = ['attribute_exists(pk)', '#status = :expected'];
    const values: Record<string, unknown> = { ':updatedAt': updatedAt, ':expected': before.status };
    if (status !== undefined) {
      set.push('#status = :status');
      values[':status'] = status;
      if (before.status === 'in-doubt' && status !== 'in-doubt') remove.push('doubtPk');
    }
    // A recipient failed on a presumption (in doubt, no SES record; a soft bounce that was an auto-reply) that an
    // event settles otherwise: no failure left.
    if (clearFailure || (before.status === 'failed' && status !== undefined && status !== 'failed'))
      remove.push('failureType', 'failureReason');
    if (failureType !== undefined) {
      set.push('failureType = :failureType');
      values[':failureType'] = failureType;
    }
    if (failureReason !== undefined) {
      set.push('failureReason = :failureReason');
      values[':failureReason'] = failureReason;
    }
    if (deliveredAt !== undefined) {
      set.push('deliveredAt = :deliveredAt');
      values[':deliveredAt'] = deliveredAt;
    }
    if (sent !== undefined) {
      // Reconciliation: only an entry that has no message id yet (in doubt).
      set.push(
        'sesMessageId = :messageId',
        'sentAt = :sentAt',
        'historySk = :historySk',
        'reconciledAt = :updatedAt',
      );
      conditions.push('attribute_not_exists(sesMessageId)');
      values[':messageId'] = sent.sesMessageId;
      values[':sentAt'] = sent.at;
      values[':historySk'] = historySk(sent.at, ref.deliveryId);
    }
    if (track !== undefined) {
      values[':one'] = 1;
      values[':trackAt'] = track.at;
      // A click implies an open: it sets firstOpenAt too when there was none.
      set.push('firstOpenAt = if_not_exists(firstOpenAt, :trackAt)');
      if (track.kind === 'open') add.push('opens :one');
      else {
        add.push('clicks :one');
        set.push('firstClickAt = if_not_exists(firstClickAt, :trackAt)');
      }
    }
    let old: Record<string, unknown> | undefined;
    try {
      const out = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: sendingLogKey(ref, before.recipientId),
          UpdateExpression: [
            `SET ${set.join(', ')}`,
            ...(remove.length > 0 ? [`REMOVE ${remove.join(', ')}`] : []),
            ...(add.length > 0 ? [`ADD ${add.join(', ')}`] : []),
          ].join(' '),
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      old = out.Attributes;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return null;
      throw error;
    }
    if (!old) return null; // unreachable: the condition requires the item
    const stored = toEntry(old);
    return { before: stored, after: applied(stored, change) };
  }
}

/** The log and recipient of an entry key (`D#<deliveryId>#v<version>#<nn>` / `R#<recipientId>`). */
/** History entries read a request while looking for a message id (about 150 bytes each in the index). */
const HISTORY_PAGE = 100;

const fromEntryKey = (pk: string, sk: string): { ref: LogRef; recipientId: string } | null => {
  const match = /^D#(.+)#v(\d+)#\d{2}$/.exec(pk);
  if (!match || !sk.startsWith('R#')) return null;
  return { ref: { deliveryId: match[1]!, version: Number(match[2]) }, recipientId: sk.slice('R#'.length) };
};

/**
 * The entry after `applyEvent`'s write, computed from the entry before it: exact, because the write's condition
 * pinned the status it read and ADD is atomic (the counts are the stored ones plus one).
 */
export const applied = (before: LedgerEntry, change: EntryChange): LedgerEntry => {
  const after: LedgerEntry = { ...before, updatedAt: change.updatedAt };
  if (change.status !== undefined) after.status = change.status;
  if (change.clearFailure || (before.status === 'failed' && after.status !== 'failed')) {
    delete after.failureType;
    delete after.failureReason;
  }
  if (change.failureType !== undefined) after.failureType = change.failureType;
  if (change.failureReason !== undefined) after.failureReason = change.failureReason;
  if (change.deliveredAt !== undefined) after.deliveredAt = change.deliveredAt;
  if (change.sent !== undefined) {
    after.sesMessageId = change.sent.sesMessageId;
    after.sentAt = change.sent.at;
  }
  if (change.track !== undefined) {
    const at = change.track.at;
    after.firstOpenAt ??= at;
    if (change.track.kind === 'open') after.opens = (before.opens ?? 0) + 1;
    else {
      after.clicks = (before.clicks ?? 0) + 1;
      after.firstClickAt ??= at;
    }
  }
  return after;
};
