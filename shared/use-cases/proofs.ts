/**
 * Proofs: the prepared content sent to a few addresses for review, by `prepare-deliveries` or `start-deliveries`
 * users (Adobe Campaign: "users with the Prepare deliveries role are now able to send proofs").
 *
 * sendProof, primary course:
 *  1. refuse anyone without the proof right (403), then load the delivery (404);
 *  2. it must be prepared at its current version (409 otherwise): a proof sends the frozen snapshot the send will
 *     use, subject prefixed `[Proof] `, to 1 to 20 addresses (repeats, in any case, sent once);
 *  3. the proof is written to the delivery's proof log first, each address `pending`, then one SES message per
 *     address (tagged `delivery`, `proof`, `proof-recipient`: never `recipient`), each answer recorded;
 *  4. throttling is retried with backoff, anything else fails that address only.
 * Proofs never touch the sending log, the counters or KPIs, the quarantine or any profile's history: their SES
 * events come back tagged `proof` and ingestion applies them to the proof log only (recordProofEvent).
 */
import { conflict } from '#domain/errors.ts';
import { normalizeAddress } from '#domain/profiles.ts';
import { type Actor, assertCan } from '#domain/roles.ts';
import { backoffDelay, personalize } from '#domain/sending.ts';
import type { SesRecord } from '#domain/ses-events.ts';
import type {
  Clock,
  DeliveryRepository,
  EmailSender,
  IdGenerator,
  Page,
  PageRequest,
  Proof,
  ProofLog,
  ProofRecipientChange,
  ProofStatus,
  SendOutcome,
  UnsubscribeConfig,
} from '#ports/index.ts';
import type { Metrics } from '#ports/metrics.ts';
import { loadDelivery } from './deliveries.ts';
import { unsubscribeHeadersFor } from './unsubscribe.ts';

export const MAX_PROOF_ADDRESSES = 20;
export const PROOF_SUBJECT_PREFIX = '[Proof] ';
const THROTTLE_ATTEMPTS = 4;
const MAX_RACES = 5;

export interface ProofLogDeps {
  proofs: ProofLog;
}

export interface ProofDeps extends ProofLogDeps {
  deliveries: DeliveryRepository;
  email: EmailSender;
  clock: Clock;
  ids: IdGenerator;
  /** The unsubscribe headers (a proof's link opts nobody out); none when absent. */
  unsubscribe?: UnsubscribeConfig;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** ProofMessages (shared/ports/metrics.ts). */
  metrics?: Metrics;
}

/** The message tags of a proof's message: never `recipient`, so no event of it can reach a sending-log entry. */
export const proofTags = (deliveryId: string, proofId: string, index: number): Record<string, string> => ({
  delivery: deliveryId,
  proof: proofId,
  'proof-recipient': String(index),
});

