/**
 * One bench scenario, in a process of its own (the runtime is one per process: each scenario starts it with its own
 * settings): `node bench/scenario.ts '<config JSON>'`. It writes what it measured to `config.out` (JSON) and its
 * progress to stderr; the handlers' log lines are counted (what CloudWatch Logs would ingest), not printed.
 *
 * - `throughput`: raw SES rates (the emulator alone, then through the SES front, with no events: a configuration
 *   set without event destination), N recipients of a realistic mailbox-simulator mix prepared, confirmed, sent
 *   and their events ingested, then one open per message (ingestion alone), compute stats against a bare read;
 *   DynamoDB capacity by step (bench/dynamodb-meter.ts), every AWS request, the hottest keys, CPU and memory.
 * - `pacing`: a send at a target rate below local capacity with SES answering as in AWS (60 ms median, 250 ms
 *   p99); how close to the target it stayed, second by second, from when SES received each request. Its SES events
 *   come after the send (the simulator's delays scaled up): in AWS the ingester runs apart from the senders, here it
 *   would share their event loop. Their ingestion is measured too (the Lambda time the cost prices). Then a second
 *   send at the same rate while 50 clients read the delivery (API latency; its events too come later).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoCounters } from '#adapters/dynamodb/counters.ts';
import { sendingLogPk } from '#adapters/dynamodb/keys.ts';
import { allShards } from '#domain/shards.ts';
import { dynamoDb, sesAccountClient, sesv2, sqs } from '#functions/lib/clients.ts';
import { type FunctionName, functions } from '#topology/topology.ts';
import { startRuntime } from '#local/runtime.ts';
import { sesAccount } from '#local/ses/emulator.ts';
import { readJournal } from '#local/ses/journal.ts';
import { AWS_LIKE_LATENCY } from '#local/ses/latency.ts';
import { readState, STATE_FILE } from '#local/ses/simulator-state.ts';
import { DynamoDbMeter, storedItemSize } from './dynamodb-meter.ts';
import {
  busiestWindow,
  cpuSecondsOf,
  hottestKeys,
  peakRssOf,
  quantile,
  spanRate,
  steadyRate,
  stepOf,
} from './measure.ts';

export interface ScenarioConfig {
  kind: 'throughput' | 'pacing';
  /** Recipients of the measured send. */
  recipients: number;
  /** Raw SendEmail calls per raw rate (throughput). */
  rawSends: number;
  /** The SES account's max send rate the emulator answers (throughput: high enough not to bound the send). */
  sesMaxSendRate: number;
  /** The target rate of all senders together (pacing): SEND_RATE_LIMIT. */
  pacingRate: number;
  /** Concurrent readers of GET /deliveries/{id} during the second send (pacing). */
  apiClients: number;
  /** Recipients of that second send. */
  apiRecipients: number;
  /** Opens published after the throughput send (one per message, the first ones): ingestion alone. */
  opens: number;
  /** Keep the runtime's data folder (its path is logged) instead of removing it. */
  keepData?: boolean;
  /** Throughput: the SES events come after the send (the senders alone on the machine). */
  eventsAfterSend?: boolean;
  out: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ScenarioConfig;
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

// The handlers' log lines: counted per phase (CloudWatch Logs bills ingested bytes), not printed.
let logBytes = 0;
process.stdout.write = ((chunk: string | Uint8Array) => {
  logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  return true;
}) as typeof process.stdout.write;

