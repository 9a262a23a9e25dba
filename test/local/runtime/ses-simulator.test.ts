/**
 * The SES event simulator in the running runtime (`node local/main.ts`): a message sent with the real SESv2Client
 * through the SES front to `bounce+x@simulator.amazonses.com` gets a Send and a Permanent bounce, each in the SNS
 * envelope, with the message's tags, on the events queue (which the ingester consumes: they are read back through
 * GET /local/ses/events and the state file); the tracking routes publish an Open and a Click; and a runtime killed
 * with SIGKILL before a message's last event publishes, on restart, only what was missing.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEnvelope } from '#domain/ses-events.ts';
import { fixture } from '#test/helpers/aws-events.ts';
import { client, jvmPids, type RuntimeProcess, startRuntimeProcess, waitFor } from '#test/helpers/runtime.ts';
import { queueDepth } from '#test/helpers/sqs.ts';

const SIM = 'simulator.amazonses.com';
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:local-ses-events';
/** Delays ×10 (Delivery 3 s, Complaint 12 s after the send): room to kill the runtime between the two. */
const SLOW = { SES_EVENT_DELAY_SCALE: '10' };

interface PublishedItem {
  event: string;
  snsMessageId: string;
  source?: string;
  envelope?: Record<string, string>;
  record?: Record<string, unknown> & { mail: { messageId: string; tags: Record<string, string[]> } };
}

let runtime: RuntimeProcess | undefined;
let dataDir = '';

const endpoints = async () =>
  (await client(runtime!.url).request('GET', '/local/endpoints')).body as {
    ses: string;
    sqs: string;
    queues: Record<string, string>;
    dlqs: Record<string, string>;
  };

const sendEmail = async (to: string, tags: Record<string, string>) => {
  const ses = new SESv2Client({
    region: 'us-east-1',
    endpoint: (await endpoints()).ses,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    const out = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'news@example.com',
        Destination: { ToAddresses: [to] },
        ConfigurationSetName: 'local-config-set',
        EmailTags: Object.entries(tags).map(([Name, Value]) => ({ Name, Value })),
        Content: { Simple: { Subject: { Data: 'Spring news' }, Body: { Text: { Data: 'Hello' } } } },
      }),
    );
    return out.MessageId!;
  } finally {
    ses.destroy();
  }
};

const published = async (messageId: string): Promise<PublishedItem[]> => {
  const r = await client(runtime!.url).request(
    'GET',
    `/local/ses/events?messageId=${encodeURIComponent(messageId)}`,
  );
  return r.status === 200 ? (r.body as { items: PublishedItem[] }).items : [];
};

/** The state file's lines: the events SQS accepted, as `messageId#event`. */
const stateLines = () =>
  readFileSync(join(dataDir, 'ses-events.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        const l = JSON.parse(line) as { messageId: string; event: string; source?: string };
        return [`${l.messageId}#${l.event}${l.source ? `#${l.source}` : ''}`];
      } catch {
        return [];
      }
    });

beforeAll(async () => {
  runtime = await startRuntimeProcess({ seed: false, env: SLOW });
  dataDir = runtime.dataDir;
}, 180_000);

