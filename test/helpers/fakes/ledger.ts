import type { FailureType } from '#domain/kpis.ts';
import { shardOf } from '#domain/shards.ts';
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
import { asSendingLogEntry, type FakeRecipientLog, pendingView, type StoredEntry } from './logs.ts';
import { byKey, clone, refKey } from './support.ts';

/**
 * The ledger over the fake logs: the same conditions as the DynamoDB adapter, in memory: entries created once,
 * page leases taken when free, expired or one's own, windows written under the lease
 * (test/integration/contract/ledger.test.ts holds the two to the same cases).
 */
export class FakeLedger implements RecipientLedger {
  readonly log: FakeRecipientLog;
  constructor(log: FakeRecipientLog) {
    this.log = log;
  }
  /**
   * Set to make the next applyEvent lose its race once (another writer moved the entry meanwhile): it gets the
   * stored entry to change, or the caller's view of a pending recipient.
   */
  beforeApply: ((entry: StoredEntry) => void) | null = null;

  private entries(ref: LogRef): Map<string, StoredEntry> {
    const key = refKey(ref);
    const m = this.log.entries.get(key) ?? new Map<string, StoredEntry>();
    this.log.entries.set(key, m);
    return m;
  }
  private leasesOf(ref: LogRef): Map<string, PageLease> {
    const key = refKey(ref);
    const m = this.log.leases.get(key) ?? new Map<string, PageLease>();
    this.log.leases.set(key, m);
    return m;
  }

