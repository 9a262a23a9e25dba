import { describe, expect, it } from 'vitest';
import type { RecipientStatus } from '#domain/kpis.ts';
import {
  changeFor,
  InvalidSesEvent,
  openEnvelope,
  type RecipientEvent,
  recipientEvents,
} from '#domain/ses-events.ts';
import { fixture, fixtureNames, snsEnvelope } from '#test/helpers/aws-events.ts';

const FIXTURES = fixtureNames('ses/bare').map((name) => `${name}.json`);

const inSns = (record: unknown) => snsEnvelope(record, '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324');

const inEventBridge = (record: unknown) => ({
  version: '0',
  id: 'e1b2c3d4-0000-4000-8000-000000000001',
  'detail-type': 'Email Bounced',
  source: 'aws.ses',
  account: '123456789012',
  time: '2017-08-05T00:41:02Z',
  region: 'us-east-1',
  resources: [],
  detail: record,
});

describe('SES event envelopes', () => {
  it.each(FIXTURES)('opens %s bare, in an SNS notification and in an EventBridge event', (file) => {
    const bare = fixture(`ses/bare/${file}`);
    const wrapped = fixture(`ses/sns-wrapped/${file}`);
    expect(wrapped).toEqual(bare);
    const a = openEnvelope(bare);
    const b = openEnvelope(inSns(bare));
    const c = openEnvelope(inEventBridge(bare));
    expect(a.envelopeId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.envelopeId).toBe('sns:22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324');
    expect(c.envelopeId).toBe('eventbridge:e1b2c3d4-0000-4000-8000-000000000001');
    expect(b.record).toEqual(a.record);
    expect(c.record).toEqual(a.record);
    const events = recipientEvents(a.record);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.sesMessageId).toBe(a.record.mail.messageId);
      expect(e.address).toMatch(/@/);
      expect(Date.parse(e.at)).not.toBeNaN();
    }
  });

  it('gives an exact duplicate of a bare record the same envelope id, whatever its key order', () => {
    const bare = fixture<Record<string, unknown>>('ses/bare/delivery.json');
    const reordered = Object.fromEntries(Object.entries(bare).reverse());
    expect(openEnvelope(reordered).envelopeId).toBe(openEnvelope(bare).envelopeId);
    const other = { ...bare, eventType: 'Send' };
    expect(openEnvelope(other).envelopeId).not.toBe(openEnvelope(bare).envelopeId);
  });

  it('refuses what is not an SES event: the SNS example message, a subscription confirmation, junk', () => {
    expect(() => openEnvelope(fixture('sns/http-notification.json'))).toThrow(InvalidSesEvent);
    expect(() => openEnvelope(fixture('sns/http-subscription-confirmation.json'))).toThrow(InvalidSesEvent);
    expect(() => openEnvelope(fixture('lambda/eventbridge-ses-sending-status-event.json'))).toThrow(
      InvalidSesEvent,
    );
    expect(() => openEnvelope({ eventType: 'Bounce' })).toThrow(/mail/);
    expect(() => openEnvelope('text')).toThrow(InvalidSesEvent);
  });
});

describe('what each fixture says about its recipient', () => {
  const one = (file: string): RecipientEvent => {
    const events = recipientEvents(openEnvelope(fixture(`ses/bare/${file}`)).record);
    expect(events).toHaveLength(1);
    return events[0]!;
  };

  it('reads the recipient and the part of each event type', () => {
    expect(one('bounce-permanent.json')).toMatchObject({
      kind: 'bounce',
      address: 'recipient@example.com',
      bounce: { type: 'Permanent', subType: 'General', diagnostic: 'smtp; 550 5.1.1 user unknown' },
    });
    expect(one('click.json')).toMatchObject({
      kind: 'click',
      link: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html',
      at: '2017-08-09T23:51:25.570Z',
    });
    expect(one('open.json').userAgent).toMatch(/iPhone/);
    expect(one('reject.json')).toMatchObject({ kind: 'reject', reason: 'Bad content' });
    expect(one('rendering-failure.json')).toMatchObject({
      kind: 'rendering-failure',
      reason: expect.stringMatching(/attributeName/),
    });
    expect(one('delivery-delay.json')).toMatchObject({
      kind: 'delivery-delay',
      reason: 'TransientCommunicationFailure',
    });
    expect(one('subscription.json')).toMatchObject({ kind: 'subscription', unsubscribeAll: true });
    expect(one('complaint.json').kind).toBe('complaint');
    expect(one('delivery.json').at).toBe('2016-10-19T23:21:04.133Z');
    expect(one('send.json').tags).toEqual({});
  });

  it('reads attribution from the message tags, and names every recipient of a multi-recipient event', () => {
    const bare = fixture<{ mail: { tags: Record<string, string[]> }; delivery: { recipients: string[] } }>(
      'ses/bare/delivery.json',
    );
    bare.mail.tags = { ...bare.mail.tags, delivery: ['d-1'], version: ['3'], recipient: ['p-9'] };
    bare.delivery.recipients = ['a@example.com', 'b@example.com'];
    const events = recipientEvents(openEnvelope(bare).record);
    expect(events.map((e) => e.address)).toEqual(['a@example.com', 'b@example.com']);
    expect(events[0]!.tags).toEqual({ delivery: 'd-1', version: 3, recipient: 'p-9' });
  });
});

