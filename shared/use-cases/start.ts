/**
 * The starter: one start (or cancel) job per confirm, resume or stop.
 * Start, primary course:
 *  1. drop the job unless the delivery is `sending` at the prepared version;
 *  2. page through the target pages of every shard in turn (a batch of each shard a round) and enqueue one send job
 *     per page with its recipients that have no entry yet (ids only; on a first start, all of them), the shards'
 *     jobs interleaved so that the senders write into every log shard at once;
 *  3. checkpoint each shard after each round, so a retry or a timeout resumes instead of enqueuing twice
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
  const positions = await Promise.all(
    Array.from({ length: SHARDS }, (_, shard) => deps.checkpoints.get(ref, job.run, shard)),
  );
  // A batch of pages of every shard in turn, their send jobs interleaved (a page of each shard, then the next of
  // each): senders take jobs in about queue order, so they write into all the log shards at once instead of one
  // shard's partition after another (docs/data-model.md, "Hot keys").
  while (positions.some((p) => !p.done)) {
    if (deps.clock.now().getTime() - startedAt > budgetMs) {
      await deps.startQueue.send([job]);
      return 'continued';
    }
    const round: Array<{
      shard: number;
      pages: TargetPage[];
      next: { after: string | null; done: boolean };
    }> = [];
    for (let shard = 0; shard < SHARDS; shard++) {
      const position = positions[shard]!;
      if (position.done) continue;
      const batch = await deps.ledger.pages(ref, shard, position.after, PAGES);
      const last = batch.pages.at(-1)?.id ?? position.after;
      round.push({
        shard,
        pages: batch.pages,
        next: { after: batch.last === null ? last : batch.last, done: batch.last === null },
      });
    }
    if (job.kind === 'start') {
      const perShard: SendJob[][] = [];
      for (const { pages } of round) {
        const jobs: SendJob[] = [];
        for (const page of pages) {
          const pending = await pendingOf(deps.ledger, ref, page);
          if (pending.length > 0) jobs.push({ ...ref, recipientIds: pending.map((t) => t.recipientId) });
        }
        perShard.push(jobs);
      }
      const interleaved: SendJob[] = [];
      for (let i = 0; perShard.some((jobs) => i < jobs.length); i++) {
        for (const jobs of perShard) if (i < jobs.length) interleaved.push(jobs[i]!);
      }
      if (interleaved.length > 0) await deps.sendQueue.send(interleaved);
    } else {
      for (const { shard, pages } of round) {
        let settled = 0;
        for (const page of pages) settled += await cancelPage(deps, ref, page, job.run);
        if (settled > 0) await deps.counters.add(job.deliveryId, shard, { settled });
      }
    }
    for (const { shard, next } of round) {
      await deps.checkpoints.put(ref, job.run, shard, next);
      positions[shard] = next;
    }
  }
  return 'done';
};
