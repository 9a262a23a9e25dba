/**
 * SesEmailSender through the real SESv2 client, against the SES front in front of aws-ses-v2-local: an accepted
 * send (journaled with its configuration set and tags), throttling and lost answers injected in the front, a
 * rejection by the emulator, a timeout, and the error classes SES answers that the emulator cannot produce
 * (daily quota, paused, 5xx) as SES's wire answers injected by a middleware below the client's deserializer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type SesFront, startSesFront } from '#local/ses/front.ts';
import { readJournal, type SesJournalEntry } from '#local/ses/journal.ts';
import { createSesClient, SesEmailSender } from '#adapters/ses/email-sender.ts';
import type { OutgoingEmail } from '#ports/index.ts';

const SIM = 'simulator.amazonses.com';
const CONFIGURATION_SET = 'confirm-and-send';

let dir: string;
let front: SesFront;
let sentToListeners: SesJournalEntry[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cas-ses-sender-'));
  front = await startSesFront({
    upstream: inject('endpoints').ses,
    journalPath: join(dir, 'journal.ndjson'),
  });
  front.onSent((entry) => sentToListeners.push(entry));
});

afterAll(async () => {
  await front?.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  sentToListeners = [];
  front.injectThrottling(0);
  front.injectLostAnswers(0);
});

const clientConfig = (endpoint: string) => ({
  region: inject('region'),
  endpoint,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

const sender = (client: SESv2Client = createSesClient({ config: clientConfig(front.url) })) =>
  new SesEmailSender({ client, configurationSetName: CONFIGURATION_SET });

let n = 0;
const email = (overrides: Partial<OutgoingEmail> = {}): OutgoingEmail => {
  n += 1;
  return {
    from: 'news@example.com',
    to: `success+${n}-${Date.now()}@${SIM}`,
    subject: 'Hello Ann',
    html: '<p>Hello <b>Ann</b></p>',
    text: 'Hello Ann',
    tags: { delivery: 'd-1', version: '3', recipient: `r-${n}` },
    ...overrides,
  };
};

const journalFor = (to: string) => readJournal(front.journalPath).filter((e) => e.destination.to[0] === to);

/** A client whose requests never leave: a middleware under the deserializer answers as SES would. */
const answeringClient = (status: number, errorType: string, message: string) => {
  const client = createSesClient({ config: clientConfig(front.url) });
  client.middlewareStack.addRelativeTo(
    () => async () => ({
      response: {
        statusCode: status,
        reason: undefined,
        headers: {
          'content-type': 'application/json',
          'x-amzn-errortype': errorType,
          'x-amzn-requestid': 'req-1',
        },
        body: Readable.from([Buffer.from(JSON.stringify({ message }))]),
      },
      output: undefined as never,
    }),
    { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'answerAsSes' },
  );
  return client;
};

