/**
 * SES event queue consumer: each record is an SES event (an event publishing record or a feedback notification) in
 * its SNS envelope (raw delivery off), an EventBridge event or bare. A well-formed AWS message that carries nothing
 * to ingest (an EventBridge recommendation, a topic set-up message...) is skipped, logged at info and counted;
 * anything else is refused to the queue's DLQ at once, with the reason logged and kept in the message's attributes:
 * never retried, never a crash loop. Counter deltas are gathered over the batch and ADDed once per (delivery, shard).
 */
import { InvalidSesEvent } from '#domain/ses-events.ts';
import { type Intake, intake } from '#domain/ses-intake.ts';
import { CounterBatch } from '#use-cases/counter-batch.ts';
import { ingestEnvelope } from '#use-cases/ingest.ts';
import { applyGuard, GuardTally } from '#use-cases/reputation-guard.ts';
import { ingesterAdapters } from '#functions/lib/adapters.ts';
import { logger, metrics } from '#functions/lib/observability.ts';
import { jsonBody, PoisonMessage, recordConsumer } from '#functions/lib/queue.ts';

const deps = ingesterAdapters();

/** What one invocation did with its records, logged once at its end. */
interface BatchTally {
  counters: CounterBatch;
  /** The batch's bounces and complaints per delivery, judged by the reputation guard after the counters' flush. */
  guard: GuardTally;
  ingested: number;
  skipped: number;
  refused: number;
}

export const handler = recordConsumer(
  async (record, _context, tally: BatchTally) => {
    let sorted: Intake;
    try {
      sorted = intake(jsonBody(record));
    } catch (error) {
      if (!(error instanceof InvalidSesEvent || error instanceof PoisonMessage)) throw error;
      logger.error('Refused: not an SES event; moved to the dead-letter queue', {
        messageId: record.messageId,
        reason: error.message,
      });
      await deps.refused.refuse(record, error.message);
      metrics.count('SesEventsRefused', 1);
      tally.refused += 1;
      return;
    }
    if (sorted.kind === 'skip') {
      logger.info('Skipped: an AWS message with nothing to ingest', {
        messageId: record.messageId,
        reason: sorted.reason,
      });
      metrics.count('SesEventsSkipped', 1, { SkipReason: 'nothing-to-ingest' });
      tally.skipped += 1;
      return;
    }
    const result = await ingestEnvelope({ ...deps, guard: tally.guard }, sorted.envelope, tally.counters);
    tally.ingested += 1;
    logger.info('SES event', { ...result });
  },
  {
    perInvocation: (): BatchTally => ({
      counters: new CounterBatch(),
      guard: new GuardTally(),
      ingested: 0,
      skipped: 0,
      refused: 0,
    }),
    // The counters first: the reputation guard reads them (Processed) to judge the batch's bounces and complaints.
    afterBatch: async ({ counters, guard, ...counts }) => {
      await counters.flush(deps.counters);
      logger.info('SES events batch', counts);
      for (const { deliveryId, verdict } of await applyGuard(deps, guard))
        logger.warn('Reputation guard paused a delivery', {
          deliveryId,
          rule: verdict.rule,
          reason: verdict.reason,
        });
    },
  },
);
