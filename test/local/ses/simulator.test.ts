/**
 * The SES event simulator: its records hold the key paths of AWS's published examples and parse with the
 * product's own envelope parser; the mailbox simulator's matrix (labels, case) gives SES's event sequences in
 * order and at their (scaled) delays; random engagement with an injected random; and nothing lost or published
 * twice across a crash. An injected clock and timers: no real sleeps.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEnvelope, recipientEvents } from '#domain/ses-events.ts';
import { SNS_SUBJECT, snsEnvelope } from '#local/ses/envelope.ts';
import type { SentListener, SesJournalEntry } from '#local/ses/journal.ts';
import { EVENT_DELAYS_MS, scenarioOf } from '#local/ses/mailbox.ts';
import { buildRecord, SUPPRESSED_DIAGNOSTIC } from '#local/ses/records.ts';
import { trackingUrls } from '#local/ses/routes.ts';
import { type SesEventSimulatorOptions, startSesEventSimulator } from '#local/ses/simulator.ts';
import { readState } from '#local/ses/simulator-state.ts';
import { fakeClock as clockFrom, flush } from '#test/helpers/fake-timers.ts';
import { fixture as awsFixture } from '#test/helpers/aws-events.ts';

const fixture = (path: string) => awsFixture<Record<string, unknown>>(path);

const SIM = 'simulator.amazonses.com';
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:local-ses-events';
const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const fakeClock = (start = T0) => clockFrom(start);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-ses-events-'));
  dirs.push(dir);
  return dir;
};

interface Sent {
  at: number;
  body: string;
  envelope: Record<string, string>;
  record: Record<string, unknown> & {
    eventType: string;
    mail: { messageId: string; tags: Record<string, string[]> };
  };
}

/** The events queue, as the simulator sees it: a publish that records, and may fail when told. */
const fakeQueue = (clock: { now(): number }) => {
  const sent: Sent[] = [];
  let failWhen: ((record: Sent['record']) => 'refuse' | 'lose-answer' | null) | null = null;
  return {
    sent,
    failWhen(rule: typeof failWhen) {
      failWhen = rule;
    },
    publish: async (body: string) => {
      const envelope = JSON.parse(body) as Record<string, string>;
      const record = JSON.parse(envelope.Message!) as Sent['record'];
      const fault = failWhen?.(record) ?? null;
      if (fault === 'refuse') throw new Error('SQS is down');
      sent.push({ at: clock.now(), body, envelope, record });
      if (fault === 'lose-answer') throw new Error('socket hang up');
    },
  };
};

let seq = 0;
const entry = (to: string[], extra: Partial<SesJournalEntry> = {}, at = T0): SesJournalEntry => {
  seq += 1;
  return {
    at: new Date(at).toISOString(),
    requestId: `req-${seq}`,
    operation: 'SendEmail',
    outcome: 'sent',
    httpStatus: 200,
    messageId: `ses-${String(seq).padStart(6, '0')}`,
    from: 'Spring News <news@example.com>',
    destination: { to, cc: [], bcc: [] },
    configurationSetName: 'local-config-set',
    tags: [
      { name: 'delivery', value: 'd-1' },
      { name: 'version', value: '3' },
      { name: 'recipient', value: `r-${seq}` },
    ],
    ...extra,
  };
};

