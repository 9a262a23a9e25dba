/**
 * RecipientLedger on the `recipients` table: the sending-log entries (`D#<deliveryId>#v<version>#<nn>` /
 * `R#<recipientId>`) seen as a state machine the senders, the sweeper and the starter move with conditional
 * UpdateItems (docs/data-model.md, "Following one recipient through a send"). Every status change moves
 * `statusPk`, so the byStatus index always lists an entry under its current status.
 *
 * pending ──claim──▶ pending + claim ──markSent──▶ sent
 *    │                    ├──release──▶ pending (claim removed)
 *    │                    ├──markFailed(claim)──▶ failed
 *    │                    └──markInDoubt──▶ in-doubt ──markFailed(null)──▶ failed
 *    └──cancel──▶ canceled
 *
 * SES events move entries with `applyEvent` (sent → delivered, → failed, opens and clicks; an in-doubt entry
 * named by an event is reconciled: it gets its message id and becomes sent), each a conditional UpdateItem on the
 * status the ingester read.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { FailureType, RecipientStatus } from '#domain/kpis.ts';
import type {
  Claim,
  EntryChange,
  LedgerEntry,
  LogRef,
  RecipientLedger,
  SendingLogEntry,
} from '#ports/index.ts';
import { isConditionalCheckFailed } from './client.ts';
import { historySk, INDEX, sendingLogKey, sendingLogPk, statusPk, stripKeys } from './keys.ts';
import { queryPage } from './paging.ts';

export interface LedgerTableOptions {
  client: DynamoDBDocumentClient;
  /** The `recipients` table. */
  tableName: string;
}

const CLAIM_ATTRIBUTES = ['claimOwner', 'claimedAt', 'leaseUntil'] as const;
/** Stored for the ledger's own conditions, never part of an entry. */
const INTERNAL_ATTRIBUTES = ['reconciledAt'] as const;

/**
 * A stored item (unmarshalled) as a ledger entry: key attributes stripped, claim attributes gathered into `claim`
 * while the claim stands (pending or in-doubt). Marking sent or failed spends it (its lease is removed; owner and
 * time stay stored as a record of who sent).
 */
export const ledgerEntry = (item: Record<string, unknown>): LedgerEntry => {
  const entry: Record<string, unknown> = stripKeys<Record<string, unknown>>(item);
  for (const name of [...CLAIM_ATTRIBUTES, ...INTERNAL_ATTRIBUTES]) delete entry[name];
  const { claimOwner, claimedAt, leaseUntil } = item;
  if (typeof claimOwner === 'string' && typeof claimedAt === 'string' && typeof leaseUntil === 'string') {
    return {
      ...(entry as unknown as SendingLogEntry),
      claim: { owner: claimOwner, at: claimedAt, leaseUntil },
    };
  }
  return entry as unknown as SendingLogEntry;
};

/** The stored item a ConditionalCheckFailedException carries (marshalled: the DocumentClient leaves it raw). */
const oldItem = (error: { Item?: Record<string, unknown> }): Record<string, unknown> | null =>
  error.Item ? unmarshall(error.Item as Parameters<typeof unmarshall>[0]) : null;

/** Condition of every write a claim holder makes: its claim is still there and nothing was sent. */
const HOLDS_CLAIM = 'claimOwner = :owner AND claimedAt = :claimedAt AND attribute_not_exists(sesMessageId)';