const sendOne = async (deps: ProofDeps, email: Parameters<EmailSender['send']>[0]): Promise<SendOutcome> => {
  for (let attempt = 0; ; attempt++) {
    const outcome = await deps.email.send(email);
    if (outcome.kind !== 'throttled' || attempt + 1 >= THROTTLE_ATTEMPTS) return outcome;
    await (deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(
      backoffDelay(attempt, deps.random ?? Math.random, 200),
    );
  }
};

/** Records an address's SES answer; an event that got there first keeps its status, the message id is added. */
const recordAnswer = async (
  deps: ProofDeps,
  proof: Proof,
  index: number,
  change: ProofRecipientChange,
): Promise<void> => {
  if (await deps.proofs.updateRecipient(proof.deliveryId, proof.proofId, index, 'pending', change)) return;
  const current = (await deps.proofs.get(proof.deliveryId, proof.proofId))?.recipients[index];
  if (current && change.sesMessageId) {
    await deps.proofs.updateRecipient(proof.deliveryId, proof.proofId, index, current.status, {
      sesMessageId: change.sesMessageId,
      updatedAt: change.updatedAt,
    });
  }
};

export const sendProof = async (
  deps: ProofDeps,
  actor: Actor,
  id: string,
  addresses: readonly string[],
): Promise<Proof> => {
  assertCan(actor, 'delivery:proof');
  const delivery = await loadDelivery(deps, id);
  const snapshot = delivery.preparation?.snapshot;
  if (!snapshot || delivery.preparation?.version !== delivery.version || delivery.preparation.errors) {
    throw conflict(
      `The delivery is ${delivery.state}: prepare it before sending a proof (a proof sends the prepared content).`,
      { state: delivery.state, version: delivery.version },
    );
  }
  const seen = new Set<string>();
  const unique = addresses
    .map((a) => a.trim())
    .filter((a) => !seen.has(normalizeAddress(a)) && seen.add(normalizeAddress(a)));
  const now = deps.clock.now();
  const at = now.toISOString();
  const proof: Proof = {
    deliveryId: id,
    proofId: `${now.getTime().toString(36)}-${deps.ids
      .next()
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 12)}`,
    version: delivery.preparation.version,
    subject: PROOF_SUBJECT_PREFIX + snapshot.content.subject,
    sentAt: at,
    sentBy: { sub: actor.sub, username: actor.username },
    recipients: unique.map((address) => ({ address, status: 'pending', opens: 0, clicks: 0, updatedAt: at })),
  };
  await deps.proofs.put(proof);
  const headers = await unsubscribeHeadersFor(deps.unsubscribe, {
    kind: 'proof',
    deliveryId: id,
    proofId: proof.proofId,
  });
  for (const [index, recipient] of proof.recipients.entries()) {
    const content = personalize(snapshot.content, { email: recipient.address });
    const outcome = await sendOne(deps, {
      from: snapshot.content.from,
      to: recipient.address,
      subject: PROOF_SUBJECT_PREFIX + content.subject,
      html: content.html,
      text: content.text,
      tags: proofTags(id, proof.proofId, index),
      ...(headers ? { headers } : {}),
    });
    const updatedAt = deps.clock.now().toISOString();
    const change: ProofRecipientChange =
      outcome.kind === 'accepted'
        ? { status: 'sent', sesMessageId: outcome.messageId, updatedAt }
        : { status: 'failed', reason: `${outcome.kind}: ${outcome.reason}`, updatedAt };
    await recordAnswer(deps, proof, index, change);
    recipient.status = change.status!;
    recipient.updatedAt = updatedAt;
    if (change.sesMessageId) recipient.sesMessageId = change.sesMessageId;
    if (change.reason) recipient.reason = change.reason;
    deps.metrics?.count('ProofMessages', 1);
  }
  return (await deps.proofs.get(id, proof.proofId)) ?? proof;
};

/** The proof log of a delivery, newest first (any signed-in user). */
export const listProofs = async (
  deps: ProofLogDeps & { deliveries: DeliveryRepository },
  id: string,
  page: PageRequest,
): Promise<Page<Proof>> => {
  await loadDelivery(deps, id);
  return deps.proofs.list(id, page);
};

/** The proof an SES record belongs to (its `proof` and `proof-recipient` tags), or null. */
export const proofEventTarget = (
  record: SesRecord,
): { deliveryId: string; proofId: string; index: number } | null => {
  const tag = (name: string) => record.mail.tags[name]?.[0];
  const proofId = tag('proof');
  const deliveryId = tag('delivery');
  const index = Number(tag('proof-recipient'));
  if (!proofId || !deliveryId || !Number.isInteger(index) || index < 0) return null;
  return { deliveryId, proofId, index };
};

const RANK: Record<ProofStatus, number> = {
  pending: 0,
  sent: 1,
  delivered: 2,
  failed: 3,
  bounced: 3,
  complained: 3,
};

/** What an SES event does to a proof's address in `current` status (forward only). */
export const proofChange = (
  current: ProofStatus,
  record: SesRecord,
  at: string,
): ProofRecipientChange | null => {
  const forward = (status: ProofStatus) => (RANK[status] > RANK[current] ? { status } : {});
  const change = (c: Omit<ProofRecipientChange, 'updatedAt'>) =>
    Object.keys(c).length > 0 ? { ...c, updatedAt: at } : null;
  switch (record.eventType) {
    case 'Send':
      return change(forward('sent'));
    case 'Delivery':
      return change(forward('delivered'));
    case 'Open':
      return change({ ...forward('delivered'), opens: 1 });
    case 'Click':
      return change({ ...forward('delivered'), clicks: 1 });
    case 'Bounce': {
      // A transient bounce after a delivery is an auto-reply; before one, SES gave up.
      const bounce = record.bounce;
      if (bounce?.bounceType === 'Transient' && RANK[current] >= RANK.delivered) return null;
      const reason =
        bounce?.bouncedRecipients[0]?.diagnosticCode ?? `${bounce?.bounceType ?? 'Undetermined'} bounce`;
      return RANK[current] >= RANK.failed ? null : change({ status: 'bounced', reason });
    }
    case 'Complaint':
      return change({ status: 'complained' });
    case 'Reject':
    case 'Rendering Failure': {
      const reason = record.reject?.reason ?? record.failure?.errorMessage ?? record.eventType;
      return RANK[current] >= RANK.failed ? null : change({ status: 'failed', reason });
    }
    default:
      return null;
  }
};

/** Applies an SES event of a proof to the proof log (never to a recipient of the send). */
export const recordProofEvent = async (
  deps: ProofLogDeps,
  target: { deliveryId: string; proofId: string; index: number },
  record: SesRecord,
): Promise<boolean> => {
  const at = eventTime(record);
  for (let race = 0; race < MAX_RACES; race++) {
    const current = (await deps.proofs.get(target.deliveryId, target.proofId))?.recipients[target.index];
    if (!current) return false;
    const change = proofChange(current.status, record, at);
    if (!change) return false;
    if (
      await deps.proofs.updateRecipient(
        target.deliveryId,
        target.proofId,
        target.index,
        current.status,
        change,
      )
    )
      return true;
  }
  throw new Error(`Proof ${target.proofId} kept changing under event ingestion`);
};

const eventTime = (record: SesRecord): string =>
  record.delivery?.timestamp ??
  record.bounce?.timestamp ??
  record.complaint?.timestamp ??
  record.open?.timestamp ??
  record.click?.timestamp ??
  record.mail.timestamp;
