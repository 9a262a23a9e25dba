/**
 * The SES front: a thin HTTP proxy between the SES v2 SDK client and the SES emulator (aws-ses-v2-local).
 *
 * - It journals every send request (SendEmail, SendBulkEmail: from, destination, configuration set, email tags)
 *   with the message id SES answered, one NDJSON line per message, appended to the journal file with a
 *   synchronous write before the answer goes back: a SIGKILL loses nothing already answered. The emulator
 *   accepts configuration sets and tags but does not store them; this journal is the record of what was sent.
 * - It can inject throttling: the next N send requests answer as SES v2 does when the account's maximum send
 *   rate is exceeded (HTTP 429, `x-amzn-ErrorType: TooManyRequestsException`), without reaching the emulator.
 * - It can lose answers: the next N send requests reach the emulator and are journaled (and told to `onSent`
 *   listeners) as SES answered them, then the client's connection is destroyed before any answer: the message
 *   was accepted but the sender never learns its id (the "crash between the SES call and the ledger write").
 * - It answers every accepted message with an id of SES's shape unique for the life of the data folder, whatever
 *   the emulator drew (./message-ids.ts): the journal, the client and the event simulator all see that one.
 * - It can play SES's answer time: with `latency`, each send request waits a log-normal delay (median and 99th
 *   percentile, ./latency.ts) before it is forwarded, as SES takes tens of milliseconds to answer in AWS. The
 *   journal records when each request arrived (`receivedAt`: what SES counts against the send rate) and when it
 *   was answered (`at`).
 * - `onSent` tells listeners (the SES event simulator) of each message SES accepted.
 * Every other request (GetAccount, templates, the emulator's own /store) passes through unchanged.
 */
import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { journalEntries, type SentListener, type SesJournalEntry, type SesOperation } from './journal.ts';
import { withUniqueMessageIds } from './message-ids.ts';
import { type Latency, latencySampler } from './latency.ts';
import { openAppendLog } from './ndjson.ts';

export interface SesFront {
  readonly url: string;
  readonly journalPath: string;
  /** The next `count` send requests answer 429 TooManyRequestsException ("Maximum sending rate exceeded."). */
  injectThrottling(count: number): void;
  /** Send requests still to be throttled. */
  pendingThrottles(): number;
  /**
   * The next `count` send requests are forwarded and journaled as answered, then the client's socket is destroyed
   * without an answer: SES accepted the message, the caller sees a socket error.
   */
  injectLostAnswers(count: number): void;
  /** Send requests whose answer is still to be lost. */
  pendingLostAnswers(): number;
  /** Called for each message SES accepted, after it is journaled; returns an unsubscribe function. */
  onSent(listener: SentListener): () => void;
  stop(): Promise<void>;
}

export interface SesFrontOptions {
  /** Base URL of the SES emulator. */
  upstream: string;
  journalPath: string;
  port?: number;
  host?: string;
  /** fsync the journal after each answer (survives power loss, not only a killed process). Default false. */
  fsync?: boolean;
  /** Upstream request timeout: the emulator never answers some unsupported actions. Default 30 s. */
  upstreamTimeoutMs?: number;
  /** SES's answer time to play on send requests (default none: the emulator's own). */
  latency?: Latency;
  /** The random source of the latency (default Math.random). */
  random?: () => number;
}

const SEND_PATHS: Record<string, SesOperation> = {
  '/v2/email/outbound-emails': 'SendEmail',
  '/v2/email/outbound-bulk-emails': 'SendBulkEmail',
};

const THROTTLED_BODY = JSON.stringify({ message: 'Maximum sending rate exceeded.' });

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
]);

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