describe('what an event does to a recipient', () => {
  const event = (kind: RecipientEvent['kind'], extra: Partial<RecipientEvent> = {}): RecipientEvent => ({
    kind,
    sesMessageId: 'm-1',
    address: 'ann@example.com',
    at: '2026-11-22T10:00:00Z',
    mailAt: '2026-11-22T09:59:58Z',
    tags: {},
    ...extra,
  });
  const hard = event('bounce', { bounce: { type: 'Permanent', diagnostic: 'smtp; 550 5.1.1 user unknown' } });
  const soft = event('bounce', { bounce: { type: 'Transient', subType: 'MailboxFull' } });

  it.each<[RecipientStatus, RecipientEvent, object]>([
    ['sent', event('delivery'), { status: 'delivered' }],
    ['in-doubt', event('send'), { status: 'sent' }],
    ['in-doubt', event('delivery'), { status: 'delivered' }],
    ['sent', event('send'), {}],
    ['delivered', event('delivery'), {}],
    ['sent', event('open'), { status: 'delivered', track: 'open' }],
    ['delivered', event('click', { link: 'https://x' }), { track: 'click' }],
    ['failed', event('open'), { track: 'open' }],
    [
      'sent',
      hard,
      {
        status: 'failed',
        failureType: 'hard',
        failureReason: 'smtp; 550 5.1.1 user unknown',
        quarantine: 'hard',
      },
    ],
    ['delivered', hard, { status: 'failed', failureType: 'hard', quarantine: 'hard' }],
    ['failed', hard, {}],
    [
      'sent',
      soft,
      {
        status: 'failed',
        failureType: 'soft',
        failureReason: 'Transient bounce (MailboxFull)',
        quarantine: 'soft',
      },
    ],
    ['delivered', soft, {}],
    ['failed', event('delivery'), {}],
    ['delivered', event('complaint'), { quarantine: 'denylist' }],
    ['sent', event('complaint'), { status: 'delivered', quarantine: 'denylist' }],
    [
      'sent',
      event('reject', { reason: 'Bad content' }),
      { status: 'failed', failureType: 'error', failureReason: 'Bad content' },
    ],
    [
      'in-doubt',
      event('rendering-failure', { reason: 'missing attribute' }),
      { status: 'failed', failureType: 'error' },
    ],
    ['sent', event('delivery-delay'), {}],
    ['in-doubt', event('delivery-delay'), { status: 'sent' }],
    ['delivered', event('subscription'), { optOut: true }],
  ])('%s + %o', (current, e, expected) => {
    const change = changeFor(current, e);
    expect(change).toMatchObject(expected);
    if (Object.keys(expected).length === 0) expect(change).toEqual({});
  });

  it('lets a Delivery, an open or a click undo a soft failure (an auto-reply that overtook its Delivery), never a hard one or an error', () => {
    for (const e of [event('delivery'), event('open'), event('click', { link: 'https://x' })]) {
      expect(changeFor('failed', e, 'soft')).toMatchObject({ status: 'delivered', clearFailure: true });
      expect(changeFor('failed', e, 'hard').status).toBeUndefined();
      expect(changeFor('failed', e, 'error').status).toBeUndefined();
    }
    expect(changeFor('failed', soft, 'soft')).toEqual({});
  });
});
