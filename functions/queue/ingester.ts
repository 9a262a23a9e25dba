/**
 * SES event queue consumer: each record is an SES event (an event publishing record or a feedback notification) in
 * its SNS envelope (raw delivery off), an EventBridge event or bare. A well-formed AWS message that carries nothing
 * to ingest (an EventBridge recommendation, a topic set-up message...) is skipped, logged at info and counted;
 * anything else is refused to the queue's DLQ at once, with the reason logged and kept in the message's attributes:
 * never retried, never a crash loop. The records of a batch are ingested in parallel (their writes are conditional),
 * those of one SES message one after the other in batch order; their first reads of entries and of the quarantine go
 * out together as batch reads (shared/adapters/coalescing.ts). Counter deltas are gathered over the batch and ADDed
 * once per delivery; the reputation guard then judges the batch's bounces and complaints. The longest a record of
 * the batch waited in the queue is noted (`IngestLag`): the sweeper waits it out before resending anyone.
 */
import { coalescingLedger, coalescingQuarantine } from '#adapters/coalescing.ts';
import { InvalidSesEvent } from '#domain/ses-events.ts';
import { type Intake, intake } from '#domain/ses-intake.ts';
import { CounterBatch } from '#use-cases/counter-batch.ts';
import { type IngestDeps, type IngestResult, ingestEnvelope, serialPerKey } from '#use-cases/ingest.ts';
import { applyGuard, GuardTally } from '#use-cases/reputation-guard.ts';
import { ingesterAdapters } from '#functions/lib/adapters.ts';
import { logger, metrics } from '#functions/lib/observability.ts';
import { jsonBody, PoisonMessage, recordConsumer } from '#functions/lib/queue.ts';
import { slots } from '#functions/lib/slots.ts';

const deps = ingesterAdapters();

/** Records ingested at once by one invocation: the whole batch (its first reads go out as one batch read). */
const CONCURRENCY = 100;

interface Invocation {
  /** The adapters, with the records' concurrent reads of entries and quarantine gathered into batch reads. */
  deps: IngestDeps;
  batch: CounterBatch;
  /** The batch's bounces and complaints per delivery, judged by the reputation guard after the counters' flush. */
  guard: GuardTally;
  serial: ReturnType<typeof serialPerKey>;
  bounded: ReturnType<typeof slots>;
  /** Outcomes of the batch, logged once (CloudWatch Logs bill by the byte): each event's line is at DEBUG. */
  outcomes: Record<string, number>;
  /** The longest a record of the batch waited in the events queue (from SQS's SentTimestamp): the sweeper's lag. */
  waitedMs: number;
}

const tallyOne = (invocation: Invocation, key: string) => {
  invocation.outcomes[key] = (invocation.outcomes[key] ?? 0) + 1;
};

export const handler = recordConsumer(
  async (record, _context, invocation: Invocation) => {
    const sentAt = Number(record.attributes.SentTimestamp);
    if (Number.isFinite(sentAt))
      invocation.waitedMs = Math.max(invocation.waitedMs, deps.clock.now().getTime() - sentAt);
    // Synchronous up to the queueing below: records are registered in batch order.
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
      tallyOne(invocation, 'refused');
      return;
    }
    if (sorted.kind === 'skip') {
      logger.info('Skipped: an AWS message with nothing to ingest', {
        messageId: record.messageId,
        reason: sorted.reason,
      });
      metrics.count('SesEventsSkipped', 1, { SkipReason: 'nothing-to-ingest' });
      tallyOne(invocation, 'skipped');
      return;
    }
    const { envelope } = sorted;
    const result: IngestResult = await invocation.serial(envelope.record.mail.messageId, () =>
      invocation.bounded(() =>
        ingestEnvelope({ ...invocation.deps, guard: invocation.guard }, envelope, invocation.batch),
      ),
    );
    for (const r of result.recipients) tallyOne(invocation, `${result.eventType}:${r.outcome}`);
    logger.debug('SES event', { ...result });
  },
  {
    inParallel: true,
    perInvocation: (): Invocation => ({
      deps: {
        ...deps,
        ledger: coalescingLedger(deps.ledger),
        quarantine: coalescingQuarantine(deps.quarantine),
      },
      batch: new CounterBatch(),
      guard: new GuardTally(),
      serial: serialPerKey(),
      bounded: slots(CONCURRENCY),
      outcomes: {},
      waitedMs: 0,
    }),
    // The counters first: the reputation guard reads them (Processed) to judge the batch's bounces and complaints.
    afterBatch: async (invocation) => {
      // The deliveries the batch moved are active: the hourly stats aggregation refreshes them.
      const touched = invocation.batch.deliveryIds();
      await invocation.batch.flush(deps.counters);
      await deps.activity.mark(touched, deps.clock.now());
      // How far behind the ingesters are: an in-doubt recipient's resend waits it out (shared/domain/in-doubt.ts).
      await deps.lag.note(invocation.waitedMs, deps.clock.now());
      logger.info('SES events', invocation.outcomes);
      for (const { deliveryId, verdict } of await applyGuard(deps, invocation.guard))
        logger.warn('Reputation guard paused a delivery', {
          deliveryId,
          rule: verdict.rule,
          reason: verdict.reason,
        });
    },
  },
);
