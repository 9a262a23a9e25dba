/**
 * Send queue consumer: the jobs of a batch (one target page each) run in parallel under one pacer and one bound on
 * SES calls in flight per invocation, so that all senders together (the event source's maximum concurrency) stay
 * under a fraction of the SES account's max send rate, and an invocation keeps enough calls in flight to hold its
 * pace through SES's latency (shared/domain/sending.ts). As each job ends, its worker takes the next send job from
 * the send queue itself and runs it under the same pacer, bound and tally, while the invocation has time for a
 * whole job (the longest it ran so far, with headroom, at least 30 s): a sender's pace does not drain between
 * batches, and the last pages of a send go to whichever sender is free.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createPacer, inFlightFor, senderRate } from '#domain/sending.ts';
import { sendJobSchema } from '#ports/index.ts';
import { CounterBatch } from '#use-cases/counter-batch.ts';
import { finishIfSettled, sendJob } from '#use-cases/send.ts';
import { senderAdapters } from '#functions/lib/adapters.ts';
import { pacingFromEnv } from '#functions/lib/config.ts';
import { logger, metrics } from '#functions/lib/observability.ts';
import { queueConsumer, timeForAnotherJob } from '#functions/lib/queue.ts';
import { slots } from '#functions/lib/slots.ts';

const deps = senderAdapters();
const pacing = pacingFromEnv();

/**
 * What the jobs of one invocation share. In Lambda one execution environment runs one invocation at a time, so
 * each concurrent invocation paces itself at its share of the rate; the local runtime runs several invocations in
 * one process, which is why these belong to the invocation, not to the module. The quota read is cached.
 */
interface Invocation {
  ready: Promise<{ pacer: ReturnType<typeof createPacer>; inFlight: ReturnType<typeof slots> }>;
  tally: CounterBatch;
  /** Deliveries whose jobs ran to their end: finished once the counters are flushed, if nothing is pending. */
  done: Set<string>;
  /** What the jobs did, logged once per invocation (`continued`: the jobs taken from the queue by the invocation). */
  totals: Record<'jobs' | 'continued' | 'sent' | 'failed' | 'inDoubt' | 'canceled' | 'skipped', number>;
  /** The longest a job of this invocation took, ended or failed: the time another one needs. */
  longestJobMs: number;
}

const startInvocation = (): Invocation => ({
  ready: (async () => {
    const quota = await deps.account.quota();
    const rate = senderRate(quota.maxSendRate, pacing.fraction, pacing.concurrency, pacing.limit);
    // The target of all senders together (each paces at rate / maxConcurrency), beside EmailsSent on the dashboard.
    metrics.gauge('SendRateTarget', rate * pacing.concurrency);
    if (rate < 2) {
      logger.warn('The send rate share of each sender is below 2 a second: pacing holds on average only', {
        maxSendRate: quota.maxSendRate,
        concurrency: pacing.concurrency,
      });
    }
    return {
      pacer: createPacer(
        rate,
        () => Date.now(),
        (ms) => sleep(ms),
      ),
      inFlight: slots(inFlightFor(rate)),
    };
  })(),
  tally: new CounterBatch(),
  done: new Set(),
  totals: { jobs: 0, continued: 0, sent: 0, failed: 0, inDoubt: 0, canceled: 0, skipped: 0 },
  longestJobMs: 0,
});

export const handler = queueConsumer(
  sendJobSchema,
  async (job, context, message, invocation: Invocation) => {
    const { pacer, inFlight } = await invocation.ready;
    const started = Date.now();
    let report;
    try {
      report = await sendJob(
        {
          ...deps,
          pacer,
          inFlight,
          tally: invocation.tally,
          sleep: (ms) => sleep(ms),
          random: Math.random,
          // Unique per run: the same message taken twice in one invocation is two senders of its page.
          owner: `${context.awsRequestId}/${message.runId}`,
          remainingMs: () => context.getRemainingTimeInMillis(),
          ...(pacing.leaseMs === undefined ? {} : { leaseMs: pacing.leaseMs }),
        },
        job,
      );
    } finally {
      invocation.longestJobMs = Math.max(invocation.longestJobMs, Date.now() - started);
    }
    if (report.outcome === 'done') invocation.done.add(job.deliveryId);
    const t = invocation.totals;
    t.jobs += 1;
    if (message.continued) t.continued += 1;
    t.sent += report.sent;
    t.failed += report.failed;
    t.inDoubt += report.inDoubt;
    t.canceled += report.canceled;
    t.skipped += report.skipped;
    logger.debug('Send job', { deliveryId: job.deliveryId, recipients: job.recipientIds.length, ...report });
    return report;
  },
  {
    inParallel: true,
    perInvocation: startInvocation,
    more: {
      source: deps.sendJobSource,
      while: (context, invocation) =>
        timeForAnotherJob(context.getRemainingTimeInMillis(), invocation.longestJobMs),
    },
    afterBatch: async (invocation) => {
      await invocation.tally.flush(deps.counters);
      for (const deliveryId of invocation.done) await finishIfSettled(deps, deliveryId);
      // One line per invocation (CloudWatch Logs bill by the byte): the jobs' lines are at DEBUG.
      logger.info('Send jobs', invocation.totals);
    },
  },
);
