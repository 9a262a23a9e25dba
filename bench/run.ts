/**
 * `npm run bench [-- --recipients N --rate-limit R]`: runs the embedded system end to end on N recipients
 * (default 10,000) and reports, as a table and as JSON (bench-results/latest.json):
 * - recipients per second from confirm to all sent (the delivery `finished`), and the same run's raw send rate
 *   of the SES emulator (SendEmail at concurrency 32, measured first on the idle system; also through the SES
 *   front), and their ratio;
 * - preparation time and rate;
 * - AWS requests per recipient by service and operation, as the handlers issued them (counted by an SDK
 *   middleware on the handlers' clients) and as the local queue pollers issued them;
 * - pacing: messages per second achieved against the senders' target, and the busiest one-second window
 *   (from the SES front's journal).
 * - SES event ingestion: the time from confirm until every recipient is `delivered` (the event simulator publishes
 *   a Send and a Delivery per message while the send runs, and the ingester applies them), then an ingestion-only
 *   phase: one Open per recipient published at once (through the simulator, as the local tracking URL does),
 *   timed until the delivery's counters show them all: events ingested per second, and DynamoDB requests (and
 *   writes) per event in that phase.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { documentClient, dynamoDb, sesAccountClient, sesv2, sqs } from '#functions/lib/clients.ts';
import { DynamoCounters } from '#adapters/dynamodb/counters.ts';
import { startRuntime } from '#local/runtime.ts';

const { values } = parseArgs({
  options: {
    recipients: { type: 'string', default: '10000' },
    'rate-limit': { type: 'string', default: '' },
    'raw-sends': { type: 'string', default: '2000' },
  },
});
const N = Number(values.recipients);
const RAW = Number(values['raw-sends']);
if (!Number.isInteger(N) || N < 1) throw new Error('--recipients must be a positive integer');

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

type Counts = Record<string, number>;
const requests: Counts = {};
const count = (client: { middlewareStack: { add: (...args: never[]) => void } }, service: string) => {
  (client.middlewareStack.add as unknown as (mw: unknown, options: unknown) => void)(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        const key = `${service} ${String(context.commandName ?? '?').replace(/Command$/, '')}`;
        requests[key] = (requests[key] ?? 0) + 1;
        return next(args);
      },
    { step: 'initialize', name: 'benchCounter' },
  );
};

const dataDir = mkdtempSync(join(tmpdir(), 'cas-bench-'));
const runtime = await startRuntime({
  port: 0,
  dataDir,
  seed: false,
  logLevel: 'ERROR',
  ...(values['rate-limit'] ? { sendRateLimit: values['rate-limit'] } : {}),
  log,
});
count(dynamoDb(), 'DynamoDB');
count(sqs(), 'SQS');
count(sesv2(), 'SES');
count(sesAccountClient(), 'SES');
const pollerRequests = () => runtime.pollers.requests();

const api = async (method: string, path: string, token: string, body?: unknown) => {
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300)
    throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
  return json;
};
const signIn = async (username: string, groups: string[]) =>
  (
    (await (
      await fetch(`${runtime.url}/local/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, groups }),
      })
    ).json()) as { token: string }
  ).token;

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

/** SendEmail calls per second at concurrency 32 against an SES v2 endpoint. */
const rawSendRate = async (endpoint: string, label: string): Promise<number> => {
  const raw = new SESv2Client({ endpoint, region: process.env.AWS_REGION ?? 'eu-west-1' });
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < RAW) {
        const i = next++;
        await raw.send(
          new SendEmailCommand({
            FromEmailAddress: 'bench@example.com',
            Destination: { ToAddresses: [`raw+${label}${i}@simulator.amazonses.com`] },
            Content: { Simple: { Subject: { Data: 'raw' }, Body: { Text: { Data: 'raw' } } } },
          }),
        );
      }
    }),
  );
  raw.destroy();
  return RAW / ((performance.now() - start) / 1000);
};

