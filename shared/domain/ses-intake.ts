/**
 * What the events queue may hold, sorted three ways (DESIGN section 5, "Events"): an SES sending event to ingest
 * (either format, in any envelope: ./ses-events.ts), a well-formed AWS message that carries nothing to ingest (to
 * skip and count, never to dead-letter: it is not an error and must not set off the DLQ alarm), or anything else,
 * malformed or unknown, refused to the DLQ as an InvalidSesEvent.
 *
 * Skipped:
 *  - SES's EventBridge events that are not about a message: Virtual Deliverability Manager advisor recommendations,
 *    tenant sending status changes, CloudTrail API calls (`detail-type` other than the `Email ...` ones);
 *  - what SES publishes to a topic when it is set up: `AmazonSnsSubscriptionSucceeded` (identity notifications) and
 *    "Successfully validated SNS topic for Amazon SES event publishing." (an event destination);
 *  - SES receiving's `Received` notifications (inbound mail: nothing this product sent);
 *  - SNS's `UnsubscribeConfirmation` (the subscription is gone; nothing to do).
 * Refused, although well-formed: SNS's `SubscriptionConfirmation`. It asks for an action (visiting its
 * SubscribeURL) that only an operator may take, and the queue's policy admits only this product's own topic, which
 * confirms itself: one here is a misconfiguration someone must look at, which is what the DLQ alarm is for.
 */
import { z } from 'zod';
import {
  type Envelope,
  eventBridgeEvent,
  InvalidSesEvent,
  openEnvelope,
  snsNotification,
} from './ses-events.ts';

export type Intake = { kind: 'ingest'; envelope: Envelope } | { kind: 'skip'; reason: string };

/** EventBridge detail-types of SES's email sending events, whose `detail` is an event record. */
export const EMAIL_DETAIL_TYPES: ReadonlySet<string> = new Set([
  'Email Sent',
  'Email Delivered',
  'Email Bounced',
  'Email Complaint Received',
  'Email Rejected',
  'Email Opened',
  'Email Clicked',
  'Email Rendering Failed',
  'Email Delivery Delayed',
  'Email Subscribed',
]);

/** The SNS Message SES publishes when an event destination is created on a topic (plain text, not JSON). */
export const EVENT_DESTINATION_VALIDATION =
  'Successfully validated SNS topic for Amazon SES event publishing.';

/** `notificationType`s SES publishes that are not about a message this product sent. */
const NOTHING_TO_INGEST: Record<string, string> = {
  AmazonSnsSubscriptionSucceeded: 'SES notification set-up message (AmazonSnsSubscriptionSucceeded)',
  Received: 'SES receiving notification (Received): inbound mail, not a sending event',
};

const snsControl = z.looseObject({
  Type: z.enum(['SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string(),
  TopicArn: z.string().optional(),
});

const setUpMessage = (value: unknown): string | undefined => {
  if (!value || typeof value !== 'object' || 'eventType' in value) return undefined;
  const type = (value as { notificationType?: unknown }).notificationType;
  return typeof type === 'string' ? NOTHING_TO_INGEST[type] : undefined;
};

/** The reason to skip a body, or undefined when it is to be opened as an SES event. */
const skipReason = (body: unknown): string | undefined => {
  const control = snsControl.safeParse(body);
  if (control.success) {
    const topic = control.data.TopicArn ?? 'an unknown topic';
    if (control.data.Type === 'UnsubscribeConfirmation') return `SNS UnsubscribeConfirmation from ${topic}`;
    throw new InvalidSesEvent(
      `SNS SubscriptionConfirmation from ${topic}: not an SES event; if the subscription is expected, confirm it by visiting its SubscribeURL`,
    );
  }
  const sns = snsNotification.safeParse(body);
  if (sns.success) {
    if (sns.data.Message.trim() === EVENT_DESTINATION_VALIDATION)
      return 'SES event destination set-up message (SNS topic validated)';
    try {
      return setUpMessage(JSON.parse(sns.data.Message));
    } catch {
      return undefined; // openEnvelope refuses it: a Message that is not JSON
    }
  }
  const bridge = eventBridgeEvent.safeParse(body);
  if (bridge.success) {
    const type = bridge.data['detail-type'];
    return EMAIL_DETAIL_TYPES.has(type)
      ? undefined
      : `SES EventBridge event "${type}": not an email sending event`;
  }
  return setUpMessage(body);
};

/** Sorts one body of the events queue; throws InvalidSesEvent for what the DLQ takes. */
export const intake = (body: unknown): Intake => {
  const reason = skipReason(body);
  return reason === undefined ? { kind: 'ingest', envelope: openEnvelope(body) } : { kind: 'skip', reason };
};
