import type {
  ExclusionLogEntry,
  LogRef,
  PageRequest,
  RecipientLogRepository,
  SendingLogEntry,
} from '#ports/index.ts';
import { clone, paginate, refKey } from './support.ts';

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
    const all = [...(this.sending.get(refKey(ref))?.values() ?? [])].filter(
      (e) => !filter.status || e.status === filter.status,
    );
    return paginate(all.map(asSendingLogEntry), page);
  }
  async listExclusions(ref: LogRef, page: PageRequest) {
    return paginate([...(this.exclusions.get(refKey(ref))?.values() ?? [])].map(clone), page);
  }
  async historyForProfile(profileId: string, page: PageRequest) {
    const all = [...this.sending.values()]
      .flatMap((m) => [...m.values()])
      .filter((e) => e.profileId === profileId && e.sentAt)
      .sort((a, b) => b.sentAt!.localeCompare(a.sentAt!));
    return paginate(all.map(asSendingLogEntry), page);
  }
}
