/**
 * SES event ingestion on in-memory fakes: every AWS fixture, bare and in its SNS envelope; duplicates,
 * out-of-order, multi-recipient and late events; in-doubt reconciliation; races. The same use case runs against
 * DynamoDB Local in test/integration/ingester.test.ts and end to end in test/e2e/ses-events.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { openEnvelope } from '#domain/ses-events.ts';
import type { LedgerEntry, SendingLogEntry } from '#ports/index.ts';
import { CounterBatch } from '#use-cases/counter-batch.ts';
import { EVENT_RETENTION_DAYS, ingestEnvelope } from '#use-cases/ingest.ts';
import { failedAndDelayedBounce, sesExample, sesFixture, snsEnvelope } from '#test/helpers/aws-events.ts';
import { type FakeDeps, fakeDeps } from '#test/helpers/fakes/index.ts';

const MESSAGE = 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000';
const REF = { deliveryId: 'd-1', version: 2 };

let deps: FakeDeps;

beforeEach(() => {
  deps = fakeDeps();
  deps.clock.current = new Date('2026-11-22T10:00:00Z');
});

const entry = (over: Partial<SendingLogEntry> & { recipientId: string }): SendingLogEntry => ({
  ...REF,
  profileId: over.recipientId,
  email: 'recipient@example.com',
  status: 'sent',
  updatedAt: '2026-11-22T09:00:00Z',
  ...over,
});

/** Prepares these recipients and brings each to its status through the ledger (sent with its message id). */
const put = async (...entries: SendingLogEntry[]) => {
  const targetOf = (e: SendingLogEntry) => ({
    recipientId: e.recipientId,
    profileId: e.profileId,
    email: e.email,
  });
  await deps.recipientLog.putTargets(REF, entries.map(targetOf), '2026-11-22T09:00:00Z');
  for (const e of entries) {
    await deps.profiles.upsertMany([{ id: e.profileId, email: e.email }], deps.clock.now());
    if (e.status === 'in-doubt') await deps.ledger.markInDoubt(REF, targetOf(e), e.updatedAt);
    else if (e.status === 'sent' && e.sesMessageId) {
      await deps.ledger.markSent(REF, targetOf(e), {
        sesMessageId: e.sesMessageId,
        at: e.sentAt ?? e.updatedAt,
        by: 'sender-1',
      });
    }
  }
};

const stored = async (recipientId: string) => (await deps.ledger.get(REF, recipientId)) as LedgerEntry;

/** Ingests bodies as the handler does (one counter batch per invocation, flushed at its end). */
const ingest = async (...bodies: unknown[]) => {
  const batch = new CounterBatch();
  const results = [];
  for (const body of bodies) results.push(await ingestEnvelope(deps, openEnvelope(body), batch));
  await batch.flush(deps.counters);
  return results;
};

const counters = () => deps.counters.read('d-1');

const tagged = (
  record: Record<string, unknown> & { mail: Record<string, unknown> },
  recipientId: string,
  options: { evidence?: boolean } = {},
) => {
  record.mail.tags = {
    ...(record.mail.tags as object),
    delivery: [REF.deliveryId],
    version: [String(REF.version)],
    recipient: [recipientId],
    ...(options.evidence ? { evidence: ['1'] } : {}),
  };
  return record;
};