try {
  // Raw SES rates first, on an idle system: the SES emulator alone (the reference), and through the SES
  // front (whose accepted messages the event simulator then publishes events for, ingested as unattributed).
  log(`Raw SES rate: ${RAW} SendEmail at concurrency 32, to the emulator, then through the SES front`);
  const rawRate = await rawSendRate(runtime.endpoints.sesEmulator, 'emulator');
  const rawFrontRate = await rawSendRate(runtime.endpoints.ses, 'front');
  await runtime.sesEvents.idle();
  const token = await signIn('bench', ['start-deliveries']);
  log(`Loading ${N} profiles`);
  const ids = Array.from({ length: N }, (_, i) => `b${String(i).padStart(6, '0')}`);
  for (let i = 0; i < N; i += 1000) {
    const profiles = ids
      .slice(i, i + 1000)
      .map((id) => ({ id, email: `success+${id}@simulator.amazonses.com` }));
    await api('POST', '/profiles:batch', token, { profiles });
  }
  const audience = (await api('POST', '/audiences', token, { name: 'Bench' })) as { id: string };
  for (let i = 0; i < N; i += 1000) {
    await api('POST', `/audiences/${audience.id}/members:batch`, token, {
      profileIds: ids.slice(i, i + 1000),
    });
  }
  const delivery = (await api('POST', '/deliveries', token, {
    label: 'Bench',
    audienceId: audience.id,
    content: { from: 'bench@example.com', subject: 'Bench {{email}}', html: '<p>Hi</p>', text: 'Hi' },
  })) as { id: string };

  for (const key of Object.keys(requests)) delete requests[key];
  const prepareStart = performance.now();
  await api('POST', `/deliveries/${delivery.id}/prepare`, token);
  await waitFor(
    'preparation',
    async () => (await api('GET', `/deliveries/${delivery.id}`, token)).state === 'ready',
    30 * 60_000,
  );
  const prepareMs = performance.now() - prepareStart;
  const prepRequests = { ...requests };
  log(`Prepared in ${(prepareMs / 1000).toFixed(1)} s`);

  for (const key of Object.keys(requests)) delete requests[key];
  const pollersBefore = pollerRequests();
  const sendStart = performance.now();
  const sendStartedAt = Date.now();
  await api('POST', `/deliveries/${delivery.id}/confirm`, token);
  let lastLog = 0;
  await waitFor(
    'all sent',
    async () => {
      const d = (await api('GET', `/deliveries/${delivery.id}`, token)) as {
        state: string;
        deployment: { kpis: { sent: number } };
      };
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`  ${d.deployment.kpis.sent}/${N} sent`);
      }
      return d.state === 'finished';
    },
    60 * 60_000,
  );
  const sendMs = performance.now() - sendStart;
  const sendRequests = { ...requests };
  const counters = new DynamoCounters({ client: documentClient(), tableName: runtime.tables.deliveries });
  // Every recipient accounted for by its events: delivered or failed, or in-doubt (its SES call's outcome was
  // unknown and SES never saw it: no event will come; the sweeper fails it after the window).
  let inDoubt = 0;
  await waitFor(
    'all delivered',
    async () => {
      const c = await counters.read(delivery.id);
      inDoubt = c.settled - c.processed;
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`  ${c.delivered}/${N} delivered, ${c.bouncesAndErrors} failed, ${inDoubt} in doubt`);
      }
      return c.delivered + c.bouncesAndErrors + inDoubt >= N;
    },
    30 * 60_000,
  );
  const deliveredMs = performance.now() - sendStart;
  log(`All accounted for ${(deliveredMs / 1000).toFixed(1)} s after confirm (${inDoubt} in doubt)`);
  const pollersAfter = pollerRequests();
  const pollerDelta: Counts = {};
  for (const [k, v] of Object.entries(pollersAfter)) pollerDelta[k] = v - (pollersBefore[k] ?? 0);

  const journal = readFileSync(runtime.sesFront.journalPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as {
          at: string;
          outcome: string;
          messageId: string;
          tags?: Array<{ name: string; value: string }>;
        },
    )
    .filter(
      (e) => e.outcome === 'sent' && e.tags?.some((t) => t.name === 'delivery' && t.value === delivery.id),
    );
  const perSecond = new Map<number, number>();
  for (const e of journal) {
    const second = Math.floor((Date.parse(e.at) - sendStartedAt) / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  const busiest = Math.max(...perSecond.values());

  // Ingestion only: one Open per message, published at once; timed until the counters hold them all.
  await runtime.sesEvents.idle();
  const messageIds = journal.map((e) => e.messageId);
  for (const key of Object.keys(requests)) delete requests[key];
  log(`Ingestion: publishing ${messageIds.length} opens`);
  const ingestStart = performance.now();
  let nextOpen = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (nextOpen < messageIds.length) {
        const id = messageIds[nextOpen++]!;
        await runtime.sesEvents.open(id, { userAgent: 'bench', ipAddress: '127.0.0.1' });
      }
    }),
  );
  const publishedMs = performance.now() - ingestStart;
  await waitFor(
    'all opens ingested',
    async () => {
      const c = await counters.read(delivery.id);
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`  ${c.opens}/${messageIds.length} opens ingested`);
      }
      return c.opens >= messageIds.length;
    },
    30 * 60_000,
  );
  const ingestMs = performance.now() - ingestStart;
  const ingestRequests = { ...requests };
  const perEvent = (counts: Counts) =>
    Object.fromEntries(
      Object.entries(counts)
        .filter(([k]) => k.startsWith('DynamoDB'))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, Math.round((v / messageIds.length) * 1000) / 1000]),
    );
  const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];
  const writesPerEvent =
    Object.entries(ingestRequests)
      .filter(([k]) => WRITES.some((w) => k === `DynamoDB ${w}`))
      .reduce((n, [, v]) => n + v, 0) / messageIds.length;

  const perRecipient = (counts: Counts) =>
    Object.fromEntries(
      Object.entries(counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, Math.round((v / N) * 1000) / 1000]),
    );
  const total = (counts: Counts, service: string) =>
    Object.entries(counts)
      .filter(([k]) => k.startsWith(service))
      .reduce((n, [, v]) => n + v, 0);
  const endToEnd = N / (sendMs / 1000);
  const result = {
    at: new Date().toISOString(),
    recipients: N,
    storage: 'DynamoDB Local on disk (as npm start)',
    prepare: { seconds: prepareMs / 1000, recipientsPerSecond: N / (prepareMs / 1000) },
    send: {
      seconds: sendMs / 1000,
      recipientsPerSecond: endToEnd,
      rawSesRatePerSecond: rawRate,
      rawSesThroughFrontPerSecond: rawFrontRate,
      ratioToRawSes: endToEnd / rawRate,
      messagesJournaled: journal.length,
      busiestSecond: busiest,
      confirmToAllDeliveredSeconds: deliveredMs / 1000,
      inDoubt,
    },
    ingestion: {
      events: messageIds.length,
      publishSeconds: publishedMs / 1000,
      seconds: ingestMs / 1000,
      eventsPerSecond: messageIds.length / (ingestMs / 1000),
      dynamoDbRequestsPerEvent: perEvent(ingestRequests),
      dynamoDbWritesPerEvent: writesPerEvent,
    },
    requestsPerRecipient: {
      preparation: perRecipient(prepRequests),
      send: perRecipient(sendRequests),
      sendByService: {
        DynamoDB: total(sendRequests, 'DynamoDB') / N,
        SQS: total(sendRequests, 'SQS') / N,
        SES: total(sendRequests, 'SES') / N,
      },
      pollers: perRecipient(pollerDelta),
    },
  };
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/latest.json', `${JSON.stringify(result, null, 2)}\n`);
  const row = (label: string, value: string) => console.log(`${label.padEnd(48)} ${value}`);
  console.log();
  row('Recipients', String(N));
  row(
    'Prepare (s · recipients/s)',
    `${result.prepare.seconds.toFixed(1)} · ${result.prepare.recipientsPerSecond.toFixed(0)}`,
  );
  row('Confirm → all sent (s)', result.send.seconds.toFixed(1));
  row('End to end (recipients/s)', endToEnd.toFixed(1));
  row('Raw SES emulator (sends/s, concurrency 32)', rawRate.toFixed(1));
  row('Raw SES through the SES front (sends/s, concurrency 32)', rawFrontRate.toFixed(1));
  row('End to end / raw SES', result.send.ratioToRawSes.toFixed(3));
  row('Messages journaled for the delivery', String(journal.length));
  row('Busiest one-second window (messages)', String(busiest));
  row('Confirm → all delivered (Send + Delivery events ingested) (s)', (deliveredMs / 1000).toFixed(1));
  row('In doubt (SES outcome unknown, no SES record)', String(inDoubt));
  row('Ingestion only: opens ingested per second', result.ingestion.eventsPerSecond.toFixed(1));
  row('Ingestion only: DynamoDB writes per event', writesPerEvent.toFixed(3));
  for (const [k, v] of Object.entries(result.ingestion.dynamoDbRequestsPerEvent))
    row(`  ingestion: ${k} per event`, String(v));
  for (const [k, v] of Object.entries(result.requestsPerRecipient.send))
    row(`  send: ${k} per recipient`, String(v));
  for (const [k, v] of Object.entries(result.requestsPerRecipient.preparation))
    row(`  prepare: ${k} per recipient`, String(v));
  for (const [k, v] of Object.entries(result.requestsPerRecipient.pollers))
    row(`  pollers: ${k} per recipient`, String(v));
  console.log(`\n${JSON.stringify(result)}`);
} finally {
  await runtime.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
