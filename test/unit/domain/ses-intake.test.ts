/**
 * Sorting what the events queue holds, on AWS's published examples: SES's feedback notifications (each type, bare
 * and in AWS's SNS envelope) read as the event of the same name; each entry of a bounce follows its own action and
 * status; well-formed AWS messages with nothing to ingest are skipped; anything else is refused.
 */
import { describe, expect, it } from 'vitest';
import { InvalidSesEvent, openEnvelope, recipientEvents } from '#domain/ses-events.ts';
import { EVENT_DESTINATION_VALIDATION, intake } from '#domain/ses-intake.ts';
import {
  failedAndDelayedBounce,
  fixture,
  notificationExamples,
  sesExample,
  sesFixture,
  snsEnvelope,
} from '#test/helpers/aws-events.ts';

const inSns = (message: unknown) => snsEnvelope(message, '7b3e5a1c-0000-4000-8000-00000000000a');

describe('feedback notifications (notificationType)', () => {
  it('has AWS’s example of each type: Bounce, Complaint, Delivery', () => {
    const types = notificationExamples().map(
      (n) => sesExample<{ notificationType: string }>(n).notificationType,
    );
    expect(new Set(types)).toEqual(new Set(['Bounce', 'Complaint', 'Delivery']));
  });

  it.each(notificationExamples())(
    'opens %s bare and in its SNS envelope, as the event of its type',
    (name) => {
      const example = sesExample<{ notificationType: string; mail: { messageId: string } }>(name);
      const bare = intake(example);
      const wrapped = intake(inSns(example));
      if (bare.kind !== 'ingest' || wrapped.kind !== 'ingest') throw new Error('not ingested');
      expect(bare.envelope).toMatchObject({
        format: 'notification',
        envelopeId: expect.stringMatching(/^sha256:/),
      });
      expect(wrapped.envelope).toMatchObject({
        format: 'notification',
        envelopeId: 'sns:7b3e5a1c-0000-4000-8000-00000000000a',
      });
      expect(wrapped.envelope.record).toEqual(bare.envelope.record);
      expect(bare.envelope.record).toMatchObject({
        eventType: example.notificationType,
        notificationType: example.notificationType,
      });
      const events = recipientEvents(bare.envelope.record);
      expect(events.length).toBeGreaterThan(0);
      for (const e of events) {
        expect(e.sesMessageId).toBe(example.mail.messageId);
        expect(e.tags).toEqual({}); // no message tags: attributed by SES message id
        expect(e.address).toMatch(/@example\.com$/);
      }
    },
  );

  it('reads each recipient of a bounce with its own diagnostic', () => {
    const events = recipientEvents(openEnvelope(sesExample('notification-bounce-with-dsn')).record);
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'bounce',
        address: 'jane@example.com',
        bounce: {
          type: 'Permanent',
          subType: 'General',
          diagnostic: 'smtp; 550 5.1.1 <jane@example.com>... User',
        },
      }),
    ]);
    const noDsn = recipientEvents(openEnvelope(sesExample('notification-bounce-without-dsn')).record);
    expect(noDsn.map((e) => [e.kind, e.address, e.bounce?.type])).toEqual([
      ['bounce', 'jane@example.com', 'Permanent'],
      ['bounce', 'richard@example.com', 'Permanent'],
    ]);
  });

  it('applies each entry of a bounce on its own: a delayed 4.x.x entry is not a failure', () => {
    const events = recipientEvents(openEnvelope(failedAndDelayedBounce()).record);
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'bounce',
        address: 'recipient1@example.com',
        bounce: { type: 'Permanent', subType: 'General', diagnostic: 'smtp; 550 user unknown' },
      }),
      expect.objectContaining({
        kind: 'delivery-delay',
        address: 'recipient2@example.com',
        reason: 'bounce entry delayed: 4.0.0',
      }),
    ]);
    expect(events[1]).not.toHaveProperty('bounce');
  });

  it('reads a failed entry with a 4.x.x status in a Permanent bounce as a transient (soft) one', () => {
    const bounce = failedAndDelayedBounce();
    bounce.bounce.bouncedRecipients = [
      {
        emailAddress: 'recipient2@example.com',
        action: 'failed',
        status: '4.4.7',
        diagnosticCode: 'smtp; 421',
      },
    ];
    const [event] = recipientEvents(openEnvelope(bounce).record);
    expect(event!.bounce).toMatchObject({ type: 'Transient', diagnostic: 'smtp; 421' });
  });

  it('gives a bare notification a stable envelope id, and one different from its event publishing twin', () => {
    const example = sesExample<Record<string, unknown>>('notification-delivery');
    const twin = {
      ...Object.fromEntries(Object.entries(example).filter(([key]) => key !== 'notificationType')),
      eventType: 'Delivery',
    };
    expect(openEnvelope(example).envelopeId).toBe(openEnvelope(structuredClone(example)).envelopeId);
    expect(openEnvelope(twin)).toMatchObject({ format: 'event' });
    expect(openEnvelope(twin).envelopeId).not.toBe(openEnvelope(example).envelopeId);
  });
});