/** A simulator on a fresh data folder, fed as the SES front feeds it (journal line, then onSent). */
const setup = (options: Partial<SesEventSimulatorOptions> = {}, dir = tempDir()) => {
  const clock = fakeClock();
  const queue = fakeQueue(clock);
  const listeners = new Set<SentListener>();
  const journalPath = join(dir, 'ses-journal.ndjson');
  const statePath = join(dir, 'ses-events.ndjson');
  const errors: unknown[] = [];
  const start = (extra: Partial<SesEventSimulatorOptions> = {}) =>
    startSesEventSimulator({
      publish: queue.publish,
      journalPath,
      statePath,
      source: {
        onSent(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      topicArn: TOPIC,
      defaultConfigurationSet: 'local-config-set',
      now: clock.now,
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
      onError: (error) => errors.push(error),
      ...options,
      ...extra,
    });
  const simulator = start();
  const send = (e: SesJournalEntry) => {
    appendFileSync(journalPath, `${JSON.stringify(e)}\n`);
    for (const listener of listeners) listener(e);
    return e;
  };
  return { clock, queue, simulator, send, start, journalPath, statePath, errors, listeners };
};

// ---- Key paths ----------------------------------------------------------------------------------------------------

/** Maps whose keys are data (tag names), not schema: their entries count as `*`. */
const MAPS = new Set(['mail.tags', 'click.linkTags']);

/** Every leaf path of a JSON value, array indices folded into `[]`. */
const keyPaths = (value: unknown, path = '', out = new Set<string>()): Set<string> => {
  if (Array.isArray(value)) {
    if (value.length === 0) out.add(path);
    for (const item of value) keyPaths(item, `${path}[]`, out);
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) out.add(path);
    for (const key of keys) {
      const child = MAPS.has(path) ? `${path}.*` : path ? `${path}.${key}` : key;
      keyPaths((value as Record<string, unknown>)[key], child, out);
    }
  } else out.add(path);
  return out;
};
const sorted = (paths: Set<string>) => [...paths].sort();

const SES_TAGS = ['ses:caller-identity', 'ses:configuration-set', 'ses:from-domain', 'ses:source-ip'];

/**
 * The key paths a record of this type must have: those of AWS's example of the type, with the two documented
 * differences (see buildRecord): `mail.sourceArn` on Open and Click (only AWS's examples of these lack it), and an
 * auto-reply's bounce without the DSN fields (an out-of-office answer is not a DSN).
 */
const FIXTURE_OF: Record<string, string> = {
  Send: 'send.json',
  Delivery: 'delivery.json',
  Bounce: 'bounce-permanent.json',
  Complaint: 'complaint.json',
  Open: 'open.json',
  Click: 'click.json',
};
const AUTO_REPLY_ABSENT = [
  'bounce.reportingMTA',
  'bounce.bouncedRecipients[].action',
  'bounce.bouncedRecipients[].status',
  'bounce.bouncedRecipients[].diagnosticCode',
];
const expectedShape = (record: { eventType: string; bounce?: unknown }): Set<string> => {
  const paths = keyPaths(fixture(`ses/bare/${FIXTURE_OF[record.eventType]}`));
  if (record.eventType === 'Open' || record.eventType === 'Click') paths.add('mail.sourceArn');
  if ((record.bounce as { bounceType?: string } | undefined)?.bounceType === 'Transient') {
    for (const path of AUTO_REPLY_ABSENT) paths.delete(path);
  }
  return paths;
};

describe('records and envelopes, against the AWS fixtures', () => {
  const base = entry([`success@${SIM}`]);
  const context = {
    region: 'us-east-1',
    accountId: '000000000000',
    defaultConfigurationSet: 'cs',
    at: new Date(T0 + 500),
  };
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['Send', buildRecord({ event: 'send', recipients: [`success@${SIM}`] }, base, context), 'send.json'],
    [
      'Delivery',
      buildRecord({ event: 'delivery', recipients: [`success@${SIM}`] }, base, context),
      'delivery.json',
    ],
    [
      'Bounce (General)',
      buildRecord({ event: 'bounce', recipients: [`bounce@${SIM}`] }, base, context),
      'bounce-permanent.json',
    ],
    [
      'Bounce (Suppressed)',
      buildRecord({ event: 'bounce-suppressed', recipients: [`suppressionlist@${SIM}`] }, base, context),
      'bounce-permanent.json',
    ],
    [
      'Complaint',
      buildRecord({ event: 'complaint', recipients: [`complaint@${SIM}`] }, base, context),
      'complaint.json',
    ],
    [
      'Open',
      buildRecord({ event: 'open', recipients: [`success@${SIM}`] }, base, context, {
        userAgent: 'Mozilla/5.0 (iPhone)',
        ipAddress: '127.0.0.1',
      }),
      'open.json',
    ],
    [
      'Click',
      buildRecord({ event: 'click', recipients: [`success@${SIM}`] }, base, context, {
        userAgent: 'Mozilla/5.0',
        ipAddress: '127.0.0.1',
        link: 'https://example.com/a',
        linkTags: { campaign: ['spring'] },
      }),
      'click.json',
    ],
  ];

  /**
   * AWS's Open and Click examples are the only ones whose `mail` lacks `sourceArn`, which the mail object's
   * documentation lists (reference/limits.md 1.4) and its other examples carry: every record of a message has the
   * same `mail`, so the simulator's Open and Click have it too. That is the one path beyond the examples.
   */
  it.each(cases)('a %s record has exactly the key paths of AWS’s example', (_, record, file) => {
    const expected = keyPaths(fixture(`ses/bare/${file}`));
    if (file === 'open.json' || file === 'click.json') expected.add('mail.sourceArn');
    expect(sorted(keyPaths(record))).toEqual(sorted(expected));
    expect(sorted(expectedShape(record as { eventType: string }))).toEqual(sorted(expected));
  });

  it.each(cases)('a %s record carries SES’s own tags and the message tags', (_, record) => {
    const tags = (record.mail as { tags: Record<string, string[]> }).tags;
    expect(Object.keys(tags)).toEqual(
      expect.arrayContaining([...SES_TAGS, 'delivery', 'version', 'recipient']),
    );
    expect(tags).toMatchObject({
      'ses:configuration-set': ['local-config-set'],
      'ses:from-domain': ['example.com'],
      delivery: ['d-1'],
      version: ['3'],
      recipient: [base.tags[2]!.value],
    });
  });

  it('an ooto auto-reply is the Transient/General bounce SES reports: the bounce example’s paths less the DSN fields', () => {
    const record = buildRecord({ event: 'auto-reply', recipients: [`ooto@${SIM}`] }, base, context);
    const expected = keyPaths(fixture('ses/bare/bounce-permanent.json'));
    for (const dsn of AUTO_REPLY_ABSENT) expected.delete(dsn);
    expect(sorted(keyPaths(record))).toEqual(sorted(expected));
    expect(record.bounce).toMatchObject({ bounceType: 'Transient', bounceSubType: 'General' });
  });

  it('wraps a record in the SNS envelope with the keys of AWS’s example, in its order, parsed by openEnvelope', () => {
    const record = cases[2]![1];
    const envelope = snsEnvelope(record, {
      topicArn: TOPIC,
      snsMessageId: '3f1e0c4e-0000-5000-8000-000000000001',
      at: new Date(T0),
    });
    expect(Object.keys(envelope)).toEqual(Object.keys(fixture('sns/http-notification.json')));
    expect(envelope).toMatchObject({
      Type: 'Notification',
      Subject: SNS_SUBJECT,
      TopicArn: TOPIC,
      SignatureVersion: '1',
    });
    expect(Buffer.from(envelope.Signature, 'base64')).toHaveLength(256);
    const opened = openEnvelope(JSON.parse(JSON.stringify(envelope)));
    expect(opened.envelopeId).toBe('sns:3f1e0c4e-0000-5000-8000-000000000001');
    expect(opened.record).toEqual(record);
  });

  it('gives bounces the fields the ingester reads (type, subtype, diagnostic per recipient)', () => {
    const bounce = openEnvelope(
      snsEnvelope(cases[3]![1], { topicArn: TOPIC, snsMessageId: 'x', at: new Date(T0) }),
    );
    expect(recipientEvents(bounce.record)).toEqual([
      expect.objectContaining({
        kind: 'bounce',
        address: `suppressionlist@${SIM}`,
        tags: { delivery: 'd-1', version: 3, recipient: base.tags[2]!.value },
        bounce: { type: 'Permanent', subType: 'Suppressed', diagnostic: SUPPRESSED_DIAGNOSTIC },
      }),
    ]);
  });
});

