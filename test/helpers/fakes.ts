/**
 * In-memory fakes of the ports, for domain and use-case unit tests only. Adapters are tested against the
 * emulators (test/integration).
 */
import type { Delivery, DeliveryState, Transition } from '#domain/delivery.ts';
import { conflict, invalid, notFound } from '#domain/errors.ts';
import { isNewer, type RealTimeCounts, type Snapshot, type TrackingCounts } from '#domain/kpis.ts';
import { type Audience, normalizeAddress, type Profile, type QuarantineEntry } from '#domain/profiles.ts';
import { shardOf } from '#domain/shards.ts';
import type { FailureType, RecipientStatus } from '#domain/kpis.ts';
import type {
  Claim,
  CounterName,
  Counters,
  EmailSender,
  JobQueue,
  LedgerEntry,
  OutgoingEmail,
  PreparationCheckpoints,
  PreparationState,
  PrepareJob,
  RecipientLedger,
  SendingAccount,
  SendingQuota,
  SendJob,
  SendOutcome,
  StartCheckpoints,
  StartJob,
  AudienceRepository,
  Clock,
  DeliveryRepository,
  DeliveryScheduler,
  ExclusionLogEntry,
  IdGenerator,
  LogRef,
  Page,
  PageRequest,
  PreparationStarter,
  ProfileInput,
  ProfileRepository,
  QuarantineRepository,
  RecipientLogRepository,
  SendingLogEntry,
  StatsRepository,
  EntryChange,
  RawSesEvent,
  SesEventStore,
  SweepEntry,
  SweepRegistry,
  TrackingLog,
  TrackingLogEntry,
} from '#ports/index.ts';
import type { SendStarter } from '#use-cases/control.ts';

const paginate = <T>(all: T[], page: PageRequest): Page<T> => {
  const start = page.cursor ? Number(page.cursor) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw invalid('The cursor is not valid.', [{ field: 'cursor', message: 'unknown cursor' }]);
  const limit = page.limit ?? 50;
  const items = all.slice(start, start + limit);
  return { items, nextCursor: start + limit < all.length ? String(start + limit) : null };
};

const clone = <T>(value: T): T => structuredClone(value);