describe('what the queue holds: ingest, skip or refuse', () => {
  it('ingests the email sending events of EventBridge, AWS’s example without an id by the hash of its detail', () => {
    const record = sesFixture('bounce-permanent');
    const event = { source: 'aws.ses', 'detail-type': 'Email Bounced', detail: record };
    const sorted = intake(event);
    expect(sorted).toMatchObject({ kind: 'ingest', envelope: { format: 'event' } });
    if (sorted.kind === 'ingest') expect(sorted.envelope.envelopeId).toBe(openEnvelope(record).envelopeId);
    expect(intake({ ...event, id: 'e-1' })).toMatchObject({ envelope: { envelopeId: 'eventbridge:e-1' } });
  });

  it('skips SES EventBridge events about no message: an advisor recommendation, a tenant sending status', () => {
    expect(intake(sesExample('eventbridge-advisor-recommendation-open'))).toEqual({
      kind: 'skip',
      reason: 'SES EventBridge event "Advisor Recommendation Status Open": not an email sending event',
    });
    expect(intake(fixture('lambda/eventbridge-ses-sending-status-event.json'))).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/Sending Status Disabled/),
    });
  });

  it('skips the messages SES publishes when a topic is set up, bare or in SNS', () => {
    const identity = {
      notificationType: 'AmazonSnsSubscriptionSucceeded',
      message:
        "You have successfully subscribed your Amazon SNS topic 'arn:aws:sns:us-east-1:123456789012:t' to receive 'Bounce' notifications from Amazon SES for identity 'example.com'.",
    };
    for (const body of [identity, inSns(identity), { ...inSns(null), Message: EVENT_DESTINATION_VALIDATION }])
      expect(intake(body)).toMatchObject({ kind: 'skip', reason: expect.stringMatching(/set-up message/) });
  });

  it('skips an SNS UnsubscribeConfirmation, and refuses a SubscriptionConfirmation with what to do about it', () => {
    const confirmation = fixture<Record<string, unknown>>('sns/http-subscription-confirmation.json');
    expect(intake({ ...confirmation, Type: 'UnsubscribeConfirmation' })).toMatchObject({ kind: 'skip' });
    expect(() => intake(confirmation)).toThrow(/SubscriptionConfirmation from arn:aws:sns:.*SubscribeURL/);
  });

  it('refuses what is malformed or unknown', () => {
    const delivery = sesFixture('delivery');
    for (const body of [
      fixture('sns/http-notification.json'), // a Message that is not JSON
      { ...delivery, eventType: 'Teleported' },
      { ...delivery, eventType: undefined, notificationType: 'Teleported' },
      { notificationType: 'Bounce' },
      { source: 'aws.sns', 'detail-type': 'Email Bounced', detail: delivery },
      { source: 'aws.ses', 'detail-type': 'Email Bounced', detail: { nothing: true } },
      'text',
      null,
      [],
    ])
      expect(() => intake(body), JSON.stringify(body)?.slice(0, 60)).toThrow(InvalidSesEvent);
  });
});
