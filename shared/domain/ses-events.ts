/**
 * SES events (DESIGN section 5, "Events"): envelopes, records and what each event does to a recipient.
 * SES publishes two formats: event publishing records (`eventType`, through a configuration set, with the message
 * tags) and feedback notifications (`notificationType` Bounce, Complaint or Delivery, set per identity, without
 * the message tags); both read as one record shape here. SES event records carry no id: exact duplicates are
 * recognized by their envelope id (SNS MessageId, EventBridge id, or a hash of a bare record); one record may name
 * several recipients, each with its own part. Pure code: no AWS SDK.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FailureType, RecipientStatus } from './kpis.ts';
import { IN_DOUBT_FAILURE } from './resend.ts';

const tagValues = z.record(z.string(), z.array(z.string()));

const mail = z.looseObject({
  messageId: z.string().min(1),
  timestamp: z.string(),
  destination: z.array(z.string()).default([]),
  tags: tagValues.default({}),
});

const addressed = z.array(z.looseObject({ emailAddress: z.string() }));

/** An SES event-publishing record (only the fields this product reads; the rest is kept as received). */
export const sesRecord = z.looseObject({
  eventType: z.enum([
    'Send',
    'Delivery',
    'Bounce',
    'Complaint',
    'Reject',
    'Rendering Failure',
    'DeliveryDelay',
    'Open',
    'Click',
    'Subscription',
  ]),
  mail,
  delivery: z.looseObject({ timestamp: z.string(), recipients: z.array(z.string()) }).optional(),
  bounce: z
    .looseObject({
      bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
      bounceSubType: z.string().optional(),
      timestamp: z.string(),
      bouncedRecipients: z.array(
        z.looseObject({
          emailAddress: z.string(),
          action: z.string().optional(),
          status: z.string().optional(),
          diagnosticCode: z.string().optional(),
        }),
      ),
    })
    .optional(),
  complaint: z.looseObject({ timestamp: z.string(), complainedRecipients: addressed }).optional(),
  reject: z.looseObject({ reason: z.string() }).optional(),
  failure: z.looseObject({ errorMessage: z.string() }).optional(),
  deliveryDelay: z
    .looseObject({ timestamp: z.string(), delayType: z.string().optional(), delayedRecipients: addressed })
    .optional(),
  open: z
    .looseObject({
      timestamp: z.string(),
      userAgent: z.string().optional(),
      ipAddress: z.string().optional(),
    })
    .optional(),
  click: z
    .looseObject({
      timestamp: z.string(),
      link: z.string(),
      userAgent: z.string().optional(),
      ipAddress: z.string().optional(),
    })
    .optional(),
  subscription: z
    .looseObject({
      timestamp: z.string(),
      newTopicPreferences: z.looseObject({ unsubscribeAll: z.boolean().optional() }).optional(),
    })
    .optional(),
});
export type SesRecord = z.infer<typeof sesRecord>;

export class InvalidSesEvent extends Error {
  override name = 'InvalidSesEvent';
}

/** The types of SES's feedback notifications (set per identity); they read as the event type of the same name. */
export const NOTIFICATION_TYPES = ['Bounce', 'Complaint', 'Delivery'] as const;

export const snsNotification = z.looseObject({
  Type: z.literal('Notification'),
  MessageId: z.string(),
  Message: z.string(),
});
/** An EventBridge event from SES. AWS's own examples leave out `id`, which real events carry. */
export const eventBridgeEvent = z.looseObject({
  id: z.string().optional(),
  source: z.literal('aws.ses'),
  'detail-type': z.string(),
  detail: z.unknown(),
});

/** Canonical JSON (sorted keys), so the same bare record always hashes to the same envelope id. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

export interface Envelope {
  /** `sns:<MessageId>`, `eventbridge:<id>`, or `sha256:<hash of the bare record>`. */
  envelopeId: string;
  record: SesRecord;
  /** `event`: an event publishing record; `notification`: a feedback notification (no message tags). */
  format: 'event' | 'notification';
}

/** A feedback notification's `notificationType`, when the value is one (and has no `eventType`). */
const notificationTypeOf = (value: unknown): (typeof NOTIFICATION_TYPES)[number] | undefined => {
  if (!value || typeof value !== 'object' || 'eventType' in value) return undefined;
  const type = (value as { notificationType?: unknown }).notificationType;
  return NOTIFICATION_TYPES.find((t) => t === type);
};

