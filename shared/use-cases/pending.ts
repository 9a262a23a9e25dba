/**
 * What is still pending in a log: the targets without an entry (docs/data-model.md). The counters say when to look
 * (`settled` against To deliver); these walks of the pages and their entries decide.
 */
import { allShards } from '#domain/shards.ts';
import type { LogRef, RecipientLedger } from '#ports/index.ts';

const PAGES = 100;

/** Whether any target of the log has no entry (stops at the first). */
export const anyPending = async (ledger: RecipientLedger, ref: LogRef): Promise<boolean> => {
  for (const shard of allShards()) {
    let after: string | null = null;
    do {
      const batch: Awaited<ReturnType<RecipientLedger['pages']>> = await ledger.pages(
        ref,
        shard,
        after,
        PAGES,
      );
      for (const page of batch.pages) {
        const entries = await ledger.entriesOf(ref, page);
        if (page.targets.some((t) => !entries.has(t.recipientId))) return true;
      }
      after = batch.last;
    } while (after !== null);
  }
  return false;
};

/**
 * The pending recipients of a log: those of a page whose lease still holds (its sender has them) and the others
 * (waiting for a sender: a stalled send enqueues them again).
 */
export const countPending = async (
  ledger: RecipientLedger,
  ref: LogRef,
  now: Date,
): Promise<{ waiting: number; inFlight: number }> => {
  const count = { waiting: 0, inFlight: 0 };
  for (const shard of allShards()) {
    const leases = await ledger.leases(ref, shard);
    let after: string | null = null;
    do {
      const batch: Awaited<ReturnType<RecipientLedger['pages']>> = await ledger.pages(
        ref,
        shard,
        after,
        PAGES,
      );
      for (const page of batch.pages) {
        const entries = await ledger.entriesOf(ref, page);
        const lease = leases.get(page.id);
        const held = lease !== undefined && Date.parse(lease.leaseUntil) > now.getTime();
        const pending = page.targets.filter((t) => !entries.has(t.recipientId)).length;
        if (held) count.inFlight += pending;
        else count.waiting += pending;
      }
      after = batch.last;
    } while (after !== null);
  }
  return count;
};