// ---- The mailbox simulator -----------------------------------------------------------------------------------------

/** What a test reads of a published record: its type (with the bounce kind) and when it went out. */
const describeRecord = (s: Sent) => {
  const bounce = s.record.bounce as { bounceType: string; bounceSubType: string } | undefined;
  return bounce ? `Bounce ${bounce.bounceType}/${bounce.bounceSubType}` : s.record.eventType;
};

const MATRIX: Array<[string, string[], number[]]> = [
  ['success', ['Send', 'Delivery'], [0, EVENT_DELAYS_MS.delivery]],
  ['bounce', ['Send', 'Bounce Permanent/General'], [0, EVENT_DELAYS_MS.bounce]],
  [
    'ooto',
    ['Send', 'Delivery', 'Bounce Transient/General'],
    [0, EVENT_DELAYS_MS.delivery, EVENT_DELAYS_MS['auto-reply']],
  ],
  ['complaint', ['Send', 'Delivery', 'Complaint'], [0, EVENT_DELAYS_MS.delivery, EVENT_DELAYS_MS.complaint]],
  ['suppressionlist', ['Send', 'Bounce Permanent/Suppressed'], [0, EVENT_DELAYS_MS['bounce-suppressed']]],
];
const variants = (local: string) => [
  `${local}@${SIM}`,
  `${local}+label-7@${SIM}`,
  `${local.toUpperCase()}+LaBeL@SIMULATOR.AMAZONSES.COM`,
];