const hashOf = (value: unknown) => `sha256:${createHash('sha256').update(canonical(value)).digest('hex')}`;

/** A record of either format; a notification keeps its `notificationType` beside the `eventType` it reads as. */
const record = (value: unknown): { record: SesRecord; format: Envelope['format'] } => {
  const notification = notificationTypeOf(value);
  const parsed = sesRecord.safeParse(
    notification ? { ...(value as object), eventType: notification } : value,
  );
  if (!parsed.success) {
    throw new InvalidSesEvent(
      `Not an SES event record: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
    );
  }
  return { record: parsed.data, format: notification ? 'notification' : 'event' };
};

/**
 * Opens what the ingestion queue delivers: an SNS notification (raw delivery off) whose Message is the record, an
 * EventBridge event whose detail is the record, or a bare record; the record an event publishing record or a
 * feedback notification. Anything else is an InvalidSesEvent (what to skip rather than refuse: ./ses-intake.ts).
 */
export const openEnvelope = (body: unknown): Envelope => {
  const sns = snsNotification.safeParse(body);
  if (sns.success) {
    let message: unknown;
    try {
      message = JSON.parse(sns.data.Message);
    } catch {
      throw new InvalidSesEvent('SNS notification whose Message is not JSON');
    }
    return { envelopeId: `sns:${sns.data.MessageId}`, ...record(message) };
  }
  const bridge = eventBridgeEvent.safeParse(body);
  if (bridge.success) {
    const { detail, id } = bridge.data;
    return { envelopeId: id ? `eventbridge:${id}` : hashOf(detail), ...record(detail) };
  }
  return { envelopeId: hashOf(body), ...record(body) };
};

export type SesEventKind =
  | 'send'
  | 'delivery'
  | 'bounce'
  | 'complaint'
  | 'reject'
  | 'rendering-failure'
  | 'delivery-delay'
  | 'open'
  | 'click'
  | 'subscription';

/** One event as it concerns one recipient. */
export interface RecipientEvent {
  kind: SesEventKind;
  sesMessageId: string;
  /** The recipient's address as SES reports it. */
  address: string;
  /** When this event happened (its own timestamp). */
  at: string;
  /** When SES accepted the message (`mail.timestamp`): the sent time of a reconciled recipient. */
  mailAt: string;
  /**
   * Attribution from the message tags (absent when the message was not tagged): delivery, version, recipient; and
   * `evidence` when the recipient is in its delivery's evidence sample (shared/domain/in-doubt.ts).
   */
  tags: { delivery?: string; version?: number; recipient?: string; evidence?: true };
  bounce?: { type: 'Permanent' | 'Transient' | 'Undetermined'; subType?: string; diagnostic?: string };
  reason?: string;
  link?: string;
  userAgent?: string;
  /** The address an open or click came from (classifies it human or machine: shared/domain/engagement.ts). */
  ipAddress?: string;
  unsubscribeAll?: boolean;
}

const KIND: Record<SesRecord['eventType'], SesEventKind> = {
  Send: 'send',
  Delivery: 'delivery',
  Bounce: 'bounce',
  Complaint: 'complaint',
  Reject: 'reject',
  'Rendering Failure': 'rendering-failure',
  DeliveryDelay: 'delivery-delay',
  Open: 'open',
  Click: 'click',
  Subscription: 'subscription',
};

const tagsOf = (r: SesRecord): RecipientEvent['tags'] => {
  const first = (name: string) => r.mail.tags[name]?.[0];
  const version = Number(first('version'));
  return {
    ...(first('delivery') ? { delivery: first('delivery') } : {}),
    ...(Number.isInteger(version) && version > 0 ? { version } : {}),
    ...(first('recipient') ? { recipient: first('recipient') } : {}),
    ...(first('evidence') === '1' ? { evidence: true as const } : {}),
  };
};

type Bounce = NonNullable<SesRecord['bounce']>;

/**
 * One entry of a bounce, on its own (DESIGN section 5: each entry has its own action). Its DSN `action`: `failed`
 * (or none, when SES had no DSN) is a bounce of the record's type, but of a Permanent one only when the entry's
 * own `status` is not a 4.x.x (a persistent transient failure is soft); any other action (`delayed`, `delivered`,
 * `relayed`, `expanded`) is not a failure and reads as a delivery delay, which changes nothing.
 */
const bouncedRecipient = (
  base: Pick<RecipientEvent, 'sesMessageId' | 'mailAt' | 'tags'>,
  bounce: Bounce,
  entry: Bounce['bouncedRecipients'][number],
): RecipientEvent => {
  const action = entry.action?.trim().toLowerCase();
  const at = bounce.timestamp;
  if (action && action !== 'failed') {
    const detail = [entry.status, entry.diagnosticCode].filter(Boolean).join(' ');
    return {
      ...base,
      kind: 'delivery-delay',
      address: entry.emailAddress,
      at,
      reason: `bounce entry ${action}${detail ? `: ${detail}` : ''}`,
    };
  }
  const type =
    bounce.bounceType === 'Permanent' && entry.status?.trim().startsWith('4.')
      ? 'Transient'
      : bounce.bounceType;
  return {
    ...base,
    kind: 'bounce',
    address: entry.emailAddress,
    at,
    bounce: {
      type,
      ...(bounce.bounceSubType ? { subType: bounce.bounceSubType } : {}),
      ...(entry.diagnosticCode ? { diagnostic: entry.diagnosticCode } : {}),
    },
  };
};

/** The recipients an event names, each with its own part (a delayed entry is not a failure). */
export const recipientEvents = (r: SesRecord): RecipientEvent[] => {
  const kind = KIND[r.eventType];
  const base = { kind, sesMessageId: r.mail.messageId, mailAt: r.mail.timestamp, tags: tagsOf(r) };
  const each = (addresses: readonly string[], at: string, extra: Partial<RecipientEvent> = {}) =>
    addresses.map((address): RecipientEvent => ({ ...base, address, at, ...extra }));
  switch (kind) {
    case 'delivery':
      return each(r.delivery?.recipients ?? [], r.delivery?.timestamp ?? r.mail.timestamp);
    case 'bounce': {
      const bounce = r.bounce;
      if (!bounce) return [];
      return bounce.bouncedRecipients.map((entry) => bouncedRecipient(base, bounce, entry));
    }
    case 'complaint':
      return each(
        (r.complaint?.complainedRecipients ?? []).map((c) => c.emailAddress),
        r.complaint?.timestamp ?? r.mail.timestamp,
      );
    case 'delivery-delay':
      return each(
        (r.deliveryDelay?.delayedRecipients ?? []).map((c) => c.emailAddress),
        r.deliveryDelay?.timestamp ?? r.mail.timestamp,
        r.deliveryDelay?.delayType ? { reason: r.deliveryDelay.delayType } : {},
      );
    case 'reject':
      return each(r.mail.destination, r.mail.timestamp, { reason: r.reject?.reason ?? 'Rejected' });
    case 'rendering-failure':
      return each(r.mail.destination, r.mail.timestamp, {
        reason: r.failure?.errorMessage ?? 'Rendering failure',
      });
    case 'open':
      return each(r.mail.destination, r.open?.timestamp ?? r.mail.timestamp, {
        ...(r.open?.userAgent ? { userAgent: r.open.userAgent } : {}),
        ...(r.open?.ipAddress ? { ipAddress: r.open.ipAddress } : {}),
      });
    case 'click':
      return each(r.mail.destination, r.click?.timestamp ?? r.mail.timestamp, {
        ...(r.click ? { link: r.click.link } : {}),
        ...(r.click?.userAgent ? { userAgent: r.click.userAgent } : {}),
        ...(r.click?.ipAddress ? { ipAddress: r.click.ipAddress } : {}),
      });
    case 'subscription':
      return each(r.mail.destination, r.subscription?.timestamp ?? r.mail.timestamp, {
        unsubscribeAll: r.subscription?.newTopicPreferences?.unsubscribeAll ?? true,
      });
    case 'send':
      return each(r.mail.destination, r.mail.timestamp);
  }
};

/** What an event does to a recipient's sending-log entry. */
export interface LedgerChange {
  status?: RecipientStatus;
  failureType?: FailureType;
  failureReason?: string;
  /** A failed recipient becomes delivered: its failure type and reason go. */
  clearFailure?: true;
  /** Engagement appended to the tracking log. */
  track?: 'open' | 'click';
  /** Address effects. */
  quarantine?: 'hard' | 'soft' | 'denylist';
  optOut?: boolean;
}

/** Status order: a later event never moves a recipient backwards (failed is last: a Delivery may be followed by a Bounce). */
const RANK: Record<RecipientStatus, number> = {
  pending: 0,
  'in-doubt': 1,
  canceled: 1,
  sent: 2,
  delivered: 3,
  failed: 4,
};

const forward = (current: RecipientStatus, next: RecipientStatus): RecipientStatus | undefined =>
  RANK[next] > RANK[current] ? next : undefined;

/**
 * The status an event is applied to for an entry: its own, except for two failures that events may undo
 * (DESIGN section 5):
 * - a recipient the sweeper failed "in doubt: no SES record" (no message id) was failed on a presumption (no SES
 *   event named it within the window): an event that names it later is applied as to an in-doubt recipient,
 *   reconciled to what the event says;
 * - a soft failure (a Transient bounce with no Delivery before it) that a Delivery, an open or a click of the same
 *   message follows was an auto-reply that overtook the Delivery (events come out of order): SES delivered the
 *   message, so the proof of delivery applies as to a sent recipient.
 */
export const statusForEvents = (
  entry: {
    status: RecipientStatus;
    failureType?: string | undefined;
    failureReason?: string | undefined;
    sesMessageId?: string | undefined;
  },
  kind?: SesEventKind,
): RecipientStatus => {
  if (entry.status !== 'failed') return entry.status;
  if (entry.failureType === 'error' && entry.failureReason === IN_DOUBT_FAILURE && !entry.sesMessageId)
    return 'in-doubt';
  if (entry.failureType === 'soft' && (kind === 'delivery' || kind === 'open' || kind === 'click'))
    return 'sent';
  return entry.status;
};

/**
 * The change one event makes to a recipient in `current` status (DESIGN section 5): a send names an in-doubt
 * recipient sent (reconciled); a delivery, open or click proves delivery; a permanent bounce fails it (hard) and
 * quarantines the address; a transient bounce after a delivery is an auto-reply and changes nothing, before one it
 * fails it (soft) and counts toward quarantine; a complaint denylists the address (the recipient stays
 * delivered); reject and rendering failure fail it (error); a delay changes nothing; a list unsubscribe opts the
 * profile out.
 * Events of one message come in no guaranteed order, so an auto-reply may be ingested before its Delivery and fail
 * the recipient (soft): a Delivery, open or click then proves the message arrived and makes it delivered, the end
 * the other order reaches (`failureType` is the current failure's, when failed). A hard failure or an error stays.
 */
export const changeFor = (
  current: RecipientStatus,
  event: RecipientEvent,
  failureType?: FailureType,
): LedgerChange => {
  const seen = current === 'pending' || current === 'in-doubt' ? 'sent' : current;
  const reconcile = current !== seen ? { status: seen } : {};
  const softFailed = current === 'failed' && failureType === 'soft';
  const proved = (): LedgerChange => {
    if (softFailed) return { status: 'delivered', clearFailure: true };
    const status = forward(seen, 'delivered');
    return status ? { status } : reconcile;
  };
  switch (event.kind) {
    case 'send':
      return reconcile;
    case 'delivery':
      return proved();
    case 'open':
    case 'click':
      return { ...proved(), track: event.kind };
    case 'bounce': {
      const type = event.bounce?.type ?? 'Undetermined';
      const reason =
        event.bounce?.diagnostic ??
        `${type} bounce${event.bounce?.subType ? ` (${event.bounce.subType})` : ''}`;
      if (type === 'Permanent') {
        return current === 'failed'
          ? {}
          : { status: 'failed', failureType: 'hard', failureReason: reason, quarantine: 'hard' };
      }
      if (current === 'delivered' || current === 'failed') return {}; // an auto-reply after delivery (ooto)
      return { status: 'failed', failureType: 'soft', failureReason: reason, quarantine: 'soft' };
    }
    case 'complaint':
      return {
        ...(forward(seen, 'delivered') ? { status: 'delivered' as const } : reconcile),
        quarantine: 'denylist',
      };
    case 'reject':
    case 'rendering-failure':
      return current === 'failed'
        ? {}
        : { status: 'failed', failureType: 'error', failureReason: event.reason ?? event.kind };
    case 'delivery-delay':
      return reconcile;
    case 'subscription':
      return { ...reconcile, optOut: true };
  }
};

/** Events whose effects beyond the sending log (quarantine, denylist, opt-out) are guarded by an outcome marker. */
export const GUARDED_KINDS: ReadonlySet<SesEventKind> = new Set(['bounce', 'complaint', 'subscription']);