export class FakeClock implements Clock {
  current: Date;
  constructor(start = new Date('2026-11-22T10:00:00Z')) {
    this.current = start;
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export class SequentialIds implements IdGenerator {
  private n = 0;
  private readonly prefix: string;
  constructor(prefix = 'id') {
    this.prefix = prefix;
  }
  next(): string {
    this.n += 1;
    return `${this.prefix}-${this.n}`;
  }
}

export class FakeDeliveries implements DeliveryRepository {
  readonly items = new Map<string, Delivery>();
  async get(id: string) {
    const d = this.items.get(id);
    return d ? clone(d) : null;
  }
  async create(delivery: Delivery) {
    if (this.items.has(delivery.id))
      throw conflict('The delivery exists.', { state: this.items.get(delivery.id)!.state });
    this.items.set(delivery.id, clone(delivery));
  }
  async apply(t: Transition) {
    const stored = this.items.get(t.next.id);
    if (!stored) throw notFound('Delivery', t.next.id);
    if (stored.state !== t.expected.state || stored.version !== t.expected.version) {
      throw conflict(`The delivery is ${stored.state}.`, { state: stored.state, version: stored.version });
    }
    this.items.set(t.next.id, clone(t.next));
    return clone(t.next);
  }
  async list(
    filter: { state?: DeliveryState | undefined; parentId?: string | undefined },
    page: PageRequest,
  ) {
    const all = [...this.items.values()]
      .filter((d) => (filter.parentId ? d.parentId === filter.parentId : !d.parentId))
      .filter((d) => !filter.state || d.state === filter.state)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return paginate(all.map(clone), page);
  }
}

export class FakeStats implements StatsRepository {
  readonly realTime = new Map<string, Snapshot<RealTimeCounts>>();
  readonly tracking = new Map<string, Snapshot<TrackingCounts>>();
  async get(id: string) {
    return { realTime: this.realTime.get(id) ?? null, tracking: this.tracking.get(id) ?? null };
  }
  async putRealTime(id: string, s: Snapshot<RealTimeCounts>) {
    if (!isNewer(s.computedAt, this.realTime.get(id)?.computedAt)) return false;
    this.realTime.set(id, s);
    return true;
  }
  async putTracking(id: string, s: Snapshot<TrackingCounts>) {
    if (!isNewer(s.computedAt, this.tracking.get(id)?.computedAt)) return false;
    this.tracking.set(id, s);
    return true;
  }
}

export class FakeProfiles implements ProfileRepository {
  readonly items = new Map<string, Profile>();
  async upsertMany(profiles: Array<ProfileInput & { id: string }>, now: Date) {
    return profiles.map((input) => {
      const current: Profile = this.items.get(input.id) ?? {
        id: input.id,
        optOut: false,
        updatedAt: now.toISOString(),
      };
      const next: Record<string, unknown> = { ...current, updatedAt: now.toISOString() };
      for (const [k, v] of Object.entries(input)) {
        if (v === null) delete next[k];
        else if (v !== undefined) next[k] = v;
      }
      this.items.set(input.id, next as unknown as Profile);
      return clone(next as unknown as Profile);
    });
  }
  async get(id: string) {
    const p = this.items.get(id);
    return p ? clone(p) : null;
  }
  async getMany(ids: readonly string[]) {
    return ids.flatMap((id) => (this.items.has(id) ? [clone(this.items.get(id)!)] : []));
  }
  readonly optOutSources = new Map<string, { deliveryId: string; sesMessageId: string; at: string }>();
  async optOut(profileId: string, source: { deliveryId: string; sesMessageId: string }, at: string) {
    const p = this.items.get(profileId);
    if (!p || p.optOut) return false;
    p.optOut = true;
    p.updatedAt = at;
    this.optOutSources.set(profileId, { ...source, at });
    return true;
  }
}

export class FakeAudiences implements AudienceRepository {
  readonly items = new Map<string, Audience>();
  readonly members = new Map<string, string[]>();
  async create(a: Audience) {
    this.items.set(a.id, clone(a));
    this.members.set(a.id, []);
  }
  async get(id: string) {
    const a = this.items.get(id);
    return a ? clone(a) : null;
  }
  async addMembers(id: string, profileIds: readonly string[]) {
    const list = this.members.get(id)!;
    const fresh = profileIds.filter((p) => !list.includes(p));
    list.push(...fresh);
    this.items.get(id)!.memberCount += fresh.length;
    return fresh.length;
  }
  async listMembers(id: string, page: PageRequest) {
    return paginate([...(this.members.get(id) ?? [])], page);
  }
  async listMemberShard(id: string, shard: number, after: string | null, limit: number) {
    const all = (this.members.get(id) ?? []).filter((p) => shardOf(p) === shard).sort();
    const rest = after === null ? all : all.filter((p) => p > after);
    const profileIds = rest.slice(0, limit);
    return { profileIds, last: rest.length > limit ? profileIds.at(-1)! : null };
  }
}

export class FakeQuarantine implements QuarantineRepository {
  readonly items = new Map<string, QuarantineEntry>();
  writes = 0;
  async getMany(addresses: readonly string[]) {
    return addresses.flatMap((a) => (this.items.has(a) ? [clone(this.items.get(a)!)] : []));
  }
  async update(address: string, next: (current: QuarantineEntry | null) => QuarantineEntry | null) {
    const key = normalizeAddress(address);
    const current = this.items.has(key) ? clone(this.items.get(key)!) : null;
    const after = next(current);
    if (JSON.stringify(after) === JSON.stringify(current)) return current;
    this.writes++;
    if (after) this.items.set(key, clone(after));
    else this.items.delete(key);
    return after;
  }
}

const refKey = (r: LogRef): string => `${r.deliveryId}#${r.version}`;

export class FakeRecipientLog implements RecipientLogRepository {
  readonly sending = new Map<string, Map<string, SendingLogEntry>>();
  readonly exclusions = new Map<string, Map<string, ExclusionLogEntry>>();
  async putTargets(entries: readonly SendingLogEntry[]) {
    for (const e of entries) {
      const m = this.sending.get(refKey(e)) ?? new Map();
      m.set(e.recipientId, clone(e));
      this.sending.set(refKey(e), m);
    }
  }
  async putExclusions(entries: readonly ExclusionLogEntry[]) {
    for (const e of entries) {
      const m = this.exclusions.get(refKey(e)) ?? new Map();
      m.set(e.profileId, clone(e));
      this.exclusions.set(refKey(e), m);
    }
  }
  async listSending(
    ref: LogRef,
    filter: { status?: SendingLogEntry['status'] | undefined },
    page: PageRequest,
  ) {
    const all = [...(this.sending.get(refKey(ref))?.values() ?? [])].filter(
      (e) => !filter.status || e.status === filter.status,
    );
    return paginate(all.map(clone), page);
  }
  async listExclusions(ref: LogRef, page: PageRequest) {
    return paginate([...(this.exclusions.get(refKey(ref))?.values() ?? [])].map(clone), page);
  }
  async historyForProfile(profileId: string, page: PageRequest) {
    const all = [...this.sending.values()]
      .flatMap((m) => [...m.values()])
      .filter((e) => e.profileId === profileId && e.sentAt)
      .sort((a, b) => b.sentAt!.localeCompare(a.sentAt!));
    return paginate(all.map(clone), page);
  }
}

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

const COUNTERS: CounterName[] = [
  'sent',
  'processed',
  'delivered',
  'bouncesAndErrors',
  'settled',
  'opens',
  'uniqueOpens',
  'clicks',
  'uniqueClicks',
];

export class FakeCounters implements Counters {
  readonly shards = new Map<string, Partial<Record<CounterName, number>>>();
  async add(deliveryId: string, shard: number, deltas: Partial<Record<CounterName, number>>) {
    const key = `${deliveryId}#${shard}`;
    const current = this.shards.get(key) ?? {};
    for (const [k, v] of Object.entries(deltas) as Array<[CounterName, number]>)
      current[k] = (current[k] ?? 0) + v;
    this.shards.set(key, current);
  }
  async adjust(deliveryId: string, deltas: Partial<Record<CounterName, number>>) {
    await this.add(deliveryId, -1, deltas);
  }
  async read(deliveryId: string) {
    const total = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<CounterName, number>;
    for (const [key, values] of this.shards) {
      if (!key.startsWith(`${deliveryId}#`)) continue;
      for (const c of COUNTERS) total[c] += values[c] ?? 0;
    }
    return total;
  }
}

export class FakeStartCheckpoints implements StartCheckpoints {
  readonly items = new Map<string, { after: string | null; done: boolean }>();
  async get(ref: LogRef, run: string, shard: number) {
    return clone(this.items.get(`${refKey(ref)}#${run}#${shard}`) ?? { after: null, done: false });
  }
  async put(ref: LogRef, run: string, shard: number, position: { after: string | null; done: boolean }) {
    this.items.set(`${refKey(ref)}#${run}#${shard}`, clone(position));
  }
}

export class FakePreparationCheckpoints implements PreparationCheckpoints {
  readonly items = new Map<string, PreparationState>();
  async get(ref: LogRef) {
    const s = this.items.get(refKey(ref));
    return s ? clone(s) : null;
  }
  async put(ref: LogRef, state: PreparationState) {
    this.items.set(refKey(ref), clone(state));
  }
}

export class RecordingQueue<T> implements JobQueue<T> {
  readonly sent: T[] = [];
  async send(jobs: readonly T[]) {
    this.sent.push(...clone(jobs as T[]));
  }
  /** Takes every job sent so far (as a consumer would). */
  drain(): T[] {
    return this.sent.splice(0, this.sent.length);
  }
}

/** An SES stand-in that accepts by default; `script` outcomes are used first, in order. */
export class ScriptedEmailSender implements EmailSender {
  readonly sent: OutgoingEmail[] = [];
  readonly script: SendOutcome[] = [];
  private n = 0;
  async send(email: OutgoingEmail): Promise<SendOutcome> {
    const next = this.script.shift();
    if (next && next.kind !== 'accepted') return next;
    this.sent.push(clone(email));
    this.n += 1;
    return next ?? { kind: 'accepted', messageId: `ses-${this.n}` };
  }
}

export class FakeAccount implements SendingAccount {
  quotaValue: SendingQuota = { max24HourSend: 1_000_000, sentLast24Hours: 0, maxSendRate: 100 };
  async quota() {
    return { ...this.quotaValue };
  }
}

export class RecordingScheduler implements DeliveryScheduler {
  readonly armed: string[] = [];
  readonly disarmed: string[] = [];
  async arm(d: Delivery) {
    this.armed.push(d.id);
  }
  async disarm(id: string) {
    this.disarmed.push(id);
  }
}

export class RecordingSendStarter implements SendStarter {
  readonly started: string[] = [];
  readonly canceled: string[] = [];
  async start(d: Delivery) {
    this.started.push(d.id);
  }
  async cancel(d: Delivery) {
    this.canceled.push(d.id);
  }
}

export class RecordingPreparer implements PreparationStarter {
  readonly started: LogRef[] = [];
  async start(ref: LogRef) {
    this.started.push(ref);
  }
}

/** Raw events and outcome markers, in memory. */
export class FakeEventStore implements SesEventStore {
  readonly raw = new Map<string, { eventType: string; expiresAt: number }>();
  readonly outcomes = new Set<string>();
  async hasRaw(sesMessageId: string, envelopeId: string) {
    return this.raw.has(`${sesMessageId}/${envelopeId}`);
  }
  async putRaw(e: RawSesEvent) {
    const key = `${e.sesMessageId}/${e.envelopeId}`;
    if (this.raw.has(key)) return false;
    this.raw.set(key, { eventType: e.eventType, expiresAt: e.expiresAt });
    return true;
  }
  async hasOutcome(sesMessageId: string, eventType: string, address: string) {
    return this.outcomes.has(`${sesMessageId}#${eventType}#${normalizeAddress(address)}`);
  }
  async putOutcome(sesMessageId: string, eventType: string, address: string) {
    this.outcomes.add(`${sesMessageId}#${eventType}#${normalizeAddress(address)}`);
  }
}

export class FakeTrackingLog implements TrackingLog {
  readonly entries = new Map<string, TrackingLogEntry>();
  async append(entry: TrackingLogEntry) {
    const key = `${entry.deliveryId}#${entry.recipientId}#${entry.at}#${entry.eventId}`;
    if (this.entries.has(key)) return false;
    this.entries.set(key, clone(entry));
    return true;
  }
  async list(deliveryId: string, filter: { type?: TrackingLogEntry['type'] | undefined }, page: PageRequest) {
    const all = [...this.entries.values()]
      .filter((e) => e.deliveryId === deliveryId && (!filter.type || e.type === filter.type))
      .sort((a, b) => a.at.localeCompare(b.at));
    return paginate(all.map(clone), page);
  }
}

export class FakeSweepRegistry implements SweepRegistry {
  readonly entries = new Map<string, SweepEntry>();
  async register(deliveryId: string, at: string) {
    if (!this.entries.has(deliveryId)) this.entries.set(deliveryId, { deliveryId, registeredAt: at });
  }
  async list(page: PageRequest) {
    return paginate([...this.entries.values()].map(clone), page);
  }
  async update(deliveryId: string, state: { settled: number; sweptAt: string }) {
    const e = this.entries.get(deliveryId);
    if (e) Object.assign(e, state);
  }
  async remove(deliveryId: string) {
    this.entries.delete(deliveryId);
  }
}

/** Every fake wired together, as the handlers wire the adapters. */
export const fakeDeps = () => {
  const clock = new FakeClock();
  const recipientLog = new FakeRecipientLog();
  return {
    clock,
    ids: new SequentialIds(),
    deliveries: new FakeDeliveries(),
    stats: new FakeStats(),
    counters: new FakeCounters(),
    profiles: new FakeProfiles(),
    audiences: new FakeAudiences(),
    quarantine: new FakeQuarantine(),
    recipientLog,
    ledger: new FakeLedger(recipientLog),
    checkpoints: new FakePreparationCheckpoints(),
    startCheckpoints: new FakeStartCheckpoints(),
    queue: new RecordingQueue<PrepareJob>(),
    sendQueue: new RecordingQueue<SendJob>(),
    startQueue: new RecordingQueue<StartJob>(),
    email: new ScriptedEmailSender(),
    account: new FakeAccount(),
    scheduler: new RecordingScheduler(),
    sendStarter: new RecordingSendStarter(),
    preparer: new RecordingPreparer(),
    events: new FakeEventStore(),
    tracking: new FakeTrackingLog(),
    registry: new FakeSweepRegistry(),
  };
};
export type FakeDeps = ReturnType<typeof fakeDeps>;