afterAll(async () => {
  await runtime?.stop();
  if (dataDir) {
    expect(jvmPids(dataDir)).toEqual([]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);

describe('the SES event simulator in the runtime', () => {
  let bounced = '';
  const tags = { delivery: 'e2e-delivery', version: '1', recipient: 'e2e-recipient' };

  it('publishes Send then a Permanent bounce for bounce+x@, in the SNS envelope, with the message tags', async () => {
    bounced = await sendEmail(`bounce+x@${SIM}`, tags);
    await waitFor('Send and Bounce', async () => (await published(bounced)).length >= 2, 30_000);
    const items = await published(bounced);
    expect(items.map((i) => i.event)).toEqual(['send', 'bounce']);
    const notification = fixture<Record<string, unknown>>('sns/http-notification.json');
    for (const item of items) {
      expect(Object.keys(item.envelope!)).toEqual(Object.keys(notification));
      expect(item.envelope).toMatchObject({
        Type: 'Notification',
        TopicArn: TOPIC,
        Subject: 'Amazon SES Email Event Notification',
        MessageId: item.snsMessageId,
      });
      const opened = openEnvelope(item.envelope);
      expect(opened.envelopeId).toBe(`sns:${item.snsMessageId}`);
      expect(opened.record.mail.messageId).toBe(bounced);
      expect(opened.record.mail.tags).toMatchObject({
        'ses:configuration-set': ['local-config-set'],
        'ses:from-domain': ['example.com'],
        delivery: ['e2e-delivery'],
        version: ['1'],
        recipient: ['e2e-recipient'],
      });
    }
    expect(items[1]!.record).toMatchObject({
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [
          {
            emailAddress: `bounce+x@${SIM}`,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          },
        ],
      },
    });
    expect(stateLines().filter((l) => l.startsWith(bounced))).toEqual([
      `${bounced}#send`,
      `${bounced}#bounce`,
    ]);
  });

  it('the ingester takes them off the events queue (none refused to its dead-letter queue)', async () => {
    const e = await endpoints();
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: e.sqs,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      await waitFor('the events queue to drain', async () => (await queueDepth(sqs, e.queues.events!)) === 0);
      expect(await queueDepth(sqs, e.dlqs.events!)).toBe(0);
    } finally {
      sqs.destroy();
    }
  });

  it('the journal names the tracking URLs; the open pixel publishes an Open, the click a Click', async () => {
    const api = client(runtime!.url);
    const journal = (await api.request('GET', '/local/ses/journal')).body as {
      items: Array<{ messageId: string | null; openUrl?: string; clickUrl?: string }>;
    };
    const entry = journal.items.find((i) => i.messageId === bounced)!;
    expect(entry.openUrl).toBe(`${runtime!.url}/local/ses/open/${encodeURIComponent(bounced)}`);

    const pixel = await fetch(entry.openUrl!, { headers: { 'user-agent': 'E2E-Mail-Client/1.0' } });
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    expect(pixel.headers.get('cache-control')).toBe('no-store');
    expect(
      Buffer.from(await pixel.arrayBuffer())
        .subarray(0, 6)
        .toString('latin1'),
    ).toBe('GIF89a');

    const link = 'https://example.com/spring?utm=e2e';
    const click = await fetch(
      `${runtime!.url}/local/ses/click/${encodeURIComponent(bounced)}?link=${encodeURIComponent(link)}`,
      { redirect: 'manual' },
    );
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe(link);

    const items = await published(bounced);
    expect(items.map((i) => [i.event, i.source])).toEqual([
      ['send', undefined],
      ['bounce', undefined],
      ['open', 'tracking'],
      ['click', 'tracking'],
    ]);
    expect(items[2]!.record).toMatchObject({
      eventType: 'Open',
      open: { userAgent: 'E2E-Mail-Client/1.0', ipAddress: '127.0.0.1' },
    });
    expect(items[3]!.record).toMatchObject({ eventType: 'Click', click: { link } });
    expect(openEnvelope(items[2]!.envelope).envelopeId).toBe(`sns:${items[2]!.snsMessageId}`);

    const unknown = await api.request('GET', '/local/ses/open/no-such-message');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    const badLink = await api.request(
      'GET',
      `/local/ses/click/${encodeURIComponent(bounced)}?link=ftp%3A%2F%2Fx`,
    );
    expect(badLink).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
  });

  it('after a SIGKILL between a Delivery and its Complaint, the restart publishes the Complaint only', async () => {
    const complained = await sendEmail(`complaint@${SIM}`, tags);
    await waitFor('the Delivery', async () =>
      (await published(complained)).some((i) => i.event === 'delivery'),
    );
    expect((await published(complained)).map((i) => i.event)).toEqual(['send', 'delivery']);
    await runtime!.kill();
    const before = stateLines();

    runtime = await startRuntimeProcess({ dataDir, seed: false, env: { SES_EVENT_DELAY_SCALE: '0' } });
    await waitFor('the Complaint', () => stateLines().includes(`${complained}#complaint`));
    const after = stateLines();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toEqual([`${complained}#complaint`]);
    expect(new Set(after).size).toBe(after.length); // nothing published twice
    const items = await published(complained);
    expect(items.map((i) => i.event)).toEqual(['send', 'delivery', 'complaint']);
    expect(items[2]!.record).toMatchObject({
      eventType: 'Complaint',
      complaint: {
        complainedRecipients: [{ emailAddress: `complaint@${SIM}` }],
        complaintFeedbackType: 'abuse',
      },
    });
  });
});