describe('the mailbox simulator', () => {
  it('reads the scenario of an address: +label and case ignored, a display name allowed, anything else delivers', () => {
    expect(scenarioOf(`Bounce+x@Simulator.AmazonSES.com`)).toBe('bounce');
    expect(scenarioOf(`"Ann" <ooto+1@${SIM}>`)).toBe('ooto');
    expect(scenarioOf(`success@example.com`)).toBe('other');
    expect(scenarioOf(`blackhole@${SIM}`)).toBe('other');
    expect(scenarioOf(`bounce@${SIM}.evil.example`)).toBe('other');
  });

  describe.each(MATRIX)('%s@', (local, sequence, delays) => {
    it.each(variants(local))('%s: the events in order, each at its delay', async (address) => {
      const { clock, queue, simulator, send } = setup();
      const e = send(entry([address]));
      await clock.advance(5_000);
      expect(queue.sent.map(describeRecord)).toEqual(sequence);
      expect(queue.sent.map((s) => s.at - T0)).toEqual(delays);
      for (const s of queue.sent) {
        expect(sorted(keyPaths(s.record)), s.record.eventType).toEqual(sorted(expectedShape(s.record)));
        expect(Object.keys(s.envelope)).toEqual(Object.keys(fixture('sns/http-notification.json')));
        expect(s.record.mail).toMatchObject({ messageId: e.messageId, destination: [address] });
        expect(openEnvelope(JSON.parse(s.body)).envelopeId).toBe(`sns:${s.envelope.MessageId}`);
      }
      const bounce = queue.sent.find((s) => s.record.bounce)?.record.bounce as
        { bouncedRecipients: Array<Record<string, string>> } | undefined;
      if (local === 'bounce') {
        expect(bounce?.bouncedRecipients).toEqual([
          {
            emailAddress: address,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          },
        ]);
      }
      if (local === 'suppressionlist') {
        expect(bounce?.bouncedRecipients[0]?.diagnosticCode).toBe(SUPPRESSED_DIAGNOSTIC);
      }
      if (local === 'complaint') {
        expect(queue.sent[2]!.record.complaint).toMatchObject({
          complainedRecipients: [{ emailAddress: address }],
          complaintFeedbackType: 'abuse',
        });
      }
      expect(simulator.pending()).toBe(0);
      await simulator.stop();
    });
  });

  it('delivers any other address (Send, Delivery)', async () => {
    const { clock, queue, simulator, send } = setup();
    send(entry(['ann@example.com']));
    await clock.advance(5_000);
    expect(queue.sent.map(describeRecord)).toEqual(['Send', 'Delivery']);
    expect(queue.sent[1]!.record.delivery).toMatchObject({
      recipients: ['ann@example.com'],
      processingTimeMillis: EVENT_DELAYS_MS.delivery,
      smtpResponse: '250 2.6.0 Message received',
    });
    await simulator.stop();
  });

  it('publishes Send at once, the rest only as the clock reaches each delay', async () => {
    const { clock, queue, simulator, send } = setup();
    send(entry([`complaint@${SIM}`]));
    await flush();
    expect(queue.sent.map(describeRecord)).toEqual(['Send']);
    await clock.advance(EVENT_DELAYS_MS.delivery - 1);
    expect(queue.sent).toHaveLength(1);
    await clock.advance(1);
    expect(queue.sent.map(describeRecord)).toEqual(['Send', 'Delivery']);
    await clock.advance(EVENT_DELAYS_MS.complaint);
    expect(queue.sent.map(describeRecord)).toEqual(['Send', 'Delivery', 'Complaint']);
    await simulator.idle();
    await simulator.stop();
  });

  it('combines the recipients of one message that share an outcome, as SES does', async () => {
    const { clock, queue, simulator, send } = setup();
    const to = [`success@${SIM}`, `bounce+1@${SIM}`, `ooto@${SIM}`, `bounce+2@${SIM}`];
    send(entry(to.slice(0, 3), { destination: { to: to.slice(0, 3), cc: [to[3]!], bcc: [] } }));
    await clock.advance(5_000);
    expect(queue.sent.map(describeRecord)).toEqual([
      'Send',
      'Delivery',
      'Bounce Permanent/General',
      'Bounce Transient/General',
    ]);
    expect(queue.sent[0]!.record.mail).toMatchObject({
      destination: to,
      commonHeaders: { to: to.slice(0, 3), cc: [to[3]] },
    });
    expect(queue.sent[1]!.record.delivery).toMatchObject({ recipients: [`success@${SIM}`, `ooto@${SIM}`] });
    expect(
      (
        queue.sent[2]!.record.bounce as { bouncedRecipients: Array<{ emailAddress: string }> }
      ).bouncedRecipients.map((r) => r.emailAddress),
    ).toEqual([`bounce+1@${SIM}`, `bounce+2@${SIM}`]);
    await simulator.stop();
  });

  it('publishes nothing for what SES did not accept, and each accepted message once', async () => {
    const { clock, queue, simulator, send, listeners } = setup();
    send(entry([`success@${SIM}`], { outcome: 'throttled', messageId: null, httpStatus: 429 }));
    const e = send(entry([`success@${SIM}`]));
    for (const listener of listeners) listener(e);
    await clock.advance(5_000);
    expect(queue.sent.map(describeRecord)).toEqual(['Send', 'Delivery']);
    await simulator.stop();
  });

  it('publishes nothing for a message sent through a configuration set that has no event destination', async () => {
    const { clock, queue, simulator, send } = setup({
      publishesFor: (name: string | null) => name === null || name === 'confirm-and-send',
    });
    send(entry([`success@${SIM}`], { configurationSetName: 'no-destination' }));
    send(entry([`success+2@${SIM}`], { configurationSetName: null }));
    await clock.advance(5_000);
    expect(queue.sent.map((s) => (s.record.mail as { destination?: string[] }).destination)).toEqual([
      [`success+2@${SIM}`],
      [`success+2@${SIM}`],
    ]);
    await simulator.stop();
  });

  it('tags messages sent without a configuration set with the default one', async () => {
    const { clock, queue, simulator, send } = setup({ defaultConfigurationSet: 'the-default-set' });
    send(entry([`success@${SIM}`], { configurationSetName: null }));
    await clock.advance(1_000);
    expect(queue.sent[0]!.record.mail.tags['ses:configuration-set']).toEqual(['the-default-set']);
    await simulator.stop();
  });
});

