import type {
  ExclusionLogEntry,
  LogRef,
  PageRequest,
  RecipientLogRepository,
  SendingLogEntry,
} from '#ports/index.ts';
import { shardOf } from '#domain/shards.ts';
import { byKey, clone, paginate, refKey } from './support.ts';

/** The logs' order, as the adapter lists them: shard by shard, and by id within a shard. */
const byShardThenId = (a: string, b: string): number => shardOf(a) - shardOf(b) || byKey(a, b);
/** The adapter's history sort key (byProfile, newest first): sent time, then delivery. */
const historyKey = (e: SendingLogEntry): string => `${e.sentAt}#${e.deliveryId}`;

/**
 * A stored sending-log entry: the entry, and what the ledger keeps beside it for its own conditions (as the
 * DynamoDB item carries them): the claim, its owner and time kept once it is spent, and when an SES event
 * reconciled the entry.
 */
export type StoredEntry = SendingLogEntry & {
  claimOwner?: string;
  claimedAt?: string;
  leaseUntil?: string;
  reconciledAt?: string;
};

/** A stored entry as the sending log shows it: the ledger's attributes stay inside. */
export const asSendingLogEntry = (stored: StoredEntry): SendingLogEntry => {
  const {
    claimOwner: _owner,
    claimedAt: _at,
    leaseUntil: _lease,
    reconciledAt: _reconciled,
    ...entry
  } = stored;
  return clone(entry);
};

/** A delivery's sending and exclusion logs per preparation, listed in the adapter's order. */
export class FakeRecipientLog implements RecipientLogRepository {
  readonly sending = new Map<string, Map<string, StoredEntry>>();
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
    const all = [...(this.sending.get(refKey(ref))?.values() ?? [])]
      .filter((e) => !filter.status || e.status === filter.status)
      .sort((a, b) => byShardThenId(a.recipientId, b.recipientId));
    return paginate(all.map(asSendingLogEntry), page);
  }
  async listExclusions(ref: LogRef, page: PageRequest) {
    const all = [...(this.exclusions.get(refKey(ref))?.values() ?? [])].sort((a, b) =>
      byShardThenId(a.profileId, b.profileId),
    );
    return paginate(all.map(clone), page);
  }
  async historyForProfile(profileId: string, page: PageRequest) {
    const all = [...this.sending.values()]
      .flatMap((m) => [...m.values()])
      .filter((e) => e.profileId === profileId && e.sentAt)
      .sort((a, b) => byKey(historyKey(b), historyKey(a)));
    return paginate(all.map(asSendingLogEntry), page);
  }
}
