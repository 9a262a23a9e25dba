import type { FailureType, RecipientStatus } from '#domain/kpis.ts';
import { shardOf } from '#domain/shards.ts';
import type { Claim, EntryChange, LedgerEntry, LogRef, RecipientLedger } from '#ports/index.ts';
import type { FakeRecipientLog } from './logs.ts';
import { clone, refKey } from './support.ts';

/** The ledger over the fake sending log: the same conditions as the DynamoDB adapter, in memory. */
export class FakeLedger implements RecipientLedger {
  readonly log: FakeRecipientLog;
  constructor(log: FakeRecipientLog) {
    this.log = log;
  }
  private entry(ref: LogRef, id: string): LedgerEntry | undefined {
    return this.log.sending.get(refKey(ref))?.get(id) as LedgerEntry | undefined;
  }
  private same(a: Claim | undefined, b: Claim): boolean {
    return !!a && a.owner === b.owner && a.at === b.at;
  }
  async get(ref: LogRef, id: string) {
    const e = this.entry(ref, id);
    return e ? clone(e) : null;
  }
  async claim(ref: LogRef, id: string, claim: Claim) {
    const e = this.entry(ref, id);
    if (!e || e.status !== 'pending' || e.claim)
      return { claimed: false as const, entry: e ? clone(e) : null };
    e.claim = { ...claim };
    return { claimed: true as const, entry: clone(e) };
  }
  async release(ref: LogRef, id: string, claim: Claim) {
    const e = this.entry(ref, id);
    if (e && this.same(e.claim, claim) && !e.sesMessageId) delete e.claim;
  }
  async markSent(ref: LogRef, id: string, claim: Claim, sent: { sesMessageId: string; at: string }) {
    const e = this.entry(ref, id);
    if (!e || !this.same(e.claim, claim) || e.sesMessageId || e.status !== 'pending') return false;
    Object.assign(e, {
      status: 'sent',
      sesMessageId: sent.sesMessageId,
      sentAt: sent.at,
      updatedAt: sent.at,
    });
    return true;
  }
  async markFailed(
    ref: LogRef,
    id: string,
    claim: Claim | null,
    failure: { failureType: FailureType; failureReason: string; at: string },
  ) {
    const e = this.entry(ref, id);
    if (!e) return false;
    const allowed = claim
      ? this.same(e.claim, claim) && !e.sesMessageId && e.status === 'pending'
      : e.status === 'in-doubt';
    if (!allowed) return false;
    Object.assign(e, {
      status: 'failed',
      failureType: failure.failureType,
      failureReason: failure.failureReason,
      updatedAt: failure.at,
    });
    return true;
  }
  async markInDoubt(ref: LogRef, id: string, claim: Claim, at: string) {
    const e = this.entry(ref, id);
    if (!e || !this.same(e.claim, claim) || e.sesMessageId || e.status !== 'pending') return false;
    Object.assign(e, { status: 'in-doubt', updatedAt: at });
    return true;
  }
  async cancel(ref: LogRef, id: string, at: string) {
    const e = this.entry(ref, id);
    if (!e || e.status !== 'pending' || e.claim) return false;
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
  /** Entries an SES event reconciled (the adapter's `reconciledAt`). */
  readonly reconciled = new Set<string>();
  /** Set to make the next applyEvent lose its race once (another writer moved the entry meanwhile). */
  beforeApply: ((entry: LedgerEntry) => void) | null = null;
  async applyEvent(ref: LogRef, id: string, expected: RecipientStatus, change: EntryChange) {
    const e = this.entry(ref, id);
    if (!e) return null;
    const hook = this.beforeApply;
    this.beforeApply = null;
    hook?.(e);
    if (e.status !== expected) return null;
    if (change.sent && e.sesMessageId) return null;
    if (!change.status && !change.track) throw new RangeError('empty change');
    const before = clone(e);
    if (change.status) e.status = change.status;
    if (change.failureType) e.failureType = change.failureType;
    if (change.failureReason) e.failureReason = change.failureReason;
    if (change.deliveredAt) e.deliveredAt = change.deliveredAt;
    if (change.sent) {
      e.sesMessageId = change.sent.sesMessageId;
      e.sentAt = change.sent.at;
      this.reconciled.add(`${refKey(ref)}#${id}`); // kept apart, as the adapter keeps it out of entries
    }
    if (change.track?.kind === 'open') {
      e.opens = (e.opens ?? 0) + 1;
      e.firstOpenAt ??= change.track.at;
    }
    if (change.track?.kind === 'click') {
      e.clicks = (e.clicks ?? 0) + 1;
      e.firstClickAt ??= change.track.at;
      e.firstOpenAt ??= change.track.at;
    }
    e.updatedAt = change.updatedAt;
    return { before, after: clone(e) };
  }
  async entriesByStatus(
    ref: LogRef,
    shard: number,
    status: RecipientStatus,
    after: string | null,
    limit: number,
  ) {
    const { recipientIds, last } = await this.listByStatus(ref, shard, status, after, limit);
    return { entries: recipientIds.map((id) => clone(this.entry(ref, id)!)), last };
  }
  async listByStatus(
    ref: LogRef,
    shard: number,
    status: RecipientStatus,
    after: string | null,
    limit: number,
  ) {
    const all = [...(this.log.sending.get(refKey(ref))?.values() ?? [])]
      .filter((e) => e.status === status && shardOf(e.recipientId) === shard)
      .map((e) => e.recipientId)
      .sort();
    const rest = after === null ? all : all.filter((id) => id > after);
    const recipientIds = rest.slice(0, limit);
    return { recipientIds, last: rest.length > limit ? recipientIds.at(-1)! : null };
  }
}