describe('the delay scale', () => {
  it('0 publishes every event at once, in order, with no timer', async () => {
    const { clock, queue, simulator, send } = setup({ delayScale: 0 });
    send(entry([`ooto@${SIM}`]));
    send(entry([`complaint@${SIM}`]));
    await simulator.idle();
    expect(clock.timers()).toBe(0);
    expect(queue.sent.map((s) => s.at - T0)).toEqual([0, 0, 0, 0, 0, 0]);
    const byMessage = (id: string) =>
      queue.sent.filter((s) => s.record.mail.messageId === id).map(describeRecord);
    expect(byMessage(queue.sent[0]!.record.mail.messageId)).toEqual([
      'Send',
      'Delivery',
      'Bounce Transient/General',
    ]);
    await simulator.stop();
  });

  it('2 doubles each delay', async () => {
    const { clock, queue, simulator, send } = setup({ delayScale: 2 });
    send(entry([`complaint@${SIM}`]));
    await clock.advance(10_000);
    expect(queue.sent.map((s) => s.at - T0)).toEqual([
      0,
      2 * EVENT_DELAYS_MS.delivery,
      2 * EVENT_DELAYS_MS.complaint,
    ]);
    await simulator.stop();
  });

  it('holds a Send event for sendDelayMs, unscaled; the events after it follow in order', async () => {
    const { clock, queue, simulator, send } = setup({ delayScale: 10, sendDelayMs: 5_000 });
    send(entry([`complaint@${SIM}`]));
    await clock.advance(4_999);
    expect(queue.sent).toEqual([]);
    await clock.advance(20_000);
    expect(queue.sent.map((s) => [describeRecord(s), s.at - T0])).toEqual([
      ['Send', 5_000],
      ['Delivery', 5_000],
      ['Complaint', 10 * EVENT_DELAYS_MS.complaint],
    ]);
    await simulator.stop();
  });

  it('refuses a negative scale or Send delay and rates outside 0..1', () => {
    expect(() => setup({ delayScale: -1 })).toThrow(RangeError);
    expect(() => setup({ sendDelayMs: -1 })).toThrow(RangeError);
    expect(() => setup({ openRate: 1.5 })).toThrow(RangeError);
  });
});