describe('every AWS fixture, bare and in its SNS envelope, attributed by SES message id', () => {
  /** What each fixture does to a sent recipient (recipient@example.com, the fixtures' message id). */
  const cases: Array<[string, (e: LedgerEntry) => void, Record<string, number>]> = [
    // Untagged, so in no evidence sample: nothing noted.
    ['send', (e) => expect(e.status).toBe('sent'), {}],
    [
      'delivery',
      (e) => {
        expect(e.status).toBe('delivered');
        expect(e.deliveredAt).toBe('2016-10-19T23:21:04.133Z');
      },
      { delivered: 1 },
    ],
    [
      'bounce-permanent',
      (e) => {
        expect(e).toMatchObject({ status: 'failed', failureType: 'hard' });
        expect(e.failureReason).toMatch(/5\.1\.1|Permanent/);
        expect(deps.quarantine.items.get('recipient@example.com')).toMatchObject({ status: 'quarantined' });
      },
      { bouncesAndErrors: 1 },
    ],
    [
      'complaint',
      (e) => {
        expect(e.status).toBe('delivered');
        expect(deps.quarantine.items.get('recipient@example.com')).toMatchObject({ status: 'denylisted' });
      },
      { delivered: 1 },
    ],
    [
      'open',
      (e) => {
        expect(e).toMatchObject({ status: 'delivered', opens: 1, firstOpenAt: '2017-08-09T22:00:19.652Z' });
        const [t] = deps.tracking.entries.values();
        expect(t).toMatchObject({ type: 'open', recipientId: 'r-1', sesMessageId: MESSAGE });
        expect(t!.userAgent).toMatch(/iPhone/);
      },
      { delivered: 1, opens: 1, uniqueOpens: 1 },
    ],
    [
      'click',
      (e) => {
        expect(e).toMatchObject({ status: 'delivered', clicks: 1 });
        expect(e.firstClickAt).toBe(e.firstOpenAt); // a click implies an open
        const [t] = deps.tracking.entries.values();
        expect(t).toMatchObject({
          type: 'click',
          link: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html',
        });
      },
      { delivered: 1, opens: 1, uniqueOpens: 1, clicks: 1, uniqueClicks: 1 },
    ],
    [
      'rendering-failure',
      (e) => {
        expect(e).toMatchObject({ status: 'failed', failureType: 'error' });
        expect(e.failureReason).toMatch(/Attribute 'attributeName' is not present/);
      },
      { bouncesAndErrors: 1 },
    ],
    ['delivery-delay', (e) => expect(e.status).toBe('sent'), {}],
    [
      'subscription',
      (e) => {
        expect(e.status).toBe('sent');
        expect(deps.profiles.items.get('r-1')?.optOut).toBe(true);
        expect([...deps.tracking.entries.values()].map((t) => t.type)).toEqual(['opt-out']);
      },
      {},
    ],
  ];

  for (const wrap of ['bare', 'sns'] as const) {
    it.each(cases)(`ingests %s (${wrap})`, async (name, check, deltas) => {
      const record = sesFixture(name);
      const messageId = record.mail.messageId as string;
      await put(entry({ recipientId: 'r-1', sesMessageId: messageId, sentAt: '2026-11-22T09:00:00Z' }));
      const before = await counters();
      const [result] = await ingest(wrap === 'sns' ? snsEnvelope(record) : record);
      expect(result!.recipients).toEqual([
        {
          recipientId: 'r-1',
          outcome: name === 'send' || name === 'delivery-delay' ? 'unchanged' : 'applied',
        },
      ]);
      check(await stored('r-1'));
      const after = await counters();
      for (const key of Object.keys(after) as Array<keyof typeof after>) {
        expect({ [key]: after[key] - before[key] }).toEqual({ [key]: deltas[key] ?? 0 });
      }
    });
  }

  it('fails the recipient of the reject fixture (sender@example.com) with the reason SES gave', async () => {
    await put(entry({ recipientId: 'r-2', email: 'sender@example.com', sesMessageId: MESSAGE }));
    await ingest(sesFixture('reject'));
    expect(await stored('r-2')).toMatchObject({
      status: 'failed',
      failureType: 'error',
      failureReason: 'Bad content',
    });
    expect((await counters()).bouncesAndErrors).toBe(1);
  });
});