process.env.AWS_SES_ACCOUNT = JSON.stringify(
  sesAccount({ max24HourSend: 1_000_000_000, maxSendRate: config.sesMaxSendRate }),
);
const dataDir = mkdtempSync(join(tmpdir(), `cas-bench-${config.kind}-`));
const runtime = await startRuntime({
  port: 0,
  dataDir,
  seed: false,
  logLevel: config.kind === 'throughput' ? 'INFO' : 'WARN',
  // The mix's 1 % complaints and 3 % hard bounces are far above what the reputation guard lets a delivery send at
  // (0.08 % complaints): it would pause the send a few hundred recipients in. Its reads and writes still run and are
  // counted; only its thresholds are out of the way.
  guard: { bounceRate: '1', complaintRate: '1' },
  ...(config.kind === 'pacing'
    ? {
        sendRateLimit: String(config.pacingRate),
        sesLatency: AWS_LIKE_LATENCY,
        // The events come once the send is over (a Delivery 300 ms × this after its message, a Send event as long
        // after it): in AWS the ingester runs in Lambdas of its own, here its work would share the senders' event
        // loop and make their timers late.
        sesEvents: {
          delayScale: Math.ceil((1.5 * (config.recipients / config.pacingRate)) / 0.3),
          sendDelayMs: Math.ceil(1.5 * (config.recipients / config.pacingRate)) * 1000,
        },
      }
    : config.eventsAfterSend
      ? {
          // A Send event 1 s per 50 recipients after its message (well past the send at this machine's rates), a
          // Delivery 300 ms × the scale after it: the same delay, as the pacing run holds them.
          sesEvents: {
            delayScale: Math.ceil(config.recipients / 50 / 0.3),
            sendDelayMs: Math.ceil(config.recipients / 50) * 1000,
          },
        }
      : {}),
  log,
});

// Every request the handlers make, by service and operation; DynamoDB capacity by step.
type Counts = Record<string, number>;
const requests: Counts = {};
const countRequests = (client: { middlewareStack: { add: (...args: never[]) => void } }, service: string) => {
  (client.middlewareStack.add as unknown as (mw: unknown, options: unknown) => void)(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        const key = `${service} ${String(context.commandName ?? '?').replace(/Command$/, '')}`;
        requests[key] = (requests[key] ?? 0) + 1;
        return next(args);
      },
    { step: 'initialize', name: 'benchRequests' },
  );
};
const rawDynamo = new DynamoDBClient({});
const meter = new DynamoDbMeter({ sizeOf: storedItemSize(rawDynamo), label: stepOf }).attach(dynamoDb());
countRequests(dynamoDb(), 'DynamoDB');
countRequests(sqs(), 'SQS');
countRequests(sesv2(), 'SES');
countRequests(sesAccountClient(), 'SES');
const documents = createDocumentClient(rawDynamo);

// Memory: this process (the runtime: handlers, front, emulators in process) and the DynamoDB Local JVM.
let peakRss = process.memoryUsage().rss;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 250);

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
/** Profiles or members a loading call carries (the API takes up to 1,000: smaller calls end well within the
 * function's timeout on a busy machine). */
const LOAD_BATCH = 250;

/** A loading call (profiles and members: upserts, safe to repeat), tried again after a 5xx: on shared cores a
 * batch of 1,000 may outlast its function's timeout while other processes hold the CPU. */
const load = async (path: string, body: unknown) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api('POST', path, token, body);
    } catch (error) {
      if (attempt >= 3 || !/ → 5\d\d /.test((error as Error).message)) throw error;
      log(`  ${path} failed (${(error as Error).message.slice(0, 80)}); again`);
    }
  }
};

