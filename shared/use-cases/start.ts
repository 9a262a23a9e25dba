/**
 * The starter: one start (or cancel) job per confirm, resume or stop.
 * Start, primary course:
 *  1. drop the job unless the delivery is `sending` at the prepared version;
 *  2. per shard, page through the pending recipients and enqueue send jobs of up to 25 ids (ids only);
 *  3. checkpoint each shard after each page, so a retry or a timeout resumes instead of enqueuing twice (what
 *     slips through twice is caught by the senders' claims);
 *  4. past its time budget, hand over to a continuation job.
 * The delivery is registered with the sweeper first (shared/use-cases/sweep.ts), which re-drives a start that
 * stalls and settles what a crash leaves in doubt.
 * Cancel: the same walk over a stopped delivery, marking each pending, unclaimed recipient canceled.
 */
import { SHARDS } from '#domain/shards.ts';
import type {
  Clock,
  Counters,
  DeliveryRepository,
  JobQueue,
  RecipientLedger,
  SendJob,
  StartCheckpoints,
  StartJob,
  SweepRegistry,
} from '#ports/index.ts';

export const RECIPIENTS_PER_SEND_JOB = 25;
const PAGE = 250;

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
      const page = await deps.ledger.listByStatus(ref, shard, 'pending', position.after, PAGE);
      if (job.kind === 'start') {
        const jobs: SendJob[] = [];
        for (let i = 0; i < page.recipientIds.length; i += RECIPIENTS_PER_SEND_JOB) {
          jobs.push({ ...ref, recipientIds: page.recipientIds.slice(i, i + RECIPIENTS_PER_SEND_JOB) });
        }
        if (jobs.length > 0) await deps.sendQueue.send(jobs);
      } else {
        const at = deps.clock.now().toISOString();
        let canceled = 0;
        for (const id of page.recipientIds) if (await deps.ledger.cancel(ref, id, at)) canceled++;
        if (canceled > 0) await deps.counters.add(job.deliveryId, shard, { settled: canceled });
      }
      position = { after: page.last, done: page.last === null };
      await deps.checkpoints.put(ref, job.run, shard, position);
    }
  }
  return 'done';
};