describe('random engagement', () => {
  it('opens and clicks delivered messages with the injected random: clicks are a subset of opens', async () => {
    const draws = [0.1, 0.3, 0.7];
    const { clock, queue, simulator, send } = setup({
      openRate: 0.5,
      clickRate: 0.2,
      random: () => draws.shift()!,
    });
    const clicked = send(entry([`success@${SIM}`]));
    const opened = send(entry([`success@${SIM}`]));
    const bounced = send(entry([`bounce@${SIM}`])); // not delivered: no draw
    const untouched = send(entry([`success@${SIM}`]));
    await clock.advance(10_000);
    const of = (e: SesJournalEntry) => queue.sent.filter((s) => s.record.mail.messageId === e.messageId);
    expect(of(clicked).map(describeRecord)).toEqual(['Send', 'Delivery', 'Open', 'Click']);
    expect(of(clicked).map((s) => s.at - T0)).toEqual([
      0,
      EVENT_DELAYS_MS.delivery,
      EVENT_DELAYS_MS.open,
      EVENT_DELAYS_MS.click,
    ]);
    expect(of(opened).map(describeRecord)).toEqual(['Send', 'Delivery', 'Open']);
    expect(of(bounced).map(describeRecord)).toEqual(['Send', 'Bounce Permanent/General']);
    expect(of(untouched).map(describeRecord)).toEqual(['Send', 'Delivery']);
    expect(draws).toEqual([]);
    for (const sent of queue.sent) {
      expect(sorted(keyPaths(sent.record)), describeRecord(sent)).toEqual(sorted(expectedShape(sent.record)));
      expect(openEnvelope(JSON.parse(sent.body)).envelopeId).toBe(`sns:${sent.envelope.MessageId}`);
    }
    await simulator.stop();
  });

  it('draws nothing with both rates at 0 (the default)', async () => {
    const { clock, queue, simulator, send } = setup({
      random: () => {
        throw new Error('no draw expected');
      },
    });
    send(entry([`success@${SIM}`]));
    await clock.advance(10_000);
    expect(queue.sent.map(describeRecord)).toEqual(['Send', 'Delivery']);
    await simulator.stop();
  });
});

