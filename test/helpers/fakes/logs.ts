import type {
  ExclusionLogEntry,
  LogRef,
  PageRequest,
  RecipientLogRepository,
  SendingLogEntry,
} from '#ports/index.ts';
import { clone, paginate, refKey } from './support.ts';

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