describe('dedupe', () => {
  beforeEach(() => put(entry({ recipientId: 'r-1', sesMessageId: MESSAGE })));

  it('applies an envelope delivered twice once (its tracking entry is there: nothing to write)', async () => {
    const open = snsEnvelope(sesFixture('open'), 'sns-1');
    const [first, second] = await ingest(open, open);
    expect(first!.recipients).toEqual([{ recipientId: 'r-1', outcome: 'applied' }]);
    expect(second!.recipients).toEqual([{ recipientId: 'r-1', outcome: 'unchanged' }]);
    expect(await stored('r-1')).toMatchObject({ opens: 1 });
    expect(await counters()).toMatchObject({ opens: 1, uniqueOpens: 1 });
  });

  it('counts a permanent bounce once when SES publishes it in two envelopes', async () => {
    await ingest(
      snsEnvelope(sesFixture('bounce-permanent'), 'a'),
      snsEnvelope(sesFixture('bounce-permanent'), 'b'),
    );
    expect(deps.events.outcomes.size).toBe(1);
    expect(deps.quarantine.writes).toBe(1);
    expect(await counters()).toMatchObject({ bouncesAndErrors: 1 });
  });

  it('counts two opens in two envelopes as two opens of one unique opener', async () => {
    const later = sesFixture('open');
    (later.open as Record<string, string>).timestamp = '2017-08-10T08:00:00.000Z';
    await ingest(snsEnvelope(sesFixture('open')), snsEnvelope(later));
    expect(await stored('r-1')).toMatchObject({ opens: 2, firstOpenAt: '2017-08-09T22:00:19.652Z' });
    expect(await counters()).toMatchObject({ opens: 2, uniqueOpens: 1, delivered: 1 });
  });

  it('completes an envelope whose first ingestion crashed part-way, without counting twice', async () => {
    const open = snsEnvelope(sesFixture('open'), 'sns-crash');
    const applyEvent = deps.ledger.applyEvent.bind(deps.ledger);
    deps.ledger.applyEvent = async (...args) => {
      await applyEvent(...args);
      throw new Error('crash after the entry was written');
    };
    await expect(ingest(open)).rejects.toThrow(/crash/);
    deps.ledger.applyEvent = applyEvent;
    const [retry] = await ingest(open);
    expect(retry!.recipients).toEqual([{ recipientId: 'r-1', outcome: 'unchanged' }]);
    expect(await stored('r-1')).toMatchObject({ opens: 1, status: 'delivered' });
    expect(deps.tracking.entries.size).toBe(1);
  });
});

