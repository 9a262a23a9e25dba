/**
 * SES event ingestion (DESIGN section 5, "Events"): what one event record does to the sending log, the tracking
 * log, the address quarantine, the profile and the delivery's counters.
 *
 * Primary course, per envelope (an SNS notification, an EventBridge event or a bare record), per recipient the
 * event names:
 *  1. find its sending-log entry by the message tags (delivery, version, recipient), else (a feedback notification)
 *     by the SES message id in the history of the profiles with the recipient's address;
 *     a recipient without an entry is pending (from its target page); an event for no known recipient is logged
 *     and skipped;
 *  2. compute the change with the domain's `changeFor` from the status read, and write it conditionally on what
 *     was read (a lost race re-reads, consistently, and recomputes); the counters move by the recipient's
 *     contribution after minus before;
 *  3. opens and clicks are appended to the tracking log (conditionally: a redelivered event is not counted twice);
 *  4. bounces quarantine the address, complaints denylist it, a delivery releases an erroneous one; a list
 *     unsubscribe opts the profile out. These effects are guarded by an outcome marker
 *     (`messageId#eventType#recipient`), so the same outcome in another envelope applies once.
 * No raw event is stored: every write is idempotent or conditional, so an exact duplicate changes nothing and a
 * redelivery after a crash completes the work without doubling it (docs/data-model.md).
 */
import type { RecipientFacts } from '#domain/kpis.ts';
import { contributionDelta } from '#domain/kpis.ts';
import { normalizeAddress } from '#domain/profiles.ts';
import { type AddressEvent, nextQuarantine } from '#domain/quarantine.ts';
import {
  changeFor,
  type Envelope,
  GUARDED_KINDS,
  type LedgerChange,
  type RecipientEvent,
  recipientEvents,
  statusForEvents,
} from '#domain/ses-events.ts';
import type {
  Clock,
  Counters,
  EntryChange,
  LedgerEntry,
  LogRef,
  ProfileRepository,
  QuarantineRepository,
  RecipientLedger,
  SesEventStore,
  TrackingLog,
  TrackingLogEntry,
} from '#ports/index.ts';
import type { Metrics } from '#ports/metrics.ts';
import type { CounterBatch } from './counter-batch.ts';
import { engagementOf } from './engagement.ts';
import { type ProofLogDeps, proofEventTarget, recordProofEvent } from './proofs.ts';
import type { GuardTally } from './reputation-guard.ts';

/** Raw events, outcome markers and tracking entries expire 90 days after the event: the 60-day window of late opens and clicks, plus margin. */
export const EVENT_RETENTION_DAYS = 90;

export interface IngestDeps {
  events: SesEventStore;
  ledger: RecipientLedger;
  tracking: TrackingLog;
  quarantine: QuarantineRepository;
  profiles: ProfileRepository;
  counters: Counters;
  clock: Clock;
  /** SesEvents, SesEventsSkipped, RecipientsFailed, InDoubtReconciled (shared/ports/metrics.ts). */
  metrics?: Metrics;
  /** The proofs' log: events of a proof (tagged `proof`) go there, never to a recipient. */
  proofs?: ProofLogDeps['proofs'];
  /** The reputation guard's tally of the batch: hard bounces and complaints per delivery. */
  guard?: GuardTally;
}

/** What happened to one recipient of an event. */
export type RecipientOutcome =
  'applied' | 'unchanged' | 'unattributed' | 'not-this-message' | 'duplicate-outcome';

export interface IngestResult {
  envelopeId: string;
  eventType: string;
  /** `event` (event publishing) or `notification` (an identity's feedback notification). */
  format: Envelope['format'];
  sesMessageId: string;
  recipients: Array<{ recipientId: string | null; outcome: RecipientOutcome }>;
}

const MAX_RACES = 5;

const facts = (e: LedgerEntry): RecipientFacts => ({
  status: e.status,
  hasMessageId: !!e.sesMessageId,
  opens: e.opens ?? 0,
  clicks: e.clicks ?? 0,
});

const expiry = (at: string, now: Date): number => {
  const base = Number.isNaN(Date.parse(at)) ? now.getTime() : Date.parse(at);
  return Math.floor(base / 1000) + EVENT_RETENTION_DAYS * 24 * 60 * 60;
};

