/**
 * The SES front between the real @aws-sdk/client-sesv2 client and aws-ses-v2-local: every send journaled (with
 * its configuration set, tags and the message id SES answered), and injected throttling surfacing in the SDK as
 * SES v2's TooManyRequestsException. In-process: the emulator and the front only, no runtime.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SESv2Client,
  SendBulkEmailCommand,
  SendEmailCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import sesEmulator from 'aws-ses-v2-local';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SesFront, startSesFront } from '#local/ses/front.ts';
import { readJournal, type SesJournalEntry } from '#local/ses/journal.ts';

const SIM = 'simulator.amazonses.com';

describe('the SES front', () => {
  let dir: string;
  let emulator: Server;
  let emulatorUrl: string;
  let front: SesFront;
  let sent: SesJournalEntry[];
  const client = (maxAttempts = 1) =>
    new SESv2Client({
      region: 'us-east-1',
      endpoint: front.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts,
      requestHandler: { requestTimeout: 10_000, throwOnRequestTimeout: true },
    });
  const journal = () => readJournal(front.journalPath);

  const sendEmail = (ses: SESv2Client, to: string, tags: Record<string, string> = {}) =>
    ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'news@example.com',
        Destination: { ToAddresses: [to] },
        ConfigurationSetName: 'confirm-and-send',
        EmailTags: Object.entries(tags).map(([Name, Value]) => ({ Name, Value })),
        Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } } },
      }),
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-ses-front-'));
    // A CommonJS module with `exports.default`: Node's ESM loader and vitest's interop disagree on the level.
    const mod = sesEmulator as unknown as { default?: typeof sesEmulator.default };
    const start =
      typeof mod.default === 'function'
        ? mod.default
        : (sesEmulator as unknown as typeof sesEmulator.default);
    emulator = await start({ host: '127.0.0.1', port: 0 });
    const address = emulator.address();
    if (typeof address !== 'object' || address === null) throw new Error('no emulator address');
    emulatorUrl = `http://127.0.0.1:${address.port}`;
    front = await startSesFront({ upstream: emulatorUrl, journalPath: join(dir, 'ses-journal.ndjson') });
    front.onSent((entry) => sent.push(entry));
  });

  afterAll(async () => {
    await front?.stop();
    if (emulator) {
      await new Promise<void>((resolve) => {
        emulator.close(() => resolve());
        emulator.closeAllConnections();
      });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    sent = [];
    front.injectThrottling(0);
  });

  it('journals a SendEmail with its configuration set, tags and message id, and tells onSent listeners', async () => {
    const ses = client();
    const out = await sendEmail(ses, `success+1@${SIM}`, { deliveryId: 'd-1', recipientId: 'r-1' });
    expect(out.MessageId).toBeTruthy();

    const entry = journal().find((e) => e.messageId === out.MessageId);
    expect(entry).toMatchObject({
      operation: 'SendEmail',
      outcome: 'sent',
      httpStatus: 200,
      from: 'news@example.com',
      destination: { to: [`success+1@${SIM}`], cc: [], bcc: [] },
      configurationSetName: 'confirm-and-send',
      tags: [
        { name: 'deliveryId', value: 'd-1' },
        { name: 'recipientId', value: 'r-1' },
      ],
    });
    expect(sent).toEqual([entry]);

    // The emulator behind the front got the message, under an id of its own drawing; the client and the journal
    // have the front's, in SES's shape.
    const store = (await (await fetch(`${emulatorUrl}/store`)).json()) as {
      emails: Array<{ messageId: string }>;
    };
    expect(store.emails.at(-1)!.messageId).toMatch(/^ses-\d{9}$/);
    expect(out.MessageId).toMatch(/^0100[0-9a-f]{12}-[0-9a-f-]{36}-000000$/);
  });

  it('journals each entry of a SendBulkEmail with its own message id and merged tags', async () => {
    const ses = client();
    const out = await ses.send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'news@example.com',
        ConfigurationSetName: 'confirm-and-send',
        DefaultEmailTags: [{ Name: 'deliveryId', Value: 'd-2' }],
        DefaultContent: {
          Template: {
            TemplateContent: { Subject: 'Hi {{name}}', Text: 'Hello {{name}}' },
            TemplateData: '{"name":"you"}',
          },
        },
        BulkEmailEntries: [
          {
            Destination: { ToAddresses: [`success+2@${SIM}`] },
            ReplacementTags: [{ Name: 'recipientId', Value: 'r-2' }],
          },
          {
            Destination: { ToAddresses: [`bounce+2@${SIM}`] },
            ReplacementTags: [{ Name: 'recipientId', Value: 'r-3' }],
          },
        ],
      }),
    );
    const ids = (out.BulkEmailEntryResults ?? []).map((r) => r.MessageId);
    expect(ids).toHaveLength(2);
    const entries = journal().filter((e) => e.operation === 'SendBulkEmail');
    expect(entries.map((e) => e.messageId)).toEqual(ids);
    expect(entries[1]).toMatchObject({
      outcome: 'sent',
      destination: { to: [`bounce+2@${SIM}`] },
      tags: [
        { name: 'deliveryId', value: 'd-2' },
        { name: 'recipientId', value: 'r-3' },
      ],
    });
    expect(entries[0]!.requestId).toBe(entries[1]!.requestId);
    expect(sent).toHaveLength(2);
  });

  it('throttles the next N sends as SES v2 does: the SDK raises TooManyRequestsException', async () => {
    const ses = client(1);
    front.injectThrottling(2);
    for (let i = 0; i < 2; i += 1) {
      const error = await sendEmail(ses, `success+3@${SIM}`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TooManyRequestsException);
      expect((error as TooManyRequestsException).name).toBe('TooManyRequestsException');
      expect((error as TooManyRequestsException).message).toBe('Maximum sending rate exceeded.');
      expect((error as TooManyRequestsException).$metadata.httpStatusCode).toBe(429);
    }
    expect(front.pendingThrottles()).toBe(0);
    const ok = await sendEmail(ses, `success+3@${SIM}`);
    expect(ok.MessageId).toBeTruthy();

    const outcomes = journal()
      .filter((e) => e.destination.to[0] === `success+3@${SIM}`)
      .map((e) => [e.outcome, e.httpStatus, e.messageId !== null]);
    expect(outcomes).toEqual([
      ['throttled', 429, false],
      ['throttled', 429, false],
      ['sent', 200, true],
    ]);
    expect(sent.map((e) => e.messageId)).toEqual([ok.MessageId]);
  });

  it('is retried by the SDK as a throttling error', async () => {
    const ses = client(3);
    front.injectThrottling(1);
    const out = await sendEmail(ses, `success+4@${SIM}`);
    expect(out.$metadata.attempts).toBe(2);
  });

  it('journals what the emulator refuses as rejected, and passes other requests through', async () => {
    const ses = client();
    const error = await ses
      .send(
        new SendEmailCommand({
          Destination: { ToAddresses: [`success+5@${SIM}`] },
          Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } } },
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const last = journal().at(-1)!;
    expect(last).toMatchObject({ outcome: 'rejected', httpStatus: 400, messageId: null, from: null });
    expect(last.error).toContain('from email address');

    const health = await fetch(`${front.url}/health-check`);
    expect(health.status).toBe(200);
  });

  it('appends to the journal as it answers: a line cut short by a crash does not hide the others', async () => {
    const before = journal().length;
    appendFileSync(front.journalPath, '{"at":"cut sho');
    const text = readFileSync(front.journalPath, 'utf8');
    expect(text.endsWith('cut sho')).toBe(true);
    expect(journal()).toHaveLength(before);

    // A front restarted on that journal starts a new line.
    const second = await startSesFront({ upstream: emulatorUrl, journalPath: front.journalPath });
    try {
      const ses = new SESv2Client({
        region: 'us-east-1',
        endpoint: second.url,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const out = await sendEmail(ses, `success+6@${SIM}`);
      expect(journal().at(-1)?.messageId).toBe(out.MessageId);
      expect(journal()).toHaveLength(before + 1);
    } finally {
      await second.stop();
    }
  });

  it('plays SES latency: each send answered at least its drawn delay after it arrived, both times journaled', async () => {
    const slow = await startSesFront({
      upstream: emulatorUrl,
      journalPath: join(dir, 'slow-journal.ndjson'),
      // random 0.5 and 0.5 draw the median times exp(-1.18 σ): about 40 ms here
      latency: { medianMs: 60, p99Ms: 250 },
      random: () => 0.5,
    });
    try {
      const ses = new SESv2Client({
        region: 'us-east-1',
        endpoint: slow.url,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      });
      await sendEmail(ses, `success@${SIM}`);
      ses.destroy();
      const [entry] = readJournal(slow.journalPath);
      const drawn = Math.exp(
        Math.log(60) + (Math.log(250 / 60) / 2.3263) * Math.sqrt(-2 * Math.log(0.5)) * -1,
      );
      expect(entry?.receivedAt).toBeDefined();
      expect(Date.parse(entry!.at) - Date.parse(entry!.receivedAt!)).toBeGreaterThanOrEqual(
        Math.floor(drawn) - 1,
      );
    } finally {
      await slow.stop();
    }
  });
});

describe('the SES front over kept-alive connections to the emulator', () => {
  it('sends a request once more when the emulator closed its reused connection as it went out, never twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cas-ses-front-'));
    // The emulator's side, as plain TCP: it answers each connection's first request and closes the connection as
    // its second one arrives (what an idle connection's keep-alive timeout does to a request crossing it); with
    // `closeFirst`, it closes a connection at its first request too.
    const seen: string[] = [];
    let connections = 0;
    let closeFirst = false;
    const upstream = createNetServer((socket) => {
      const connection = ++connections;
      let requests = 0;
      socket.on('data', () => {
        requests += 1;
        seen.push(`${connection}.${requests}`);
        if (requests === 2 || closeFirst) {
          socket.destroy();
          return;
        }
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const address = upstream.address();
    if (typeof address !== 'object' || address === null) throw new Error('no upstream address');
    const front = await startSesFront({
      upstream: `http://127.0.0.1:${address.port}`,
      journalPath: join(dir, 'ses-journal.ndjson'),
    });
    try {
      const get = async () => (await fetch(`${front.url}/v2/email/account`)).status;
      expect(await get()).toBe(200);
      expect(await get()).toBe(200); // its kept-alive connection closed under it: sent again on a new one
      expect(seen).toEqual(['1.1', '1.2', '2.1']);
      closeFirst = true;
      // Closed on its reused connection, then on a new one: a new connection's close is not retried (the emulator
      // may have read the request), so the front answers 502.
      expect(await get()).toBe(502);
      expect(seen).toEqual(['1.1', '1.2', '2.1', '2.2', '3.1']);
    } finally {
      await front.stop();
      upstream.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
