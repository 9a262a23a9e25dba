/**
 * The starter: one start (or cancel) job per confirm, resume or stop.
 * Start, primary course:
 *  1. drop the job unless the delivery is `sending` at the prepared version;
 *  2. per shard, page through the target pages and enqueue one send job per page with its recipients that have no
 *     entry yet (ids only; on a first start, all of them);
 *  3. checkpoint each shard after each batch of pages, so a retry or a timeout resumes instead of enqueuing twice
 *     (what slips through twice is caught by the page leases and the entries' conditional writes);
 *  4. past its time budget, hand over to a continuation job.
 * The delivery is registered with the sweeper first (shared/use-cases/sweep.ts), which re-drives a start that
 * stalls and settles what a crash leaves in doubt.
 * Cancel: the same walk over a stopped delivery. Each page's lease is taken (a page a sender holds is left to it:
 * it cancels what it has not sent); the recipients of an expired window are made in-doubt, the other pending ones
 * canceled ("Delivery canceled").
 */
import { SHARDS } from '#domain/shards.ts';
import type {
  Clock,
  Counters,
  DeliveryRepository,
  JobQueue,
  LogRef,
  RecipientLedger,
  SendJob,
  StartCheckpoints,
  StartJob,
  SweepRegistry,
  TargetPage,
} from '#ports/index.ts';

/** Target pages read per request (one send job each). */
const PAGES = 10;
/** How long a cancel run holds a page's lease (it makes no SES call). */
const CANCEL_LEASE_MS = 60_000;

export interface StartDeps {
  deliveries: DeliveryRepository;
  ledger: RecipientLedger;
  checkpoints: StartCheckpoints;
  counters: Counters;
  sendQueue: JobQueue<SendJob>;
  /** Where continuation jobs go. */
  startQueue: JobQueue<StartJob>;
  /** A started send is watched by the sweeper until every recipient is accounted for. */
  registry: SweepRegistry;
  clock: Clock;
}

export type StartResult = 'done' | 'continued' | 'dropped';

/** The recipients of a page that have no entry yet. */
const pendingOf = async (ledger: RecipientLedger, ref: LogRef, page: TargetPage) => {
  const entries = await ledger.entriesOf(ref, page);
  return page.targets.filter((t) => !entries.has(t.recipientId));
};

/** Cancels a page's pending recipients under its lease; how many left pending (canceled or made in-doubt). */
const cancelPage = async (deps: StartDeps, ref: LogRef, page: TargetPage, run: string): Promise<number> => {
  const pending = await pendingOf(deps.ledger, ref, page);
  if (pending.length === 0) return 0;
  const now = deps.clock.now();
  const at = now.toISOString();
  const lease = await deps.ledger.acquire(
    ref,
    page,
    { owner: `cancel:${run}`, at, leaseUntil: new Date(now.getTime() + CANCEL_LEASE_MS).toISOString() },
    [],
    now,
  );
  if (!lease.acquired) return 0;
  const suspects = new Set(lease.suspects);
  let settled = 0;
  for (const target of pending) {
    const won = suspects.has(target.recipientId)
      ? await deps.ledger.markInDoubt(ref, target, at)
      : await deps.ledger.cancel(ref, target, at);
    if (won) settled++;
  }
  return settled;
};

export const runStartJob = async (deps: StartDeps, job: StartJob, budgetMs: number): Promise<StartResult> => {
  const startedAt = deps.clock.now().getTime();
  const delivery = await deps.deliveries.get(job.deliveryId);
  const expectedState = job.kind === 'start' ? 'sending' : 'stopped';
  if (delivery?.state !== expectedState || delivery.preparation?.version !== job.version) return 'dropped';
  const ref = { deliveryId: job.deliveryId, version: job.version };
  if (job.kind === 'start') await deps.registry.register(job.deliveryId, deps.clock.now().toISOString());
  for (let shard = 0; shard < SHARDS; shard++) {
    let position = await deps.checkpoints.get(ref, job.run, shard);
    while (!position.done) {
      if (deps.clock.now().getTime() - startedAt > budgetMs) {
        await deps.startQueue.send([job]);
        return 'continued';
      }
      const batch = await deps.ledger.pages(ref, shard, position.after, PAGES);
      if (job.kind === 'start') {
        const jobs: SendJob[] = [];
        for (const page of batch.pages) {
          const pending = await pendingOf(deps.ledger, ref, page);
          if (pending.length > 0) jobs.push({ ...ref, recipientIds: pending.map((t) => t.recipientId) });
        }
        if (jobs.length > 0) await deps.sendQueue.send(jobs);
      } else {
        let settled = 0;
        for (const page of batch.pages) settled += await cancelPage(deps, ref, page, job.run);
        if (settled > 0) await deps.counters.add(job.deliveryId, shard, { settled });
      }
      const last = batch.pages.at(-1)?.id ?? position.after;
      position = { after: batch.last === null ? last : batch.last, done: batch.last === null };
      await deps.checkpoints.put(ref, job.run, shard, position);
    }
  }
  return 'done';
};
