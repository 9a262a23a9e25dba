import type { FailureType, RecipientStatus } from '#domain/kpis.ts';
import { shardOf } from '#domain/shards.ts';
import type { Claim, EntryChange, LedgerEntry, LogRef, RecipientLedger } from '#ports/index.ts';
import { asSendingLogEntry, type FakeRecipientLog, type StoredEntry } from './logs.ts';
import { refKey } from './support.ts';

/**
 * The ledger over the fake sending log: the same conditions as the DynamoDB adapter, in memory, on stored entries
 * that keep the claim's attributes as the adapter's items do (test/integration/contract/ledger.test.ts holds the
 * two to the same cases).
 */
export class FakeLedger implements RecipientLedger {
  readonly log: FakeRecipientLog;
  constructor(log: FakeRecipientLog) {
    this.log = log;
  }
  /** Set to make the next applyEvent lose its race once (another writer moved the entry meanwhile). */
  beforeApply: ((entry: StoredEntry) => void) | null = null;

  private stored(ref: LogRef, id: string): StoredEntry | undefined {
    return this.log.sending.get(refKey(ref))?.get(id);
  }
  /** The entry as the ledger shows it: the claim while it stands (its lease not yet removed). */
  private view(e: StoredEntry): LedgerEntry {
    const entry = asSendingLogEntry(e);
    const { claimOwner: owner, claimedAt: at, leaseUntil } = e;
    return owner !== undefined && at !== undefined && leaseUntil !== undefined
      ? { ...entry, claim: { owner, at, leaseUntil } }
      : entry;
  }
  /** The condition of every write a claim holder makes: its claim is still there and nothing was sent. */
  private holds(e: StoredEntry, claim: Claim): boolean {
    return (
      e.claimOwner === claim.owner &&
      e.claimedAt === claim.at &&
      e.sesMessageId === undefined &&
      e.status === 'pending'
    );
  }
  async get(ref: LogRef, id: string) {
    const e = this.stored(ref, id);
    return e ? this.view(e) : null;
  }
  async claim(ref: LogRef, id: string, claim: Claim) {
    const e = this.stored(ref, id);
    if (!e || e.status !== 'pending' || e.claimOwner !== undefined)
      return { claimed: false as const, entry: e ? this.view(e) : null };
    Object.assign(e, {
      claimOwner: claim.owner,
      claimedAt: claim.at,
      leaseUntil: claim.leaseUntil,
      updatedAt: claim.at,
    });
    return { claimed: true as const, entry: this.view(e) };
  }
  async release(ref: LogRef, id: string, claim: Claim) {
    const e = this.stored(ref, id);
    if (!e || !this.holds(e, claim)) return;
    delete e.claimOwner;
    delete e.claimedAt;
    delete e.leaseUntil;
  }
  async markSent(ref: LogRef, id: string, claim: Claim, sent: { sesMessageId: string; at: string }) {
    const e = this.stored(ref, id);
    if (!e) return false;
    if (!this.holds(e, claim)) {
      // A retry of this very write whose first answer was lost, unless an SES event reconciled the entry first.
      return (
        e.sesMessageId === sent.sesMessageId && e.claimOwner === claim.owner && e.reconciledAt === undefined
      );
    }
    Object.assign(e, {
      status: 'sent',
      sesMessageId: sent.sesMessageId,
      sentAt: sent.at,
      updatedAt: sent.at,
    });
    delete e.leaseUntil; // the claim is spent; its owner and time stay as a record of who sent
    return true;
  }
  async markFailed(
    ref: LogRef,
    id: string,
    claim: Claim | null,
    failure: { failureType: FailureType; failureReason: string; at: string },
  ) {
    const e = this.stored(ref, id);
    if (!e) return false;
    const allowed = claim ? this.holds(e, claim) : e.status === 'in-doubt' && e.sesMessageId === undefined;
    if (!allowed) return false;
    Object.assign(e, {
      status: 'failed',
      failureType: failure.failureType,
      failureReason: failure.failureReason,
      updatedAt: failure.at,
    });
    if (claim) delete e.leaseUntil;
    return true;
  }
  async markInDoubt(ref: LogRef, id: string, claim: Claim, at: string) {
    const e = this.stored(ref, id);
    if (!e || !this.holds(e, claim)) return false;
    Object.assign(e, { status: 'in-doubt', updatedAt: at });
    return true;
  }
  async cancel(ref: LogRef, id: string, at: string) {
    const e = this.stored(ref, id);
    if (!e || e.status !== 'pending' || e.claimOwner !== undefined) return false;
    Object.assign(e, { status: 'canceled', failureReason: 'Delivery canceled', updatedAt: at });
    return true;
  }
  async findBySesMessageId(sesMessageId: string) {
    for (const m of this.log.sending.values()) {
      for (const e of m.values()) {
        if (e.sesMessageId === sesMessageId) {
          return { ref: { deliveryId: e.deliveryId, version: e.version }, recipientId: e.recipientId };
        }
      }
    }
    return null;
  }
  async applyEvent(ref: LogRef, id: string, expected: RecipientStatus, change: EntryChange) {
    const { status, failureType, failureReason, deliveredAt, sent, track } = change;
    if ([status, failureType, failureReason, deliveredAt, sent, track].every((v) => v === undefined)) {
      throw new RangeError('applyEvent needs a change besides updatedAt');
    }
    const e = this.stored(ref, id);
    if (!e) return null;
    const hook = this.beforeApply;
    this.beforeApply = null;
    hook?.(e);
    if (e.status !== expected) return null;
    if (sent && e.sesMessageId !== undefined) return null;
    const before = this.view(e);
    if (status !== undefined) e.status = status;
    if (failureType !== undefined) e.failureType = failureType;
    if (failureReason !== undefined) e.failureReason = failureReason;
    if (deliveredAt !== undefined) e.deliveredAt = deliveredAt;
    if (sent) {
      // Reconciliation: the message id and sent time; the claim is spent, and markSent never counts it again.
      Object.assign(e, { sesMessageId: sent.sesMessageId, sentAt: sent.at, reconciledAt: change.updatedAt });
      delete e.leaseUntil;
    }
    if (track) {
      e.firstOpenAt ??= track.at; // a click implies an open
      if (track.kind === 'open') e.opens = (e.opens ?? 0) + 1;
      else {
        e.clicks = (e.clicks ?? 0) + 1;
        e.firstClickAt ??= track.at;
      }
    }
    e.updatedAt = change.updatedAt;
    return { before, after: this.view(e) };
  }
  async entriesByStatus(
    ref: LogRef,
    shard: number,
    status: RecipientStatus,
    after: string | null,
    limit: number,
  ) {
    const { recipientIds, last } = await this.listByStatus(ref, shard, status, after, limit);
    return { entries: recipientIds.map((id) => this.view(this.stored(ref, id)!)), last };
  }
  async listByStatus(
    ref: LogRef,
    shard: number,
    status: RecipientStatus,
    after: string | null,
    limit: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit ${limit} must be a positive integer`);
    const all = [...(this.log.sending.get(refKey(ref))?.values() ?? [])]
      .filter((e) => e.status === status && shardOf(e.recipientId) === shard)
      .map((e) => e.recipientId)
      .sort();
    const rest = after === null ? all : all.filter((id) => id > after);
    const recipientIds = rest.slice(0, limit);
    return { recipientIds, last: rest.length > limit ? recipientIds.at(-1)! : null };
  }
}