describe('order and lateness', () => {
  beforeEach(() => put(entry({ recipientId: 'r-1', sesMessageId: MESSAGE })));

  it('never moves a recipient backwards: a Delivery after a Bounce changes nothing', async () => {
    await ingest(sesFixture('bounce-permanent'), sesFixture('delivery'));
    expect(await stored('r-1')).toMatchObject({ status: 'failed', failureType: 'hard' });
    expect(await counters()).toMatchObject({ delivered: 0, bouncesAndErrors: 1 });
  });

  it('lets a Bounce follow a Delivery: delivered, then failed (Delivered moves to Bounces + errors)', async () => {
    await ingest(sesFixture('delivery'));
    expect(await counters()).toMatchObject({ delivered: 1, bouncesAndErrors: 0 });
    await ingest(sesFixture('bounce-permanent'));
    expect(await stored('r-1')).toMatchObject({ status: 'failed' });
    expect(await counters()).toMatchObject({ delivered: 0, bouncesAndErrors: 1 });
  });

  it('takes an open before its Delivery as proof of delivery, and the Delivery then changes nothing', async () => {
    await ingest(sesFixture('open'), sesFixture('delivery'));
    expect(await stored('r-1')).toMatchObject({ status: 'delivered', opens: 1 });
    expect(await counters()).toMatchObject({ delivered: 1, opens: 1 });
  });

  it('treats a transient bounce after a delivery as an auto-reply (ooto), and before one as a soft failure', async () => {
    const soft = sesFixture('bounce-permanent');
    (soft.bounce as Record<string, string>).bounceType = 'Transient';
    (soft.bounce as Record<string, string>).bounceSubType = 'General';
    await put(entry({ recipientId: 'r-2', email: 'other@example.com', sesMessageId: 'm-2' }));
    await ingest(sesFixture('delivery'), soft);
    expect(await stored('r-1')).toMatchObject({ status: 'delivered' });
    expect(deps.quarantine.items.size).toBe(0);
    const before = structuredClone(soft);
    (before.mail as Record<string, unknown>).messageId = 'm-2';
    (
      before.bounce as { bouncedRecipients: Array<{ emailAddress: string }> }
    ).bouncedRecipients[0]!.emailAddress = 'other@example.com';
    await ingest(before);
    expect(await stored('r-2')).toMatchObject({ status: 'failed', failureType: 'soft' });
    expect(deps.quarantine.items.get('other@example.com')).toMatchObject({
      status: 'erroneous',
      errorCount: 1,
    });
  });

  it('ends an auto-reply (ooto) that overtook its Delivery as the other order does: delivered, the address released', async () => {
    // Events of one message come in no guaranteed order: under load the ooto's transient bounce may be ingested
    // first (another batch, another invocation). The Delivery then proves the message arrived.
    const soft = sesFixture('bounce-permanent');
    (soft.bounce as Record<string, string>).bounceType = 'Transient';
    (soft.bounce as Record<string, string>).bounceSubType = 'General';
    await ingest(soft);
    expect(await stored('r-1')).toMatchObject({ status: 'failed', failureType: 'soft' });
    await ingest(sesFixture('delivery'));
    const after = await stored('r-1');
    expect(after).toMatchObject({ status: 'delivered' });
    expect(after.failureType).toBeUndefined();
    expect(after.failureReason).toBeUndefined();
    expect(deps.quarantine.items.size).toBe(0);
    expect(await counters()).toMatchObject({ delivered: 1, bouncesAndErrors: 0 });
  });

  it('delivers a recipient whose auto-reply (a transient bounce) overtook its Delivery: SES gave up on nothing', async () => {
    const reply = sesFixture('bounce-permanent');
    (reply.bounce as Record<string, string>).bounceType = 'Transient';
    (reply.bounce as Record<string, string>).bounceSubType = 'General';
    await ingest(reply, sesFixture('delivery'));
    const after = await stored('r-1');
    expect(after).toMatchObject({ status: 'delivered' });
    expect(after.failureType).toBeUndefined();
    expect(await counters()).toMatchObject({ delivered: 1, bouncesAndErrors: 0, processed: 0 });
    // A later auto-reply of the same message changes nothing, nor does the Delivery again.
    await ingest(reply, sesFixture('delivery'));
    expect(await stored('r-1')).toMatchObject({ status: 'delivered' });
  });

  it('records a late click (60 days after) and keeps it 90 days from the event', async () => {
    deps.clock.current = new Date('2017-10-08T00:00:00Z');
    await ingest(sesFixture('click'));
    expect(await stored('r-1')).toMatchObject({ clicks: 1, status: 'delivered' });
    const [expiresAt] = deps.tracking.expiries.values();
    const clickedAt = (sesFixture('click').click as { timestamp: string }).timestamp;
    expect(expiresAt).toBe(Math.floor(Date.parse(clickedAt) / 1000) + EVENT_RETENTION_DAYS * 86_400);
  });

  it('releases an erroneous address when a delivery to it succeeds, and keeps a quarantined one', async () => {
    deps.quarantine.items.set('recipient@example.com', {
      address: 'recipient@example.com',
      status: 'erroneous',
      errorCount: 2,
      lastErrorAt: '2016-10-10T00:00:00Z',
      reason: 'Mailbox full',
    });
    await ingest(sesFixture('delivery'));
    expect(deps.quarantine.items.has('recipient@example.com')).toBe(false);
  });
});