/** The ledger write a change asks for, or null when it asks for none. */
const entryChange = (
  entry: LedgerEntry,
  event: RecipientEvent,
  change: LedgerChange,
  now: string,
  countTrack: boolean,
): EntryChange | null => {
  const write: EntryChange = { updatedAt: now };
  if (change.status) {
    write.status = change.status;
    if (change.failureType) write.failureType = change.failureType;
    if (change.failureReason) write.failureReason = change.failureReason;
    if (change.clearFailure) write.clearFailure = true;
    if (change.status === 'delivered') write.deliveredAt = event.at;
    if (!entry.sesMessageId) write.sent = { sesMessageId: event.sesMessageId, at: event.mailAt };
  }
  if (change.track && countTrack) write.track = { kind: change.track, at: event.at };
  return write.status || write.track ? write : null;
};

const trackingEntry = (
  ref: LogRef,
  recipientId: string,
  entry: LedgerEntry,
  event: RecipientEvent,
  eventId: string,
  type: TrackingLogEntry['type'],
): TrackingLogEntry => ({
  deliveryId: ref.deliveryId,
  version: ref.version,
  recipientId,
  profileId: entry.profileId,
  sesMessageId: event.sesMessageId,
  type,
  at: event.at,
  ...(type !== 'opt-out' && event.link ? { link: event.link } : {}),
  ...(type !== 'opt-out' && event.userAgent ? { userAgent: event.userAgent } : {}),
  ...(type !== 'opt-out' && event.ipAddress ? { ipAddress: event.ipAddress } : {}),
  ...(type !== 'opt-out' ? engagementOf(type, event, entry) : {}),
  eventId,
});

const locate = async (
  deps: IngestDeps,
  event: RecipientEvent,
): Promise<{ ref: LogRef; recipientId: string } | null> => {
  const { delivery, version, recipient } = event.tags;
  if (delivery && version && recipient)
    return { ref: { deliveryId: delivery, version }, recipientId: recipient };
  // No tags (a feedback notification): the histories of the profiles at that address.
  const profileIds = await deps.profiles.idsByEmail(event.address);
  if (profileIds.length === 0) return null;
  return deps.ledger.findBySesMessageId(event.sesMessageId, profileIds);
};

const addressEvent = (event: RecipientEvent, change: LedgerChange): AddressEvent | null => {
  const reason = change.failureReason ?? event.reason ?? event.kind;
  switch (change.quarantine) {
    case 'hard':
      return { kind: 'hard-bounce', reason, at: event.at };
    case 'soft':
      return { kind: 'soft-bounce', reason, at: event.at };
    case 'denylist':
      return { kind: 'complaint', at: event.at };
    default:
      return event.kind === 'delivery' ? { kind: 'delivered', at: event.at } : null;
  }
};