export class DynamoRecipientLedger implements RecipientLedger {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: LedgerTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async get(ref: LogRef, recipientId: string): Promise<LedgerEntry | null> {
    const out = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: sendingLogKey(ref, recipientId), ConsistentRead: true }),
    );
    return out.Item ? ledgerEntry(out.Item) : null;
  }

  async claim(
    ref: LogRef,
    recipientId: string,
    claim: Claim,
  ): Promise<{ claimed: true; entry: LedgerEntry } | { claimed: false; entry: LedgerEntry | null }> {
    try {
      const out = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: sendingLogKey(ref, recipientId),
          UpdateExpression:
            'SET claimOwner = :owner, claimedAt = :claimedAt, leaseUntil = :leaseUntil, updatedAt = :claimedAt',
          ConditionExpression: '#status = :pending AND attribute_not_exists(claimOwner)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':owner': claim.owner,
            ':claimedAt': claim.at,
            ':leaseUntil': claim.leaseUntil,
            ':pending': 'pending' satisfies RecipientStatus,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      // The claimed entry comes back with the write: the sender needs no read before the SES call.
      return { claimed: true, entry: ledgerEntry(out.Attributes ?? {}) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const item = oldItem(error);
      return { claimed: false, entry: item ? ledgerEntry(item) : null };
    }
  }

  async release(ref: LogRef, recipientId: string, claim: Claim): Promise<void> {
    // Only a pending claim goes back: one the sweeper already made in-doubt stays so (never resent).
    await this.#update(ref, recipientId, {
      UpdateExpression: 'REMOVE claimOwner, claimedAt, leaseUntil',
      ConditionExpression: `${HOLDS_CLAIM} AND #status = :pending`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ...claimValues(claim), ':pending': 'pending' },
    });
  }

  async markSent(
    ref: LogRef,
    recipientId: string,
    claim: Claim,
    sent: { sesMessageId: string; at: string },
  ): Promise<boolean> {
    const won = await this.#update(ref, recipientId, {
      UpdateExpression:
        'SET #status = :sent, statusPk = :statusPk, sesMessageId = :messageId, sentAt = :at, ' +
        'historySk = :historySk, updatedAt = :at REMOVE leaseUntil',
      ConditionExpression: `${HOLDS_CLAIM} AND #status = :pending`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ...claimValues(claim),
        ':pending': 'pending',
        ':sent': 'sent',
        ':statusPk': this.#statusPk(ref, recipientId, 'sent'),
        ':messageId': sent.sesMessageId,
        ':at': sent.at,
        ':historySk': historySk(sent.at, ref.deliveryId),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    if (won === true) return true;
    // A retry of this very write whose first answer was lost (the SDK retries): the message id is ours alone.
    // Unless an SES event reconciled the entry first (reconciledAt): ingestion counted that send, not us.
    return (
      won?.sesMessageId === sent.sesMessageId &&
      won.claimOwner === claim.owner &&
      won.reconciledAt === undefined
    );
  }

  async markInDoubt(ref: LogRef, recipientId: string, claim: Claim, at: string): Promise<boolean> {
    const won = await this.#update(ref, recipientId, {
      UpdateExpression: 'SET #status = :inDoubt, statusPk = :statusPk, updatedAt = :at',
      ConditionExpression: `${HOLDS_CLAIM} AND #status = :pending`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ...claimValues(claim),
        ':pending': 'pending',
        ':inDoubt': 'in-doubt',
        ':statusPk': this.#statusPk(ref, recipientId, 'in-doubt'),
        ':at': at,
      },
    });
    return won === true;
  }

  async markFailed(
    ref: LogRef,
    recipientId: string,
    claim: Claim | null,
    failure: { failureType: FailureType; failureReason: string; at: string },
  ): Promise<boolean> {
    const values = {
      ':failed': 'failed',
      ':statusPk': this.#statusPk(ref, recipientId, 'failed'),
      ':failureType': failure.failureType,
      ':failureReason': failure.failureReason,
      ':at': failure.at,
    };
    const set =
      'SET #status = :failed, statusPk = :statusPk, failureType = :failureType, ' +
      'failureReason = :failureReason, updatedAt = :at';
    const won = await this.#update(
      ref,
      recipientId,
      claim
        ? {
            UpdateExpression: `${set} REMOVE leaseUntil`,
            ConditionExpression: `${HOLDS_CLAIM} AND #status = :pending`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ...values, ...claimValues(claim), ':pending': 'pending' },
          }
        : {
            // The reconciliation window expired with no SES event naming the message.
            UpdateExpression: set,
            ConditionExpression: '#status = :inDoubt AND attribute_not_exists(sesMessageId)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ...values, ':inDoubt': 'in-doubt' },
          },
    );
    return won === true;
  }

  async cancel(ref: LogRef, recipientId: string, at: string): Promise<boolean> {
    const won = await this.#update(ref, recipientId, {
      UpdateExpression:
        'SET #status = :canceled, statusPk = :statusPk, failureReason = :reason, updatedAt = :at',
      ConditionExpression: '#status = :pending AND attribute_not_exists(claimOwner)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':pending': 'pending',
        ':canceled': 'canceled',
        ':statusPk': this.#statusPk(ref, recipientId, 'canceled'),
        ':reason': 'Delivery canceled',
        ':at': at,
      },
    });
    return won === true;
  }

  async findBySesMessageId(sesMessageId: string): Promise<{ ref: LogRef; recipientId: string } | null> {
    const out = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: INDEX.recipientsBySesMessageId,
        KeyConditionExpression: 'sesMessageId = :id',
        ExpressionAttributeValues: { ':id': sesMessageId },
        // The table keys say it all (and are projected whatever the index projects).
        ProjectionExpression: 'pk, sk',
      }),
    );
    for (const item of out.Items ?? []) {
      const found = fromSendingLogKey(String(item.pk), String(item.sk));
      if (found) return found;
    }
    return null;
  }

  async applyEvent(
    ref: LogRef,
    recipientId: string,
    expected: RecipientStatus,
    change: EntryChange,
  ): Promise<{ before: LedgerEntry; after: LedgerEntry } | null> {
    const { status, failureType, failureReason, deliveredAt, sent, track, updatedAt } = change;
    if ([status, failureType, failureReason, deliveredAt, sent, track].every((v) => v === undefined)) {
      throw new RangeError('applyEvent needs a change besides updatedAt');
    }
    const set = ['updatedAt = :updatedAt'];
    const add: string[] = [];
    const remove: string[] = [];
    const conditions = ['attribute_exists(pk)', '#status = :expected'];
    const values: Record<string, unknown> = { ':updatedAt': updatedAt, ':expected': expected };
    if (status !== undefined) {
      set.push('#status = :status', 'statusPk = :statusPk');
      values[':status'] = status;
      values[':statusPk'] = this.#statusPk(ref, recipientId, status);
    }
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
      // Reconciliation: only an entry that has no message id yet; its claim is spent as in markSent.
      set.push(
        'sesMessageId = :messageId',
        'sentAt = :sentAt',
        'historySk = :historySk',
        'reconciledAt = :updatedAt',
      );
      remove.push('leaseUntil');
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
          Key: sendingLogKey(ref, recipientId),
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
    const before = ledgerEntry(old);
    return { before, after: applied(before, change) };
  }

  async listByStatus(
    ref: LogRef,
    shard: number,
    status: RecipientStatus,
    after: string | null,
    limit: number,
  ): Promise<{ recipientIds: string[]; last: string | null }> {
    const { items, last } = await this.#pageByStatus(ref, shard, status, after, limit, true);
    return { recipientIds: items.map((item) => String(item.sk).slice('R#'.length)), last };
  }

  async entriesByStatus(
    ref: LogRef,
    shard: number,
    status: RecipientStatus,
    after: string | null,
    limit: number,
  ): Promise<{ entries: LedgerEntry[]; last: string | null }> {
    const { items, last } = await this.#pageByStatus(ref, shard, status, after, limit, false);
    return { entries: items.map((item) => ledgerEntry(item)), last };
  }

  /** One page of a shard's byStatus partition, keys only or whole items (the index projects ALL). */
  async #pageByStatus(
    ref: LogRef,
    shard: number,
    status: RecipientStatus,
    after: string | null,
    limit: number,
    keysOnly: boolean,
  ): Promise<{ items: Array<Record<string, unknown>>; last: string | null }> {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit ${limit} must be a positive integer`);
    const pk = sendingLogPk(ref, shard);
    const { items, nextKey } = await queryPage(
      this.#client,
      {
        TableName: this.#table,
        IndexName: INDEX.recipientsByStatus,
        // A position, not a key: the entry `after` names may have left this status meanwhile.
        KeyConditionExpression: after === null ? 'statusPk = :pk' : 'statusPk = :pk AND sk > :after',
        ExpressionAttributeValues: {
          ':pk': statusPk(pk, status),
          ...(after === null ? {} : { ':after': `R#${after}` }),
        },
        ...(keysOnly ? { ProjectionExpression: 'pk, sk, statusPk, recipientId' } : {}),
      },
      ['pk', 'sk', 'statusPk'],
      limit,
    );
    const lastId = items.length > 0 ? String(items.at(-1)!.sk).slice('R#'.length) : null;
    return { items, last: nextKey ? lastId : null };
  }

  #statusPk(ref: LogRef, recipientId: string, status: RecipientStatus): string {
    return statusPk(sendingLogKey(ref, recipientId).pk, status);
  }

  /** A conditional UpdateItem: true when it was applied, else the stored item (with ALL_OLD) or null. */
  async #update(
    ref: LogRef,
    recipientId: string,
    input: Omit<UpdateCommandInput, 'TableName' | 'Key'>,
  ): Promise<true | Record<string, unknown> | null> {
    try {
      await this.#client.send(
        new UpdateCommand({ ...input, TableName: this.#table, Key: sendingLogKey(ref, recipientId) }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return oldItem(error);
      throw error;
    }
  }
}

const claimValues = (claim: Claim) => ({ ':owner': claim.owner, ':claimedAt': claim.at });

/** The log and recipient of a sending-log key (`D#<deliveryId>#v<version>#<nn>` / `R#<recipientId>`). */
const fromSendingLogKey = (pk: string, sk: string): { ref: LogRef; recipientId: string } | null => {
  const match = /^D#(.+)#v(\d+)#\d{2}$/.exec(pk);
  if (!match || !sk.startsWith('R#')) return null;
  return { ref: { deliveryId: match[1]!, version: Number(match[2]) }, recipientId: sk.slice('R#'.length) };
};

/**
 * The entry after `applyEvent`'s write, computed from the entry before it: exact, because the write's condition
 * pinned the status it read and ADD is atomic (the counts are the stored ones plus one).
 */
const applied = (before: LedgerEntry, change: EntryChange): LedgerEntry => {
  const after: LedgerEntry = { ...before, updatedAt: change.updatedAt };
  if (change.status !== undefined) after.status = change.status;
  if (change.failureType !== undefined) after.failureType = change.failureType;
  if (change.failureReason !== undefined) after.failureReason = change.failureReason;
  if (change.deliveredAt !== undefined) after.deliveredAt = change.deliveredAt;
  if (change.sent !== undefined) {
    after.sesMessageId = change.sent.sesMessageId;
    after.sentAt = change.sent.at;
    delete after.claim; // its lease is removed: the claim is spent
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