describe('several recipients in one event', () => {
  it('applies each entry to its own recipient and skips the addresses that are not this message’s', async () => {
    await put(entry({ recipientId: 'r-1', sesMessageId: MESSAGE }));
    const bounce = sesFixture('bounce-permanent');
    const b = bounce.bounce as { bouncedRecipients: Array<Record<string, string>> };
    b.bouncedRecipients.push({ ...b.bouncedRecipients[0]!, emailAddress: 'someone-else@example.com' });
    const [result] = await ingest(bounce);
    // The other address is no profile of this message (no tags: it is looked up by its address): skipped.
    expect(result!.recipients).toEqual([
      { recipientId: 'r-1', outcome: 'applied' },
      { recipientId: null, outcome: 'unattributed' },
    ]);
    expect([...deps.quarantine.items.keys()]).toEqual(['recipient@example.com']);
  });

  it('records a delay naming several recipients without failing any', async () => {
    await put(entry({ recipientId: 'r-1', sesMessageId: MESSAGE }));
    const delay = sesFixture('delivery-delay');
    const d = delay.deliveryDelay as { delayedRecipients: Array<Record<string, string>> };
    d.delayedRecipients.push({ ...d.delayedRecipients[0]!, emailAddress: 'b@example.com' });
    const [result] = await ingest(delay);
    expect(result!.recipients.map((r) => r.outcome)).toEqual(['unchanged', 'unattributed']);
    expect(await stored('r-1')).toMatchObject({ status: 'sent' });
  });
});

describe('feedback notifications and the entries of a bounce', () => {
  it('applies AWS’s Bounce notification (no tags) to the recipient holding its SES message id: failed, quarantined', async () => {
    const example = sesExample<{ mail: { messageId: string } }>('notification-bounce-with-dsn');
    await put(entry({ recipientId: 'r-1', email: 'jane@example.com', sesMessageId: example.mail.messageId }));
    const [result] = await ingest(snsEnvelope(example));
    expect(result).toMatchObject({ format: 'notification', eventType: 'Bounce' });
    expect(result!.recipients).toEqual([{ recipientId: 'r-1', outcome: 'applied' }]);
    expect(await stored('r-1')).toMatchObject({ status: 'failed', failureType: 'hard' });
    expect(deps.quarantine.items.get('jane@example.com')).toMatchObject({ status: 'quarantined' });
  });

  it('counts a bounce once when SES publishes it both as an event record and as a notification', async () => {
    const example = sesExample<{ mail: { messageId: string; tags?: unknown } }>(
      'notification-bounce-with-dsn',
    );
    await put(entry({ recipientId: 'r-1', email: 'jane@example.com', sesMessageId: example.mail.messageId }));
    const asEvent = {
      ...Object.fromEntries(Object.entries(example).filter(([key]) => key !== 'notificationType')),
      eventType: 'Bounce',
    };
    const results = await ingest(example, snsEnvelope(asEvent));
    expect(results.map((r) => r.recipients[0]!.outcome)).toEqual(['applied', 'duplicate-outcome']);
    expect(await counters()).toMatchObject({ bouncesAndErrors: 1 });
  });

  for (const attribution of ['message tags (event record)', 'SES message id (notification)'] as const) {
    it(`fails only the failed entry of a Bounce with a failed 5.x.x and a delayed 4.x.x entry, by ${attribution}`, async () => {
      const bounce = failedAndDelayedBounce();
      const messageId = bounce.mail.messageId as string;
      const asBody = (recipientId: string) =>
        attribution === 'SES message id (notification)'
          ? bounce
          : tagged({ ...bounce, notificationType: undefined, eventType: 'Bounce' }, recipientId);
      // One message per recipient: the failed entry's recipient, then the delayed entry's, each holding the message.
      await put(entry({ recipientId: 'r-1', email: 'recipient1@example.com', sesMessageId: messageId }));
      const [failed] = await ingest(asBody('r-1'));
      // The other entry's address: another recipient of the message's tags, or no profile at all by message id.
      const other = attribution === 'SES message id (notification)' ? 'unattributed' : 'not-this-message';
      expect(failed!.recipients.map((r) => r.outcome)).toEqual(['applied', other]);
      expect(await stored('r-1')).toMatchObject({ status: 'failed', failureType: 'hard' });

      deps = fakeDeps();
      deps.clock.current = new Date('2026-11-22T10:00:00Z');
      await put(entry({ recipientId: 'r-2', email: 'recipient2@example.com', sesMessageId: messageId }));
      const [delayed] = await ingest(asBody('r-2'));
      expect(delayed!.recipients.map((r) => r.outcome)).toEqual([other, 'unchanged']);
      expect(await stored('r-2')).toMatchObject({ status: 'sent' });
      expect(deps.quarantine.items.size).toBe(0);
      expect(await counters()).toMatchObject({ bouncesAndErrors: 0 });
    });
  }
});