export const startSesFront = async (options: SesFrontOptions): Promise<SesFront> => {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const timeoutMs = options.upstreamTimeoutMs ?? 30_000;
  const log = openAppendLog(options.journalPath, options.fsync ? { fsync: true } : {});
  const listeners = new Set<SentListener>();
  let throttles = 0;
  let lostAnswers = 0;
  const delay = options.latency ? latencySampler(options.latency, options.random) : null;

  const journal = (entries: SesJournalEntry[]) => log.append(entries);

  const forwardOnce = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }>(
      (resolve, reject) => {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'host') headers[name] = value;
        }
        headers['content-length'] = String(body.length);
        const out = httpRequest(
          {
            protocol: upstream.protocol,
            hostname: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers,
            agent,
            timeout: timeoutMs,
          },
          (res) => {
            readBody(res).then((b) => {
              const h: Record<string, string | string[]> = {};
              for (const [name, value] of Object.entries(res.headers)) {
                if (value !== undefined && !HOP_BY_HOP.has(name)) h[name] = value;
              }
              h['content-length'] = String(b.length);
              resolve({ status: res.statusCode ?? 502, headers: h, body: b });
            }, reject);
          },
        );
        out.on('timeout', () => out.destroy(new Error(`SES emulator did not answer within ${timeoutMs} ms`)));
        out.on('error', (error) => reject(Object.assign(error, { reusedSocket: out.reusedSocket })));
        out.end(body);
      },
    );

  /**
   * A request sent on a kept-alive socket that the emulator closed meanwhile (it closes a connection idle for its
   * keep-alive timeout, and the close can cross the next request) fails with ECONNRESET before the emulator read
   * it: it is sent once more, on another socket, as Node's documentation of `request.reusedSocket` advises.
   * Without this the front answered 502 and journaled nothing, so a send that never reached the emulator was in
   * doubt for its sender (and a resend, failed).
   */
  const forward = async (req: IncomingMessage, body: Buffer) => {
    try {
      return await forwardOnce(req, body);
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
      if (e.code === 'ECONNRESET' && e.reusedSocket) return forwardOnce(req, body);
      throw error;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const receivedAt = new Date();
    const body = await readBody(req);
    const path = (req.url ?? '/').split('?')[0]!;
    const operation = req.method === 'POST' ? SEND_PATHS[path] : undefined;
    const requestId = randomUUID();
    if (operation && delay) await new Promise((resolve) => setTimeout(resolve, delay()));
    if (operation && throttles > 0) {
      throttles -= 1;
      journal(
        journalEntries(operation, body, 429, Buffer.from(THROTTLED_BODY), requestId, new Date(), receivedAt),
      );
      res.writeHead(429, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'TooManyRequestsException',
        'x-amzn-requestid': requestId,
        'content-length': Buffer.byteLength(THROTTLED_BODY),
      });
      res.end(THROTTLED_BODY);
      return;
    }
    let answer: Awaited<ReturnType<typeof forward>>;
    try {
      answer = await forward(req, body);
    } catch (error) {
      const message = JSON.stringify({ message: `SES front: ${(error as Error).message}` });
      res.writeHead(502, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(message),
      });
      res.end(message);
      return;
    }
    if (operation && answer.status >= 200 && answer.status < 300) {
      const body = withUniqueMessageIds(operation, answer.body);
      answer = { ...answer, body, headers: { ...answer.headers, 'content-length': String(body.length) } };
    }
    const loseAnswer = operation !== undefined && lostAnswers > 0;
    if (loseAnswer) lostAnswers -= 1;
    if (operation) {
      const entries = journalEntries(
        operation,
        body,
        answer.status,
        answer.body,
        requestId,
        new Date(),
        receivedAt,
      ).map((entry) => (loseAnswer ? { ...entry, answerLost: true as const } : entry));
      journal(entries);
      for (const entry of entries) {
        if (entry.outcome !== 'sent') continue;
        for (const listener of listeners) {
          try {
            listener(entry);
          } catch (error) {
            console.error('SES front: an onSent listener failed', error);
          }
        }
      }
    }
    if (loseAnswer) {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `SES front: ${(error as Error).message}` }));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped = false;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    journalPath: options.journalPath,
    injectThrottling(count) {
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError('throttle count must be a whole number ≥ 0');
      throttles = count;
    },
    pendingThrottles: () => throttles,
    injectLostAnswers(count) {
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError('lost answer count must be a whole number ≥ 0');
      lostAnswers = count;
    },
    pendingLostAnswers: () => lostAnswers,
    onSent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
      log.close();
    },
  };
};
