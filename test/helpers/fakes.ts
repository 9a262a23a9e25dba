/**
 * In-memory fakes of the ports, for domain and use-case unit tests only. Adapters are tested against the
 * emulators (test/integration).
 */
import type { Delivery, DeliveryState, Transition } from '../../shared/domain/delivery.ts';
import { conflict, invalid, notFound } from '../../shared/domain/errors.ts';
import {
  isNewer,
  type RealTimeCounts,
  type Snapshot,
  type TrackingCounts,
} from '../../shared/domain/kpis.ts';
import type { Audience, Profile, QuarantineEntry } from '../../shared/domain/profiles.ts';
import type {
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
} from '../../shared/ports/index.ts';
import type { SendStarter } from '../../shared/use-cases/control.ts';

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
}

export class FakeQuarantine implements QuarantineRepository {
  readonly items = new Map<string, QuarantineEntry>();
  async getMany(addresses: readonly string[]) {
    return addresses.flatMap((a) => (this.items.has(a) ? [clone(this.items.get(a)!)] : []));
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
  async start(d: Delivery) {
    this.started.push(d.id);
  }
}

export class RecordingPreparer implements PreparationStarter {
  readonly started: LogRef[] = [];
  async start(ref: LogRef) {
    this.started.push(ref);
  }
}

/** Every fake wired together, as the handlers wire the adapters. */
export const fakeDeps = () => {
  const clock = new FakeClock();
  return {
    clock,
    ids: new SequentialIds(),
    deliveries: new FakeDeliveries(),
    stats: new FakeStats(),
    profiles: new FakeProfiles(),
    audiences: new FakeAudiences(),
    quarantine: new FakeQuarantine(),
    recipientLog: new FakeRecipientLog(),
    scheduler: new RecordingScheduler(),
    sendStarter: new RecordingSendStarter(),
    preparer: new RecordingPreparer(),
  };
};
export type FakeDeps = ReturnType<typeof fakeDeps>;