describe('opens and clicks on request', () => {
  it('publishes an Open and a Click for a sent message with the given facts; null for an unknown one', async () => {
    const { clock, queue, simulator, send } = setup();
    const e = send(entry([`success@${SIM}`]));
    await clock.advance(1_000);
    const open = await simulator.open(e.messageId!, { userAgent: 'Test-UA/1.0', ipAddress: '127.0.0.1' });
    expect(open).toMatchObject({ event: 'open', source: 'tracking' });
    const click = await simulator.click(e.messageId!, {
      userAgent: 'Test-UA/1.0',
      ipAddress: '127.0.0.1',
      link: 'https://example.com/offer?x=1',
    });
    expect(click?.envelope?.MessageId).not.toBe(open?.envelope?.MessageId);
    expect(queue.sent.slice(2).map((s) => [s.record.eventType, s.record.open ?? s.record.click])).toEqual([
      [
        'Open',
        { ipAddress: '127.0.0.1', timestamp: new Date(T0 + 1_000).toISOString(), userAgent: 'Test-UA/1.0' },
      ],
      [
        'Click',
        {
          ipAddress: '127.0.0.1',
          link: 'https://example.com/offer?x=1',
          linkTags: {},
          timestamp: new Date(T0 + 1_000).toISOString(),
          userAgent: 'Test-UA/1.0',
        },
      ],
    ]);
    expect(simulator.published(e.messageId!).map((p) => p.event)).toEqual([
      'send',
      'delivery',
      'open',
      'click',
    ]);
    expect(await simulator.open('no-such-message', { userAgent: '', ipAddress: '127.0.0.1' })).toBeNull();
    await simulator.stop();
  });

  it('finds messages of the journal it did not plan itself (an earlier run)', async () => {
    const dir = tempDir();
    const first = setup({ delayScale: 0 }, dir);
    const e = first.send(entry([`success@${SIM}`]));
    await first.simulator.idle();
    await first.simulator.stop();
    const second = setup({ delayScale: 0 }, dir);
    expect(second.simulator.resumed).toBe(0);
    expect(second.simulator.published(e.messageId!).map((p) => p.event)).toEqual(['send', 'delivery']);
    expect(
      await second.simulator.open(e.messageId!, { userAgent: 'UA', ipAddress: '127.0.0.1' }),
    ).not.toBeNull();
    // What an earlier run published (from the state file) and what this one did (with its envelope).
    expect(second.simulator.published(e.messageId!).map((p) => [p.event, p.envelope?.Type])).toEqual([
      ['send', undefined],
      ['delivery', undefined],
      ['open', 'Notification'],
    ]);
    await second.simulator.stop();
  });

  it('builds the tracking URLs of a message', () => {
    expect(trackingUrls('http://127.0.0.1:3000', 'ses id/1', 'https://example.com/a?b=c')).toEqual({
      openUrl: 'http://127.0.0.1:3000/local/ses/open/ses%20id%2F1',
      clickUrl:
        'http://127.0.0.1:3000/local/ses/click/ses%20id%2F1?link=https%3A%2F%2Fexample.com%2Fa%3Fb%3Dc',
    });
  });
});