const ingestRecipient = async (
  deps: IngestDeps,
  envelopeId: string,
  event: RecipientEvent,
  batch: CounterBatch,
): Promise<{ recipientId: string | null; outcome: RecipientOutcome }> => {
  const found = await locate(deps, event);
  // Eventually consistent first (half a read unit): a status that moved meanwhile fails the conditional write,
  // and is read again consistently.
  let entry = found ? await deps.ledger.get(found.ref, found.recipientId, { consistent: false }) : null;
  if (!found || !entry) return { recipientId: found?.recipientId ?? null, outcome: 'unattributed' };
  const { ref, recipientId } = found;
  // One message per recipient: an event naming another address, or another message, is not this entry's.
  if (
    normalizeAddress(entry.email) !== normalizeAddress(event.address) ||
    (entry.sesMessageId && entry.sesMessageId !== event.sesMessageId)
  ) {
    return { recipientId, outcome: 'not-this-message' };
  }
  const guarded = GUARDED_KINDS.has(event.kind);
  const eventType = event.kind;
  if (guarded && (await deps.events.hasOutcome(event.sesMessageId, eventType, event.address))) {
    return { recipientId, outcome: 'duplicate-outcome' };
  }
  const now = deps.clock.now();
  // The tracking entry first, conditionally: a redelivered open or click is appended, and counted, once.
  const track = event.kind === 'open' || event.kind === 'click' ? event.kind : null;
  const countTrack =
    track !== null &&
    (await deps.tracking.append(
      trackingEntry(ref, recipientId, entry, event, envelopeId, track),
      expiry(event.at, now),
    ));
  let change: LedgerChange;
  let applied = false;
  for (let race = 0; ; race++) {
    // A recipient failed "in doubt: no SES record", or soft by an auto-reply that overtook its Delivery, is
    // not failed for every event (DESIGN section 5).
    change = changeFor(statusForEvents(entry, event.kind), event, entry.failureType);
    const write = entryChange(entry, event, change, now.toISOString(), countTrack);
    if (!write) break;
    const result = await deps.ledger.applyEvent(ref, entry, write);
    if (result) {
      applied = true;
      const { before, after } = result;
      if (after.status === 'failed' && before.status !== 'failed' && after.failureType)
        deps.metrics?.count('RecipientsFailed', 1, { FailureType: after.failureType });
      if (before.status === 'in-doubt' && after.status !== 'in-doubt')
        deps.metrics?.count('InDoubtReconciled', 1);
      const settled = result.before.status === 'pending' && result.after.status !== 'pending' ? 1 : 0;
      const delta = contributionDelta(facts(result.before), facts(result.after));
      batch.add(ref.deliveryId, {
        ...delta,
        ...(settled ? { settled } : {}),
        // A message of the evidence sample that an event recorded sent (ahead of its sender, or reconciled).
        ...(event.tags.evidence && delta.sent ? { evidenceSent: delta.sent } : {}),
      });
      break;
    }
    if (race + 1 >= MAX_RACES)
      throw new Error(`Recipient ${recipientId} kept changing under event ingestion`);
    entry = await deps.ledger.get(ref, recipientId, { consistent: true });
    if (!entry) return { recipientId, outcome: 'unattributed' };
  }
  const address = addressEvent(event, change);
  if (address?.kind === 'delivered') {
    // Only an erroneous address is released by a delivery; most addresses have no entry: a cheap lookup first.
    const [known] = await deps.quarantine.getMany([event.address]);
    if (known?.status === 'erroneous') {
      await deps.quarantine.update(event.address, (current) =>
        current?.status === 'erroneous' ? nextQuarantine(event.address, current, address) : current,
      );
    }
  } else if (address) {
    await deps.quarantine.update(event.address, (current) => nextQuarantine(event.address, current, address));
  }
  if (change.optOut) {
    await deps.profiles.optOut(
      entry.profileId,
      { deliveryId: ref.deliveryId, sesMessageId: event.sesMessageId },
      event.at,
    );
    await deps.tracking.append(
      trackingEntry(ref, recipientId, entry, event, envelopeId, 'opt-out'),
      expiry(event.at, now),
    );
  }
  if (change.quarantine === 'hard' || change.quarantine === 'denylist')
    deps.guard?.note(ref.deliveryId, change.quarantine === 'hard' ? 'bounce' : 'complaint');
  if (guarded)
    await deps.events.putOutcome(event.sesMessageId, eventType, event.address, expiry(event.at, now));
  // The evidence that the delivery's event path works (the sweeper's in-doubt resend asks for it): distinct Send
  // events only, so a duplicated one cannot make a lagging path look healthy; of the evidence sample only (its
  // messages are tagged), so that a large delivery writes about a thousand notes, not one per recipient.
  if (
    event.kind === 'send' &&
    event.tags.evidence &&
    (await deps.ledger.noteSendEvent(ref, recipientId, now.toISOString()))
  )
    batch.add(ref.deliveryId, { sendEvents: 1 });
  return { recipientId, outcome: applied || change.quarantine || change.optOut ? 'applied' : 'unchanged' };
};

/** Ingests one envelope; counter deltas go to `batch`, which the caller flushes once per invocation. */
export const ingestEnvelope = async (
  deps: IngestDeps,
  envelope: Envelope,
  batch: CounterBatch,
): Promise<IngestResult> => {
  const { record, envelopeId, format } = envelope;
  const recipients = [];
  const proof = proofEventTarget(record);
  if (proof && deps.proofs) await recordProofEvent({ proofs: deps.proofs }, proof, record);
  else
    for (const event of recipientEvents(record)) {
      const one = await ingestRecipient(deps, envelopeId, event, batch);
      recipients.push(one);
      if (one.outcome !== 'applied' && one.outcome !== 'unchanged')
        deps.metrics?.count('SesEventsSkipped', 1, { SkipReason: one.outcome });
    }
  deps.metrics?.count('SesEvents', 1, { EventType: record.eventType });
  return { envelopeId, eventType: record.eventType, format, sesMessageId: record.mail.messageId, recipients };
};

/**
 * Runs works in parallel, except that works of one key run one after the other, in the order they were
 * submitted (the events of one SES message keep their order, as one after another in the batch would).
 */
export const serialPerKey = () => {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
};
