/**
 * SES event queue consumer: each record is an SES event in its SNS envelope (raw delivery off), an EventBridge
 * event or a bare record. Anything else is refused to the queue's DLQ at once, with the reason logged and kept
 * in the message's attributes: never retried, never a crash loop. Counter deltas are gathered over the batch and
 * ADDed once per (delivery, shard).
 */
import { InvalidSesEvent, openEnvelope } from '#domain/ses-events.ts';
import { CounterBatch } from '#use-cases/counter-batch.ts';
import { ingestEnvelope } from '#use-cases/ingest.ts';
import { applyGuard, GuardTally } from '#use-cases/reputation-guard.ts';
import { ingesterAdapters } from '#functions/lib/adapters.ts';
import { logger, metrics } from '#functions/lib/observability.ts';
import { jsonBody, PoisonMessage, recordConsumer } from '#functions/lib/queue.ts';

const deps = ingesterAdapters();

export const handler = recordConsumer(
  async (record, _context, { batch, guard }: { batch: CounterBatch; guard: GuardTally }) => {
    let envelope: ReturnType<typeof openEnvelope>;
    try {
      envelope = openEnvelope(jsonBody(record));
    } catch (error) {
      if (!(error instanceof InvalidSesEvent || error instanceof PoisonMessage)) throw error;
      logger.error('Refused: not an SES event; moved to the dead-letter queue', {
        messageId: record.messageId,
        reason: error.message,
      });
      await deps.refused.refuse(record, error.message);
      metrics.count('SesEventsRefused', 1);
      return;
    }
    const result = await ingestEnvelope({ ...deps, guard }, envelope, batch);
    logger.info('SES event', { ...result });
  },
  {
    perInvocation: () => ({ batch: new CounterBatch(), guard: new GuardTally() }),
    // The counters first: the reputation guard reads them (Processed) to judge the batch's bounces and complaints.
    afterBatch: async ({ batch, guard }) => {
      await batch.flush(deps.counters);
      for (const { deliveryId, verdict } of await applyGuard(deps, guard))
        logger.warn('Reputation guard paused a delivery', {
          deliveryId,
          rule: verdict.rule,
          reason: verdict.reason,
        });
    },
  },
);