describe('attribution', () => {
  it('finds the recipient by its message tags, and reconciles an in-doubt one (sent, with the message id)', async () => {
    await put(entry({ recipientId: 'r-9', status: 'in-doubt' }));
    const send = tagged(sesFixture('send'), 'r-9');
    const [result] = await ingest(send);
    expect(result!.recipients).toEqual([{ recipientId: 'r-9', outcome: 'applied' }]);
    expect(await stored('r-9')).toMatchObject({
      status: 'sent',
      sesMessageId: MESSAGE,
      sentAt: '2016-10-14T05:02:16.645Z',
    });
    expect(await counters()).toMatchObject({ sent: 1, processed: 1, settled: 0 });
  });

  it('reconciles an in-doubt recipient straight to delivered when its first event is a Delivery', async () => {
    await put(entry({ recipientId: 'r-9', status: 'in-doubt' }));
    await ingest(tagged(sesFixture('delivery'), 'r-9'));
    expect(await stored('r-9')).toMatchObject({ status: 'delivered', sesMessageId: MESSAGE });
    expect(await counters()).toMatchObject({ sent: 1, processed: 1, delivered: 1 });
  });

  /** An in-doubt recipient the sweeper failed after the window ("in doubt: no SES record"), counted as it did. */
  const failedInDoubt = async (recipientId: string) => {
    await put(entry({ recipientId, status: 'in-doubt' }));
    await deps.ledger.expireInDoubt(REF, recipientId, {
      failureType: 'error',
      failureReason: 'in doubt: no SES record',
      at: '2026-11-22T09:30:00Z',
    });
    await deps.counters.add('d-1', 0, { processed: 1, bouncesAndErrors: 1, settled: 1 });
  };

  it('reconciles a recipient failed "in doubt: no SES record" that a Send event names later: sent, its KPIs follow', async () => {
    await failedInDoubt('r-9');
    const [result] = await ingest(tagged(sesFixture('send'), 'r-9'));
    expect(result!.recipients).toEqual([{ recipientId: 'r-9', outcome: 'applied' }]);
    const after = await stored('r-9');
    expect(after).toMatchObject({
      status: 'sent',
      sesMessageId: MESSAGE,
      sentAt: '2016-10-14T05:02:16.645Z',
    });
    expect(after.failureType).toBeUndefined();
    expect(after.failureReason).toBeUndefined();
    expect(await counters()).toMatchObject({ sent: 1, processed: 1, bouncesAndErrors: 0, settled: 1 });
  });

  it('reconciles a failed-in-doubt recipient to delivered on a late Delivery, and to a hard bounce on a Bounce', async () => {
    await failedInDoubt('r-8');
    await ingest(tagged(sesFixture('delivery'), 'r-8'));
    expect(await stored('r-8')).toMatchObject({ status: 'delivered', sesMessageId: MESSAGE });
    expect(await counters()).toMatchObject({ sent: 1, processed: 1, delivered: 1, bouncesAndErrors: 0 });
    await failedInDoubt('r-7');
    await ingest(tagged(sesFixture('bounce-permanent'), 'r-7'));
    expect(await stored('r-7')).toMatchObject({ status: 'failed', failureType: 'hard' });
    expect((await stored('r-7')).sesMessageId).toBeDefined();
  });

  it('leaves any other failure alone: a later Delivery never revives a recipient SES rejected', async () => {
    await put(entry({ recipientId: 'r-6', status: 'in-doubt' }));
    await deps.ledger.expireInDoubt(REF, 'r-6', {
      failureType: 'error',
      failureReason: 'MessageRejected',
      at: '2026-11-22T09:30:00Z',
    });
    await ingest(tagged(sesFixture('delivery'), 'r-6'));
    expect(await stored('r-6')).toMatchObject({ status: 'failed', failureReason: 'MessageRejected' });
  });

  it('records the send of a pending recipient whose sender has not recorded it yet; that sender then counts nothing', async () => {
    await put(entry({ recipientId: 'r-9', status: 'pending' }));
    await ingest(tagged(sesFixture('send'), 'r-9'));
    expect(await stored('r-9')).toMatchObject({ status: 'sent', sesMessageId: MESSAGE });
    expect(await counters()).toMatchObject({ sent: 1, processed: 1, settled: 1 });
    const target = { recipientId: 'r-9', profileId: 'r-9', email: 'recipient@example.com' };
    expect(
      await deps.ledger.markSent(REF, target, {
        sesMessageId: MESSAGE,
        at: '2026-11-22T10:00:01Z',
        by: 's-1',
      }),
    ).toBe(false);
  });

  it("counts the distinct Send events of the delivery's evidence sample (the event path's evidence), none of another message", async () => {
    await put(
      entry({ recipientId: 'r-1', sesMessageId: MESSAGE }),
      entry({ recipientId: 'r-2', sesMessageId: 'other' }),
      entry({ recipientId: 'r-3', sesMessageId: MESSAGE, email: 'recipient@example.com' }),
    );
    await ingest(
      tagged(sesFixture('send'), 'r-1', { evidence: true }),
      tagged(sesFixture('delivery'), 'r-1', { evidence: true }),
      tagged(sesFixture('send'), 'r-2', { evidence: true }),
      // SNS delivers at least once: a duplicate would make a lagging event path look healthy.
      tagged(sesFixture('send'), 'r-1', { evidence: true }),
      // Not in the sample (no evidence tag): no note, no write.
      tagged(sesFixture('send'), 'r-3'),
    );
    expect(await counters()).toMatchObject({ sendEvents: 1, delivered: 1 });
    expect(await deps.ledger.noteSendEvent(REF, 'r-3', '2026-11-22T10:00:00Z')).toBe(true); // never noted
  });

  it("counts a sampled message that an event recorded sent in the sample's sent count too (evidenceSent)", async () => {
    await put(
      entry({ recipientId: 'r-8', status: 'in-doubt' }),
      entry({ recipientId: 'r-9', status: 'in-doubt' }),
    );
    await ingest(tagged(sesFixture('send'), 'r-8', { evidence: true }), tagged(sesFixture('send'), 'r-9'));
    expect(await counters()).toMatchObject({ sent: 2, sendEvents: 1, evidenceSent: 1 });
  });

  it('logs an event for no known recipient as unattributed, each time (nothing is stored for it)', async () => {
    const [first, second] = await ingest(
      snsEnvelope(sesFixture('delivery'), 'x'),
      snsEnvelope(sesFixture('delivery'), 'x'),
    );
    expect(first!.recipients).toEqual([{ recipientId: null, outcome: 'unattributed' }]);
    expect(second!.recipients).toEqual([{ recipientId: null, outcome: 'unattributed' }]);
  });

  it('recomputes when the recipient moved between its read and its write', async () => {
    await put(entry({ recipientId: 'r-1', sesMessageId: MESSAGE }));
    deps.ledger.beforeApply = (e) => {
      e.status = 'failed';
      e.failureType = 'hard';
    };
    const [result] = await ingest(sesFixture('delivery'));
    expect(result!.recipients).toEqual([{ recipientId: 'r-1', outcome: 'unchanged' }]);
    expect(await stored('r-1')).toMatchObject({ status: 'failed' });
    expect(await counters()).toMatchObject({ delivered: 0 });
  });
});
