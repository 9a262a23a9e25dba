import type {
  ExclusionLogEntry,
  LogRef,
  PageLease,
  PageRequest,
  RecipientLogRepository,
  SendingLogEntry,
  Target,
  TargetPage,
} from '#ports/index.ts';
import { SHARDS, shardOf } from '#domain/shards.ts';
import { byKey, clone, paginate, refKey } from './support.ts';

/** The logs' order, as the adapter lists them: shard by shard, and by id within a shard. */
const byShardThenId = (a: string, b: string): number => shardOf(a) - shardOf(b) || byKey(a, b);
/** The adapter's history sort key (byProfile, newest first): sent time, then delivery. */
const historyKey = (e: SendingLogEntry): string => `${e.sentAt}#${e.deliveryId}`;

/** Recipients per page, as the adapter packs them (it also bounds a page's bytes, which these tests never reach). */
export const FAKE_PAGE_RECIPIENTS = 100;

/**
 * A stored entry: the entry, and what the ledger keeps beside it for its own conditions (as the DynamoDB item
 * carries them): who recorded the message id, and when an SES event reconciled the entry.
 */
export type StoredEntry = SendingLogEntry & {
  sentBy?: string;
  reconciledAt?: string;
  resentAt?: string;
  resentBy?: string;
  sendSeenAt?: string;
};

/** A stored entry as the sending log shows it: the ledger's attributes stay inside. */
export const asSendingLogEntry = (stored: StoredEntry): SendingLogEntry => {
  const {
    sentBy: _by,
    reconciledAt: _reconciled,
    resentAt: _resentAt,
    resentBy: _resentBy,
    sendSeenAt: _sendSeenAt,
    ...entry
  } = stored;
  return clone(entry);
};

/** A pending recipient as the sending log shows it: from its page. */
export const pendingView = (ref: LogRef, t: Target, preparedAt: string): SendingLogEntry => ({
  deliveryId: ref.deliveryId,
  version: ref.version,
  recipientId: t.recipientId,
  profileId: t.profileId,
  email: t.email,
  status: 'pending',
  updatedAt: preparedAt,
});

/**
 * A delivery's logs per preparation, as the adapters keep them: target pages per shard (recipients in id order, 50
 * a page, keyed by their first id), the ledger's entries and page leases (FakeLedger writes them), and the
 * exclusion log; listed in the adapter's order.
 */
export class FakeRecipientLog implements RecipientLogRepository {
  /** Per log, per shard: the target pages in id order. */
  readonly pages = new Map<string, Map<number, TargetPage[]>>();
  /** Per log: the recipients' entries (none while pending). */
  readonly entries = new Map<string, Map<string, StoredEntry>>();
  /** Per log: the leases by `<shard>/<page id>`. */
  readonly leases = new Map<string, Map<string, PageLease>>();
  readonly exclusions = new Map<string, Map<string, ExclusionLogEntry>>();

  /** Every recipient of each log as the sending log shows it (entry, or pending), by recipient id. */
  get sending(): Map<string, Map<string, SendingLogEntry>> {
    const out = new Map<string, Map<string, SendingLogEntry>>();
    for (const [key, shards] of this.pages) {
      const [deliveryId, version] = [
        key.slice(0, key.lastIndexOf('#')),
        Number(key.slice(key.lastIndexOf('#') + 1)),
      ];
      const ref = { deliveryId, version };
      const m = new Map<string, SendingLogEntry>();
      for (const pages of shards.values()) {
        for (const page of pages) {
          for (const t of page.targets) {
            const e = this.entries.get(key)?.get(t.recipientId);
            m.set(t.recipientId, e ? asSendingLogEntry(e) : pendingView(ref, t, page.preparedAt));
          }
        }
      }
      out.set(key, m);
    }
    return out;
  }

  async putTargets(ref: LogRef, targets: readonly Target[], at: string) {
    const byShard = new Map<number, Map<string, Target>>();
    for (const t of targets) {
      const shard = shardOf(t.recipientId);
      const m = byShard.get(shard) ?? new Map<string, Target>();
      m.set(t.recipientId, clone(t));
      byShard.set(shard, m);
    }
    const shards = this.pages.get(refKey(ref)) ?? new Map<number, TargetPage[]>();
    for (const [shard, m] of byShard) {
      const sorted = [...m.values()].sort((a, b) => byKey(a.recipientId, b.recipientId));
      const existing = shards.get(shard) ?? [];
      for (let i = 0; i < sorted.length; i += FAKE_PAGE_RECIPIENTS) {
        const chunk = sorted.slice(i, i + FAKE_PAGE_RECIPIENTS);
        const page: TargetPage = { id: chunk[0]!.recipientId, shard, targets: chunk, preparedAt: at };
        const same = existing.findIndex((p) => p.id === page.id);
        if (same >= 0) existing[same] = page;
        else existing.push(page);
      }
      existing.sort((a, b) => byKey(a.id, b.id));
      shards.set(shard, existing);
    }
    this.pages.set(refKey(ref), shards);
  }
  async putExclusions(entries: readonly ExclusionLogEntry[]) {
    for (const e of entries) {
      const m = this.exclusions.get(refKey(e)) ?? new Map();
      m.set(e.profileId, clone(e));
      this.exclusions.set(refKey(e), m);
    }
  }
  /** The pages of a shard (in id order). */
  shardPages(ref: LogRef, shard: number): TargetPage[] {
    return this.pages.get(refKey(ref))?.get(shard) ?? [];
  }
  async listSending(
    ref: LogRef,
    filter: { status?: SendingLogEntry['status'] | undefined },
    page: PageRequest,
  ) {
    const all: SendingLogEntry[] = [];
    for (let shard = 0; shard < SHARDS; shard++) {
      for (const p of this.shardPages(ref, shard)) {
        for (const t of p.targets) {
          const e = this.entries.get(refKey(ref))?.get(t.recipientId);
          all.push(e ? asSendingLogEntry(e) : pendingView(ref, t, p.preparedAt));
        }
      }
    }
    return paginate(
      all
        .filter((e) => !filter.status || e.status === filter.status)
        .sort((a, b) => byShardThenId(a.recipientId, b.recipientId)),
      page,
    );
  }
  async listExclusions(ref: LogRef, page: PageRequest) {
    const all = [...(this.exclusions.get(refKey(ref))?.values() ?? [])].sort((a, b) =>
      byShardThenId(a.profileId, b.profileId),
    );
    return paginate(all.map(clone), page);
  }
  async historyForProfile(profileId: string, page: PageRequest) {
    const all = [...this.entries.values()]
      .flatMap((m) => [...m.values()])
      .filter((e) => e.profileId === profileId && e.sesMessageId && e.sentAt)
      .sort((a, b) => byKey(historyKey(b), historyKey(a)));
    return paginate(all.map(asSendingLogEntry), page);
  }
}