  async pages(ref: LogRef, shard: number, after: string | null, limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit ${limit} must be a positive integer`);
    const rest = this.log.shardPages(ref, shard).filter((p) => after === null || p.id > after);
    const pages = rest.slice(0, limit).map(clone);
    return { pages, last: rest.length > limit ? pages.at(-1)!.id : null };
  }
  async scanEntries(ref: LogRef, shard: number, after: string | null, limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit ${limit} must be a positive integer`);
    const rest = [...this.entries(ref).values()]
      .filter((e) => shardOf(e.recipientId) === shard && (after === null || e.recipientId > after))
      .sort((a, b) => byKey(a.recipientId, b.recipientId));
    const entries = rest.slice(0, limit).map((e): EntryFacts => ({
      recipientId: e.recipientId,
      status: e.status,
      hasMessageId: !!e.sesMessageId,
      opens: e.opens ?? 0,
      clicks: e.clicks ?? 0,
      updatedAt: e.updatedAt,
    }));
    return { entries, last: rest.length > limit ? entries.at(-1)!.recipientId : null };
  }
  async pagesOf(ref: LogRef, recipientIds: readonly string[]) {
    const found = new Map<string, TargetPage>();
    for (const id of new Set(recipientIds)) {
      const page = this.log
        .shardPages(ref, shardOf(id))
        .filter((p) => p.id <= id)
        .at(-1);
      if (page && page.targets.some((t) => t.recipientId === id)) found.set(`${page.shard}/${page.id}`, page);
    }
    return [...found.values()].map(clone);
  }
  async entriesOf(ref: LogRef, page: TargetPage) {
    const m = this.entries(ref);
    const out = new Map<string, LedgerEntry>();
    for (const t of page.targets) {
      const e = m.get(t.recipientId);
      if (e) out.set(t.recipientId, asSendingLogEntry(e));
    }
    return out;
  }
  async get(ref: LogRef, id: string) {
    const e = this.entries(ref).get(id);
    if (e) return asSendingLogEntry(e);
    const [page] = await this.pagesOf(ref, [id]);
    const target = page?.targets.find((t) => t.recipientId === id);
    return page && target ? pendingView(ref, target, page.preparedAt) : null;
  }
  async getMany(keys: ReadonlyArray<{ ref: LogRef; recipientId: string }>) {
    return Promise.all(keys.map((k) => this.get(k.ref, k.recipientId)));
  }

  async acquire(
    ref: LogRef,
    page: TargetPage,
    lease: { owner: string; at: string; leaseUntil: string },
    window: readonly string[],
    now: Date,
  ): Promise<LeaseResult> {
    const leases = this.leasesOf(ref);
    const key = `${page.shard}/${page.id}`;
    const old = leases.get(key);
    if (old && old.owner !== lease.owner && Date.parse(old.leaseUntil) > now.getTime()) {
      return { acquired: false, lease: clone(old) };
    }
    const entries = this.entries(ref);
    const suspects = old ? old.window.filter((id) => !entries.has(id)) : [];
    const next: PageLease = { ...lease, window: [...new Set([...suspects, ...window])] };
    leases.set(key, next);
    return { acquired: true, lease: clone(next), suspects };
  }
  private updateLease(
    ref: LogRef,
    page: TargetPage,
    lease: PageLease,
    window: string[],
    leaseUntil: string,
    knownUntil?: string,
  ) {
    const stored = this.leasesOf(ref).get(`${page.shard}/${page.id}`);
    if (!stored || stored.owner !== lease.owner || stored.at !== lease.at) return false;
    if (knownUntil !== undefined && stored.leaseUntil !== knownUntil) return false;
    stored.window = window;
    stored.leaseUntil = leaseUntil;
    return true;
  }
  async extend(
    ref: LogRef,
    page: TargetPage,
    lease: PageLease,
    window: readonly string[],
    leaseUntil: string,
  ) {
    return this.updateLease(ref, page, lease, [...window], leaseUntil);
  }
  async release(ref: LogRef, page: TargetPage, lease: PageLease, now: Date) {
    this.updateLease(ref, page, lease, [], now.toISOString(), lease.leaseUntil);
  }
  async leases(ref: LogRef, shard: number) {
    return new Map(
      [...this.leasesOf(ref)]
        .filter(([key]) => key.startsWith(`${shard}/`))
        .map(([key, lease]) => [key.slice(key.indexOf('/') + 1), clone(lease)]),
    );
  }

  private create(ref: LogRef, entry: StoredEntry): StoredEntry | true {
    const m = this.entries(ref);
    const existing = m.get(entry.recipientId);
    if (existing) return existing;
    m.set(entry.recipientId, clone(entry));
    return true;
  }
  async markSent(ref: LogRef, t: Target, sent: { sesMessageId: string; at: string; by: string }) {
    const won = this.create(ref, {
      ...pendingView(ref, t, sent.at),
      status: 'sent',
      sesMessageId: sent.sesMessageId,
      sentAt: sent.at,
      sentBy: sent.by,
    });
    if (won === true) return true;
    // A retry of this very write whose first answer was lost, unless an SES event recorded the send first.
    return won.sesMessageId === sent.sesMessageId && won.sentBy === sent.by && won.reconciledAt === undefined;
  }
  async markFailed(
    ref: LogRef,
    t: Target,
    failure: { failureType: FailureType; failureReason: string; at: string },
  ) {
    return (
      this.create(ref, {
        ...pendingView(ref, t, failure.at),
        status: 'failed',
        failureType: failure.failureType,
        failureReason: failure.failureReason,
      }) === true
    );
  }
  async markInDoubt(ref: LogRef, t: Target, at: string) {
    return this.create(ref, { ...pendingView(ref, t, at), status: 'in-doubt' }) === true;
  }
  async cancel(ref: LogRef, t: Target, at: string) {
    return (
      this.create(ref, {
        ...pendingView(ref, t, at),
        status: 'canceled',
        failureReason: 'Delivery canceled',
      }) === true
    );
  }
  async inDoubt(ref: LogRef, after: string | null, limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit ${limit} must be a positive integer`);
    const all = [...this.entries(ref).values()]
      .filter((e) => e.status === 'in-doubt' && (after === null || e.recipientId > after))
      .sort((a, b) => byKey(a.recipientId, b.recipientId));
    const entries = all.slice(0, limit).map((e) => ({ recipientId: e.recipientId, since: e.updatedAt }));
    return { entries, last: all.length > limit ? entries.at(-1)!.recipientId : null };
  }
  async expireInDoubt(
    ref: LogRef,
    id: string,
    failure: { failureType: FailureType; failureReason: string; at: string },
  ) {
    const e = this.entries(ref).get(id);
    if (!e || e.status !== 'in-doubt' || e.sesMessageId !== undefined) return false;
    Object.assign(e, {
      status: 'failed',
      failureType: failure.failureType,
      failureReason: failure.failureReason,
      updatedAt: failure.at,
    });
    return true;
  }
  async armResend(ref: LogRef, id: string, resend: { at: string; by: string }) {
    const e = this.entries(ref).get(id);
    if (!e || e.status !== 'in-doubt' || e.sesMessageId !== undefined || e.resentAt !== undefined)
      return false;
    Object.assign(e, { resentAt: resend.at, resentBy: resend.by, updatedAt: resend.at });
    return true;
  }
  async markResent(ref: LogRef, id: string, sent: { sesMessageId: string; at: string; by: string }) {
    const e = this.entries(ref).get(id);
    if (!e || e.status !== 'in-doubt' || e.resentBy !== sent.by || e.sesMessageId !== undefined) return false;
    Object.assign(e, {
      status: 'sent',
      sesMessageId: sent.sesMessageId,
      sentAt: sent.at,
      sentBy: sent.by,
      updatedAt: sent.at,
    });
    return true;
  }
  async noteSendEvent(ref: LogRef, id: string, at: string) {
    const e = this.entries(ref).get(id);
    if (!e || e.sendSeenAt !== undefined) return false;
    e.sendSeenAt = at;
    return true;
  }
  async disarmResend(ref: LogRef, id: string, by: string) {
    const e = this.entries(ref).get(id);
    if (!e || e.status !== 'in-doubt' || e.resentBy !== by) return false;
    delete e.resentAt;
    delete e.resentBy;
    return true;
  }
  async findBySesMessageId(sesMessageId: string, profileIds: readonly string[]) {
    for (const m of this.log.entries.values()) {
      for (const e of m.values()) {
        if (e.sesMessageId === sesMessageId && profileIds.includes(e.profileId) && e.sentAt !== undefined) {
          return { ref: { deliveryId: e.deliveryId, version: e.version }, recipientId: e.recipientId };
        }
      }
    }
    return null;
  }
  async applyEvent(ref: LogRef, before: LedgerEntry, change: EntryChange) {
    const { status, failureType, failureReason, deliveredAt, sent, track } = change;
    if ([status, failureType, failureReason, deliveredAt, sent, track].every((v) => v === undefined)) {
      throw new RangeError('applyEvent needs a change besides updatedAt');
    }
    const m = this.entries(ref);
    let e = m.get(before.recipientId);
    const hook = this.beforeApply;
    this.beforeApply = null;
    if (hook) {
      hook(e ?? { ...before });
      e = m.get(before.recipientId);
    }
    if (before.status === 'pending') {
      if (e) return null;
      const created: StoredEntry = { ...clone(before) };
      apply(created, change);
      if (sent) created.reconciledAt = change.updatedAt;
      m.set(before.recipientId, created);
      return { before: clone(before), after: asSendingLogEntry(created) };
    }
    if (!e || e.status !== before.status) return null;
    if (sent && e.sesMessageId !== undefined) return null;
    const stored = asSendingLogEntry(e);
    apply(e, change);
    if (sent) e.reconciledAt = change.updatedAt;
    return { before: stored, after: asSendingLogEntry(e) };
  }
}

/** An event's change on a stored entry (the adapter's UpdateItem, in memory). */
const apply = (e: StoredEntry, change: EntryChange): void => {
  const { status, failureType, failureReason, deliveredAt, sent, track } = change;
  if (status !== undefined && e.status === 'failed' && status !== 'failed') {
    delete e.failureType;
    delete e.failureReason;
  }
  if (status !== undefined) e.status = status;
  if (change.clearFailure) {
    delete e.failureType;
    delete e.failureReason;
  }
  if (failureType !== undefined) e.failureType = failureType;
  if (failureReason !== undefined) e.failureReason = failureReason;
  if (deliveredAt !== undefined) e.deliveredAt = deliveredAt;
  if (sent) Object.assign(e, { sesMessageId: sent.sesMessageId, sentAt: sent.at });
  if (track) {
    e.firstOpenAt ??= track.at; // a click implies an open
    if (track.kind === 'open') e.opens = (e.opens ?? 0) + 1;
    else {
      e.clicks = (e.clicks ?? 0) + 1;
      e.firstClickAt ??= track.at;
    }
  }
  e.updatedAt = change.updatedAt;
};