describe('SesEmailSender (SES front + aws-ses-v2-local)', () => {
  it('sends one message through the configuration set, with its tags, headers, subject and both bodies', async () => {
    const message = email({ headers: { 'List-Unsubscribe': '<https://example.com/u/r-1>' } });
    const outcome = await sender().send(message);
    expect(outcome).toEqual({ kind: 'accepted', messageId: expect.any(String) });
    if (outcome.kind !== 'accepted') return;

    expect(journalFor(message.to)).toEqual([
      expect.objectContaining({
        outcome: 'sent',
        messageId: outcome.messageId,
        from: 'news@example.com',
        destination: { to: [message.to], cc: [], bcc: [] },
        configurationSetName: CONFIGURATION_SET,
        tags: [
          { name: 'delivery', value: 'd-1' },
          { name: 'version', value: '3' },
          { name: 'recipient', value: message.tags.recipient },
        ],
      }),
    ]);
    const store = (await (await fetch(`${inject('endpoints').ses}/store`)).json()) as {
      emails: Array<{
        messageId: string;
        destination: { to: string[] };
        subject: string;
        body: { html?: string; text?: string };
        headers?: Array<{ name: string; value: string }>;
      }>;
    };
    // The emulator stores it under an id of its own drawing: the front answers its own (local/ses/message-ids.ts).
    expect(store.emails.find((e) => e.destination.to.includes(message.to))).toMatchObject({
      subject: 'Hello Ann',
      body: { html: '<p>Hello <b>Ann</b></p>', text: 'Hello Ann' },
      headers: [{ name: 'List-Unsubscribe', value: '<https://example.com/u/r-1>' }],
    });
  });

  it('classifies "Maximum sending rate exceeded" (429) as throttled, and makes one call only', async () => {
    front.injectThrottling(1);
    const message = email();
    const outcome = await sender().send(message);
    expect(outcome).toEqual({
      kind: 'throttled',
      reason: expect.stringMatching(/^TooManyRequestsException \(HTTP 429\).*Maximum sending rate exceeded/),
    });
    expect(journalFor(message.to).map((e) => e.outcome)).toEqual(['throttled']);
    expect(sentToListeners).toEqual([]);
  });

  it('classifies a lost answer as unknown: SES accepted the message, and the client did not send it again', async () => {
    front.injectLostAnswers(1);
    const message = email();
    const outcome = await sender().send(message);
    expect(outcome.kind).toBe('unknown');
    expect(front.pendingLostAnswers()).toBe(0);

    // The front journaled it as sent, with the message id the sender never saw, and told the event simulator.
    const journaled = journalFor(message.to);
    expect(journaled).toEqual([
      expect.objectContaining({ outcome: 'sent', answerLost: true, messageId: expect.any(String) }),
    ]);
    expect(sentToListeners.map((e) => e.messageId)).toEqual([journaled[0]!.messageId]);

    // The next send is answered again.
    const next = email();
    expect((await sender().send(next)).kind).toBe('accepted');
    expect(journalFor(next.to)[0]).not.toHaveProperty('answerLost');
  });

  it('classifies what SES refuses (the emulator: no From address, HTTP 400) as rejected', async () => {
    const message = email({ from: '' });
    const outcome = await sender().send(message);
    expect(outcome).toEqual({ kind: 'rejected', reason: expect.stringContaining('HTTP 400') });
    expect(journalFor(message.to).map((e) => e.outcome)).toEqual(['rejected']);
  });

  it('classifies a timeout as unknown, after a single request', async () => {
    let requests = 0;
    const silent: Server = createServer((socket) => {
      socket.once('data', () => {
        requests += 1; // reads the request, never answers
      });
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const client = createSesClient({
        config: clientConfig(`http://127.0.0.1:${port}`),
        requestTimeoutMs: 200,
      });
      const outcome = await sender(client).send(email());
      expect(outcome).toEqual({ kind: 'unknown', reason: expect.stringMatching(/timeout/i) });
      expect(requests).toBe(1);
      client.destroy();
    } finally {
      await new Promise<void>((resolve) => {
        silent.close(() => resolve());
      });
    }
  });

  it.each([
    [429, 'TooManyRequestsException', 'Daily message quota exceeded.', 'daily-quota'],
    [400, 'LimitExceededException', 'Daily message quota exceeded.', 'daily-quota'],
    [400, 'SendingPausedException', 'Sending is paused for this account.', 'paused'],
    [400, 'AccountSuspendedException', 'The account is suspended.', 'paused'],
    [403, 'AccessDeniedException', 'not authorized to perform ses:SendEmail', 'paused'],
    [400, 'MessageRejected', 'Email address is not verified.', 'rejected'],
    [400, 'MailFromDomainNotVerifiedException', 'MAIL FROM domain not verified', 'rejected'],
    [404, 'NotFoundException', 'Configuration set does not exist.', 'rejected'],
    [400, 'BadRequestException', 'Invalid tag value.', 'rejected'],
    [500, 'InternalFailure', 'Internal failure.', 'unknown'],
    [503, 'ServiceUnavailable', 'Service unavailable.', 'unknown'],
  ])('classifies HTTP %i %s as SES answers it', async (status, errorType, message, kind) => {
    const outcome = await sender(answeringClient(status, errorType, message)).send(email());
    expect(outcome).toEqual({
      kind,
      reason: expect.stringContaining(`${errorType} (HTTP ${status})`),
    });
    expect(outcome.kind === 'accepted' ? '' : outcome.reason).toContain(message);
  });
});