const token = (
  (await (
    await fetch(`${runtime.url}/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', groups: ['start-deliveries', 'administration'] }),
    })
  ).json()) as { token: string }
).token;

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

const SIM = 'simulator.amazonses.com';
/**
 * The audience: a realistic mailbox-simulator mix (94 % success, 2 % bounce, 2 % ooto, 1 % complaint, 1 %
 * suppressionlist), 1 % with no address and 1 % opted out (excluded at preparation).
 */
const mailbox = (i: number): { email?: string; optOut?: boolean } => {
  const slot = i % 100;
  const id = `b${String(i).padStart(6, '0')}`;
  if (slot === 97) return {};
  if (slot === 98) return { email: `success+${id}@${SIM}`, optOut: true };
  const local =
    slot < 2
      ? 'bounce'
      : slot < 4
        ? 'ooto'
        : slot === 4
          ? 'complaint'
          : slot === 5
            ? 'suppressionlist'
            : 'success';
  return { email: `${local}+${id}@${SIM}` };
};

/** A prepared delivery of `n` profiles (ids prefixed), `mix` or all success; timed. */
const preparedDelivery = async (n: number, prefix: string, mix: boolean) => {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);
  for (let i = 0; i < n; i += LOAD_BATCH) {
    await load('/profiles:batch', {
      profiles: ids.slice(i, i + LOAD_BATCH).map((id, j) => ({
        id,
        ...(mix ? mailbox(i + j) : { email: `success+${id}@${SIM}` }),
        firstName: 'Ann',
      })),
    });
  }
  const audience = (await api('POST', '/audiences', token, { name: prefix })) as { id: string };
  for (let i = 0; i < n; i += LOAD_BATCH) {
    await load(`/audiences/${audience.id}/members:batch`, {
      profileIds: ids.slice(i, i + LOAD_BATCH),
    });
  }
  const delivery = (await api('POST', '/deliveries', token, {
    label: `Bench ${prefix}`,
    audienceId: audience.id,
    content: {
      from: 'bench@example.com',
      subject: 'Hello {{firstName}}',
      html: '<p>Hi {{firstName}}</p>',
      text: 'Hi',
    },
  })) as { id: string };
  meter.reset();
  for (const key of Object.keys(requests)) delete requests[key];
  const started = performance.now();
  await api('POST', `/deliveries/${delivery.id}/prepare`, token);
  await waitFor(
    'preparation',
    async () => (await api('GET', `/deliveries/${delivery.id}`, token)).state === 'ready',
    60 * 60_000,
  );
  const view = (await api('GET', `/deliveries/${delivery.id}`, token)) as {
    deployment: { kpis: { toDeliver: number } };
  };
  return { id: delivery.id, ms: performance.now() - started, toDeliver: view.deployment.kpis.toDeliver };
};

const counters = new DynamoCounters({ client: documents, tableName: runtime.tables.deliveries });

/**
 * Every recipient of a send has its outcome: delivered or failed, or in doubt with no SES record (its SES call got
 * no answer and SES has no message for it: no event will ever name it; the sweeper fails it after the in-doubt
 * window, an hour locally, which a run does not wait for). In doubt = settled by the senders but not processed.
 */
const accountedFor = (c: Awaited<ReturnType<typeof counters.read>>, toDeliver: number) =>
  c.settled >= toDeliver &&
  c.delivered + c.bouncesAndErrors + Math.max(0, c.settled - c.processed) >= toDeliver;

/** The journal lines of a delivery's accepted messages. */
const sentOf = (deliveryId: string) =>
  readJournal(runtime.sesFront.journalPath).filter(
    (e) => e.outcome === 'sent' && e.tags.some((t) => t.name === 'delivery' && t.value === deliveryId),
  );

/** What the pollers did (invocations, time, SQS requests), per function. */
const pollerStats = () =>
  Object.fromEntries([...runtime.pollers.pollers].map(([name, poller]) => [name, poller.stats()]));
const minus = (after: ReturnType<typeof pollerStats>, before: ReturnType<typeof pollerStats>) =>
  Object.fromEntries(
    Object.entries(after).map(([name, s]) => {
      const b = before[name]!;
      return [
        name,
        {
          invocations: s.invocations - b.invocations,
          busyMs: s.busyMs - b.busyMs,
          receives: s.receives - b.receives,
          deleteBatches: s.deleteBatches - b.deleteBatches,
          memoryMb: (functions as Record<FunctionName, { memoryMb: number }>)[name as FunctionName].memoryMb,
        },
      ];
    }),
  );

/** Units by step and by table/index of the records since `from`. */
const capacity = (from: number) => {
  const records = meter.records.slice(from);
  const byStep: Record<string, { write: number; read: number }> = {};
  for (const r of records) {
    const step = r.label ?? 'unlabelled';
    const s = (byStep[step] ??= { write: 0, read: 0 });
    s[r.kind] += r.units;
  }
  return {
    write: records.filter((r) => r.kind === 'write').reduce((n, r) => n + r.units, 0),
    read: records.filter((r) => r.kind === 'read').reduce((n, r) => n + r.units, 0),
    failedConditionalWrites: records.filter((r) => r.failedCondition).length,
    byStep,
    byTarget: meter.writesByTarget(from),
  };
};

const snapshotRequests = (): Counts => ({ ...requests });
const requestsMinus = (after: Counts, before: Counts): Counts =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)])
      .filter(([, v]) => v !== 0),
  );

/** SendEmail calls per second at concurrency 32, through a configuration set with no event destination. */
const rawSendRate = async (endpoint: string, label: string): Promise<number> => {
  const raw = new SESv2Client({ endpoint, region: process.env.AWS_REGION ?? 'eu-west-1' });
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < config.rawSends) {
        const i = next++;
        await raw.send(
          new SendEmailCommand({
            FromEmailAddress: 'bench@example.com',
            ConfigurationSetName: 'bench-raw-no-event-destination',
            Destination: { ToAddresses: [`raw+${label}${i}@${SIM}`] },
            Content: { Simple: { Subject: { Data: 'raw' }, Body: { Text: { Data: 'raw' } } } },
          }),
        );
      }
    }),
  );
  raw.destroy();
  return config.rawSends / ((performance.now() - start) / 1000);
};

/** Every item of a delivery's 16 log partitions, read as plainly as possible: what compute stats is held against. */
const bareRead = async (ref: { deliveryId: string; version: number }) => {
  let items = 0;
  await Promise.all(
    allShards().map(async (shard) => {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await documents.send(
          new QueryCommand({
            TableName: runtime.tables.recipients,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': sendingLogPk(ref, shard) },
            ExclusiveStartKey: start,
          }),
        );
        items += out.Items?.length ?? 0;
        start = out.LastEvaluatedKey;
      } while (start);
    }),
  );
  return items;
};

const throughput = async () => {
  log(`Raw SES rates: ${config.rawSends} SendEmail at concurrency 32 (no event destination), twice each`);
  // The emulator alone and through the front, one after the other, twice: on a machine whose cores are shared, a
  // busy moment of another process would otherwise fall on one of them only (the best of each is kept).
  const rawRates = { emulator: [] as number[], front: [] as number[] };
  for (let round = 0; round < 2; round++) {
    rawRates.emulator.push(await rawSendRate(runtime.endpoints.sesEmulator, `emulator${round}`));
    rawRates.front.push(await rawSendRate(runtime.endpoints.ses, `front${round}`));
  }
  const rawEmulator = Math.max(...rawRates.emulator);
  const rawFront = Math.max(...rawRates.front);
  log(
    `Raw: emulator ${rawRates.emulator.map((r) => r.toFixed(0)).join(' and ')}/s, through the SES front ${rawRates.front.map((r) => r.toFixed(0)).join(' and ')}/s`,
  );

  log(`Loading and preparing ${config.recipients} recipients (mailbox mix)`);
  const delivery = await preparedDelivery(config.recipients, 'b', true);
  const prepared = {
    seconds: delivery.ms / 1000,
    capacity: capacity(0),
    requests: snapshotRequests(),
    logBytes,
  };
  log(`Prepared in ${prepared.seconds.toFixed(1)} s: ${delivery.toDeliver} to deliver`);

  const sendFrom = meter.records.length;
  const keyFrom = meter.keyWrites.length;
  const requestsBefore = snapshotRequests();
  const pollersBefore = pollerStats();
  const logBefore = logBytes;
  const elu = performance.eventLoopUtilization();
  const jvmCpuBefore = await cpuSecondsOf(runtime.pids.dynamodb);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
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
        log(`  ${d.deployment.kpis.sent}/${delivery.toDeliver} sent`);
      }
      return d.state === 'finished';
    },
    60 * 60_000,
  );
  const sentMs = performance.now() - started;
  const sendElu = performance.eventLoopUtilization(elu);
  const sendCpu = process.cpuUsage(cpuBefore);
  const jvmCpuSent = await cpuSecondsOf(runtime.pids.dynamodb);
  await waitFor(
    'all events ingested',
    async () => {
      const c = await counters.read(delivery.id);
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`  ${c.delivered} delivered, ${c.bouncesAndErrors} failed of ${delivery.toDeliver}`);
      }
      return accountedFor(c, delivery.toDeliver);
    },
    60 * 60_000,
  );
  await runtime.sesEvents.idle();
  const ingestedMs = performance.now() - started;
  const outcomes = await counters.read(delivery.id);
  const sent = sentOf(delivery.id);
  const sentIds = new Set(sent.map((e) => e.messageId));
  const events = readState(join(dataDir, STATE_FILE)).filter((l) => sentIds.has(l.messageId));
  const send = {
    seconds: sentMs / 1000,
    recipientsPerSecond: delivery.toDeliver / (sentMs / 1000),
    sesSendRate: spanRate(sent.map((e) => Date.parse(e.receivedAt ?? e.at))),
    busiestSecond: busiestWindow(sent.map((e) => Date.parse(e.receivedAt ?? e.at))),
    confirmToAllIngestedSeconds: ingestedMs / 1000,
    events: events.length,
    eventsPerSecond: events.length / (ingestedMs / 1000),
    capacity: capacity(sendFrom),
    hotKeys: hottestKeys(meter.keyWrites.slice(keyFrom)),
    requests: requestsMinus(snapshotRequests(), requestsBefore),
    pollers: minus(pollerStats(), pollersBefore),
    logBytes: logBytes - logBefore,
    eventLoopUtilization: sendElu.utilization,
    runtimeCpuSeconds: (sendCpu.user + sendCpu.system) / 1e6,
    dynamoDbLocalCpuSeconds: jvmCpuBefore !== null && jvmCpuSent !== null ? jvmCpuSent - jvmCpuBefore : null,
    messages: sent.length,
    delivered: outcomes.delivered,
    failed: outcomes.bouncesAndErrors,
    inDoubt: Math.max(0, outcomes.settled - outcomes.processed),
  };
  log(
    `Sent in ${send.seconds.toFixed(1)} s (${send.recipientsPerSecond.toFixed(0)}/s); events ingested ${send.confirmToAllIngestedSeconds.toFixed(1)} s after confirm`,
  );

  // Ingestion alone: one open per message (of the first `opens`), published at once, until the counters hold them.
  const openFrom = meter.records.length;
  const openRequests = snapshotRequests();
  const openPollers = pollerStats();
  const openLog = logBytes;
  const openStarted = performance.now();
  let next = 0;
  const ids = sent.slice(0, config.opens).map((e) => e.messageId!);
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        await runtime.sesEvents.open(id, { userAgent: 'bench', ipAddress: '127.0.0.1' });
      }
    }),
  );
  await waitFor(
    'all opens ingested',
    async () => (await counters.read(delivery.id)).opens >= ids.length,
    60 * 60_000,
  );
  const openMs = performance.now() - openStarted;
  const opens = {
    events: ids.length,
    seconds: openMs / 1000,
    eventsPerSecond: ids.length / (openMs / 1000),
    capacity: capacity(openFrom),
    requests: requestsMinus(snapshotRequests(), openRequests),
    pollers: minus(pollerStats(), openPollers),
    logBytes: logBytes - openLog,
  };
  log(`Opens ingested at ${opens.eventsPerSecond.toFixed(0)}/s`);

  // Compute stats against a bare read of the same items.
  const ref = { deliveryId: delivery.id, version: 1 };
  const bareStarted = performance.now();
  const bareItems = await bareRead(ref);
  const bareMs = performance.now() - bareStarted;
  const statsStarted = performance.now();
  await api('POST', `/deliveries/${delivery.id}/compute-stats`, token);
  const statsMs = performance.now() - statsStarted;

  return {
    recipients: config.recipients,
    toDeliver: delivery.toDeliver,
    raw: { emulatorPerSecond: rawEmulator, frontPerSecond: rawFront, rounds: rawRates },
    prepare: prepared,
    send,
    opens,
    computeStats: { seconds: statsMs / 1000, bareReadSeconds: bareMs / 1000, items: bareItems },
  };
};

/** `clients` readers of GET /deliveries/{id} until `until` resolves: their latencies, sorted. */
const apiLoad = async (deliveryId: string, clients: number, until: Promise<unknown>) => {
  const latencies: number[] = [];
  let done = false;
  void until.then(() => {
    done = true;
  });
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!done) {
        const t = performance.now();
        const response = await fetch(`${runtime.url}/deliveries/${deliveryId}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await response.arrayBuffer();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
};

const finished = (deliveryId: string) =>
  waitFor(
    'finished',
    async () => (await api('GET', `/deliveries/${deliveryId}`, token)).state === 'finished',
    60 * 60_000,
  );

const pacing = async () => {
  log(
    `Pacing: ${config.recipients} recipients at ${config.pacingRate}/s, SES answering in 60 ms (250 ms p99)`,
  );
  const first = await preparedDelivery(config.recipients, 'p', false);
  const pollersBefore = pollerStats();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const elu = performance.eventLoopUtilization();
  await api('POST', `/deliveries/${first.id}/confirm`, token);
  await finished(first.id);
  loopDelay.disable();
  const sendElu = performance.eventLoopUtilization(elu);
  // The invocations' time at a pace below local capacity, as in Lambda: what the cost's GB-seconds are taken from.
  await waitFor(
    'all events ingested',
    async () => {
      const c = await counters.read(first.id);
      return accountedFor(c, first.toDeliver);
    },
    60 * 60_000,
  );
  await runtime.sesEvents.idle();
  const pollers = minus(pollerStats(), pollersBefore);
  const times = sentOf(first.id).map((e) => Date.parse(e.receivedAt ?? e.at));
  if (process.env.BENCH_DEBUG) {
    const t0 = Math.min(...times);
    const perSecond: number[] = [];
    for (const t of times)
      perSecond[Math.floor((t - t0) / 1000)] = (perSecond[Math.floor((t - t0) / 1000)] ?? 0) + 1;
    log(`per second: ${[...perSecond].map((n) => n ?? 0).join(' ')}`);
  }
  const achieved = steadyRate(times);
  const worst = busiestWindow(times);
  log(`Achieved ${achieved.toFixed(1)}/s, busiest second ${worst} (target ${config.pacingRate})`);

  log(
    `API: ${config.apiClients} clients reading the delivery while ${config.apiRecipients} recipients are sent`,
  );
  const second = await preparedDelivery(config.apiRecipients, 'q', false);
  await api('POST', `/deliveries/${second.id}/confirm`, token);
  const latencies = await apiLoad(second.id, config.apiClients, finished(second.id));
  const underLoad = sentOf(second.id).map((e) => Date.parse(e.receivedAt ?? e.at));
  return {
    targetPerSecond: config.pacingRate,
    sesLatency: AWS_LIKE_LATENCY,
    recipients: config.recipients,
    achievedPerSecond: achieved,
    achievedOverTarget: achieved / config.pacingRate,
    wholeSendPerSecond: spanRate(times),
    worstWindow: worst,
    worstWindowOverTarget: worst / config.pacingRate,
    senderMaxConcurrency: Number(runtime.settings.SENDER_MAX_CONCURRENCY),
    toDeliver: first.toDeliver,
    pollers,
    // What late timers come from: the runtime's one event loop (handlers, SES front, emulators) while sending.
    eventLoop: {
      utilization: sendElu.utilization,
      delayP99Ms: loopDelay.percentile(99) / 1e6,
      delayMaxMs: loopDelay.max / 1e6,
    },
    api: {
      clients: config.apiClients,
      requests: latencies.length,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      whileSending: {
        recipients: config.apiRecipients,
        achievedOverTarget: steadyRate(underLoad) / config.pacingRate,
        worstWindowOverTarget: busiestWindow(underLoad) / config.pacingRate,
      },
    },
  };
};

try {
  const result = config.kind === 'throughput' ? await throughput() : await pacing();
  clearInterval(rssTimer);
  const memory = {
    runtimePeakRssBytes: Math.max(peakRss, (await peakRssOf(process.pid)) ?? 0),
    dynamoDbLocalPeakRssBytes: await peakRssOf(runtime.pids.dynamodb),
  };
  writeFileSync(config.out, JSON.stringify({ kind: config.kind, ...result, memory }, null, 2));
} catch (error) {
  writeFileSync(config.out, JSON.stringify({ kind: config.kind, error: (error as Error).message }));
  process.exitCode = 1;
} finally {
  clearInterval(rssTimer);
  await runtime.stop();
  rawDynamo.destroy();
  if (config.keepData) log(`Kept the data folder: ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}