describe('crash and restart', () => {
  const key = (s: Sent) => `${s.record.mail.messageId}#${describeRecord(s)}`;

  it('a publish that fails midway leaves the rest for the next start, which publishes only what is missing', async () => {
    const dir = tempDir();
    const first = setup({ delayScale: 0, publishAttempts: 1 }, dir);
    const messages = [`success@${SIM}`, `ooto@${SIM}`, `complaint@${SIM}`].map((to) =>
      first.send(entry([to])),
    );
    // SQS refuses the ooto message's Delivery: its Delivery and auto-reply must wait, in order.
    first.queue.failWhen((r) =>
      r.mail.messageId === messages[1]!.messageId && r.eventType === 'Delivery' ? 'refuse' : null,
    );
    await first.simulator.idle();
    expect(first.errors).toHaveLength(1);
    const before = first.queue.sent.map(key);
    expect(before).toHaveLength(6); // success 2 + ooto's Send + complaint 3
    // A crash: no stop, the state file is as the last write left it (plus a line cut short).
    appendFileSync(first.statePath, '{"messageId":"ses-');

    const second = setup({ delayScale: 0 }, dir);
    expect(second.simulator.resumed).toBe(1);
    await second.simulator.idle();
    expect(second.queue.sent.map(describeRecord)).toEqual(['Delivery', 'Bounce Transient/General']);
    expect(second.simulator.published(messages[1]!.messageId!).map((p) => p.event)).toEqual([
      'send',
      'delivery',
      'auto-reply',
    ]);
    const all = [...before, ...second.queue.sent.map(key)];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(8);
    await second.simulator.stop();

    const third = setup({ delayScale: 0 }, dir);
    expect(third.simulator.resumed).toBe(0);
    await third.simulator.idle();
    expect(third.queue.sent).toEqual([]);
    await third.simulator.stop();
    expect(
      readState(third.statePath)
        .filter((l) => l.messageId === messages[1]!.messageId)
        .map((l) => l.event),
    ).toEqual(['send', 'delivery', 'auto-reply']);
  });

  it('retries a refused publish before giving up', async () => {
    const { clock, queue, simulator, send, errors } = setup({ delayScale: 0, publishAttempts: 3 });
    let refusals = 2;
    queue.failWhen(() => (refusals-- > 0 ? 'refuse' : null));
    send(entry([`success@${SIM}`]));
    await clock.advance(1_000);
    await simulator.idle();
    expect(queue.sent.map(describeRecord)).toEqual(['Send', 'Delivery']);
    expect(errors).toEqual([]);
    await simulator.stop();
  });

  it('an event SQS took whose answer was lost comes back with the same SNS MessageId (an exact duplicate)', async () => {
    const dir = tempDir();
    const first = setup({ delayScale: 0, publishAttempts: 1 }, dir);
    first.queue.failWhen((r) => (r.eventType === 'Delivery' ? 'lose-answer' : null));
    first.send(entry([`success@${SIM}`]));
    await first.simulator.idle();
    const lost = first.queue.sent.find((s) => s.record.eventType === 'Delivery')!;

    const second = setup({ delayScale: 0 }, dir);
    await second.simulator.idle();
    const again = second.queue.sent.find((s) => s.record.eventType === 'Delivery')!;
    expect(openEnvelope(JSON.parse(again.body)).envelopeId).toBe(
      openEnvelope(JSON.parse(lost.body)).envelopeId,
    );
    await second.simulator.stop();
  });

  it('stop cancels what waits; the next start publishes it when due, keeping the engagement drawn before', async () => {
    const dir = tempDir();
    const first = setup({ openRate: 1, random: () => 0.5 }, dir);
    const e = first.send(entry([`success@${SIM}`]));
    await first.clock.advance(EVENT_DELAYS_MS.delivery);
    expect(first.queue.sent.map(describeRecord)).toEqual(['Send', 'Delivery']);
    await first.simulator.stop();
    expect(first.clock.timers()).toBe(0);

    // The next run draws nothing (rates 0); the open drawn for this message still comes, at its time.
    const second = setup({}, dir);
    expect(second.simulator.resumed).toBe(1);
    await second.clock.advance(EVENT_DELAYS_MS.open - 1);
    expect(second.queue.sent.map(describeRecord)).toEqual([]);
    await second.clock.advance(1);
    expect(second.queue.sent.map(describeRecord)).toEqual(['Open']);
    expect(second.queue.sent[0]!.record.mail.messageId).toBe(e.messageId);
    await second.simulator.stop();
  });

  it('a message accepted long ago resumes with everything due at once', async () => {
    const dir = tempDir();
    const journal = join(dir, 'ses-journal.ndjson');
    const old = entry([`bounce@${SIM}`], {}, T0 - 60_000);
    appendFileSync(journal, `${JSON.stringify(old)}\n`);
    const { queue, simulator } = setup({}, dir);
    await simulator.idle();
    expect(queue.sent.map(describeRecord)).toEqual(['Send', 'Bounce Permanent/General']);
    await simulator.stop();
  });
});
