/**
 * `npm run bench [-- options]`: runs the embedded system end to end and reports, as a table and as JSON
 * (bench-results/latest.json), what DESIGN section 9 and issue #11 ask: throughput against the raw SES rate, events
 * ingested per second, pacing against a target with AWS-like SES latency, DynamoDB write units per recipient by
 * step, the cost of every AWS request per 1,000 emails, the hottest keys, compute stats against a bare read, API
 * latency under load while sending, peak memory. Each scenario runs in a process of its own (bench/scenario.ts).
 * `--help` lists the options.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type Cost,
  loadPrices,
  modelledLambdaGbSecondsPerThousand,
  type PhaseUsage,
  perThousand,
  price,
} from './cost.ts';
import type { ScenarioConfig } from './scenario.ts';

const USAGE = `Usage: npm run bench -- [options]

Runs the embedded system end to end and writes a table and bench-results/latest.json.

Options:
  --recipients N          recipients of the throughput send (mailbox-simulator mix), default 10000
  --raw-sends N           SendEmail calls of each raw SES rate measurement (each is measured twice), default 2000
  --ses-rate R            the SES account's max send rate in the throughput run (senders aim at 80 %), default 1250
  --pacing-rate R         target rate of the pacing run (all senders together, per second), default 100
  --pacing-recipients N   recipients of the pacing run, default 3000
  --api-clients N         concurrent readers of GET /deliveries/{id} while sending, default 50
  --api-recipients N      recipients sent while they read, default 1000
  --opens N               opens published after the throughput send (one per message, ingestion alone), default 10000
  --events-after-send     the throughput run's SES events come after its send (a Send event 1 s per 50
                          recipients after its message, the others later): the senders alone on the machine, as
                          a sender measured without an event pipeline is (events/s then measure ingestion alone)
  --scenarios LIST        throughput, pacing or both (comma-separated), default throughput,pacing
  --out FILE              where the JSON goes, default bench-results/latest.json
  --keep-data             keep each scenario's data folder (its path is printed) to look into afterwards
  --faults                the fault bench instead (bench/faults.ts): npm run bench -- --faults --help
  --help                  this text`;

class UsageError extends Error {}

const wholeNumber = (name: string, value: string, min: number, max: number): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return n;
};

const readOptions = () => {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        recipients: { type: 'string', default: '10000' },
        'raw-sends': { type: 'string', default: '2000' },
        'ses-rate': { type: 'string', default: '1250' },
        'pacing-rate': { type: 'string', default: '100' },
        'pacing-recipients': { type: 'string', default: '3000' },
        'api-clients': { type: 'string', default: '50' },
        'api-recipients': { type: 'string', default: '1000' },
        opens: { type: 'string', default: '10000' },
        scenarios: { type: 'string', default: 'throughput,pacing' },
        out: { type: 'string', default: 'bench-results/latest.json' },
        'keep-data': { type: 'boolean', default: false },
        'events-after-send': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!);
  }
  if (values.help) return null;
  const scenarios = values.scenarios.split(',').map((s) => s.trim());
  for (const s of scenarios) {
    if (s !== 'throughput' && s !== 'pacing') {
      throw new UsageError(`--scenarios takes throughput and/or pacing (got "${s}")`);
    }
  }
  return {
    recipients: wholeNumber('recipients', values.recipients, 1, 1_000_000),
    rawSends: wholeNumber('raw-sends', values['raw-sends'], 1, 100_000),
    sesRate: wholeNumber('ses-rate', values['ses-rate'], 1, 100_000),
    pacingRate: wholeNumber('pacing-rate', values['pacing-rate'], 2, 10_000),
    pacingRecipients: wholeNumber('pacing-recipients', values['pacing-recipients'], 10, 1_000_000),
    apiClients: wholeNumber('api-clients', values['api-clients'], 1, 1_000),
    apiRecipients: wholeNumber('api-recipients', values['api-recipients'], 10, 1_000_000),
    opens: wholeNumber('opens', values.opens, 1, 1_000_000),
    scenarios: new Set(scenarios as Array<'throughput' | 'pacing'>),
    out: values.out,
    keepData: values['keep-data'],
    eventsAfterSend: values['events-after-send'],
  };
};

let options: ReturnType<typeof readOptions> | undefined;
// --faults: the fault bench, with its own options and report (bench/faults.ts).
const faults = process.argv.includes('--faults');
if (faults) process.exitCode = await (await import('./faults.ts')).runFaultBench(process.argv.slice(2));
try {
  if (!faults) options = readOptions();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`bench: ${error.message} (npm run bench -- --help)\n`);
  process.exitCode = 2;
}
if (options === null) process.stdout.write(`${USAGE}\n`);

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs one scenario in its own process; its progress goes to this process's stderr. */
const runScenario = async (
  work: string,
  config: Omit<ScenarioConfig, 'out'>,
): Promise<Record<string, unknown>> => {
  const out = join(work, `${config.kind}.json`);
  const child = spawn(process.execPath, ['bench/scenario.ts', JSON.stringify({ ...config, out })], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  let result: Record<string, unknown>;
  try {
    result = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new Error(`the ${config.kind} scenario ended (exit code ${code}) without a result`);
  }
  if (result.error) throw new Error(`the ${config.kind} scenario failed: ${String(result.error)}`);
  return result;
};

interface Capacity {
  write: number;
  read: number;
  failedConditionalWrites: number;
  byStep: Record<string, { write: number; read: number }>;
  byTarget: Record<string, number>;
}
interface Phase {
  seconds: number;
  capacity: Capacity;
  requests: Record<string, number>;
  pollers?: PhaseUsage['pollers'];
  logBytes: number;
}
interface Throughput {
  recipients: number;
  toDeliver: number;
  raw: { emulatorPerSecond: number; frontPerSecond: number; rounds: { emulator: number[]; front: number[] } };
  prepare: Phase;
  send: Phase & {
    recipientsPerSecond: number;
    sesSendRate: number;
    busiestSecond: number;
    confirmToAllIngestedSeconds: number;
    events: number;
    eventsPerSecond: number;
    hotKeys: Array<{
      table: string;
      pk: string;
      peakWritesPerSecond: number;
      peakShare: number;
      totalUnits: number;
    }>;
    eventLoopUtilization: number;
    runtimeCpuSeconds: number;
    dynamoDbLocalCpuSeconds: number | null;
    messages: number;
    delivered: number;
    failed: number;
    inDoubt: number;
    pollers: PhaseUsage['pollers'];
  };
  opens: Phase & { events: number; eventsPerSecond: number; pollers: PhaseUsage['pollers'] };
  computeStats: { seconds: number; bareReadSeconds: number; items: number };
  memory: { runtimePeakRssBytes: number; dynamoDbLocalPeakRssBytes: number | null };
}

interface Pacing {
  targetPerSecond: number;
  recipients: number;
  achievedPerSecond: number;
  achievedOverTarget: number;
  wholeSendPerSecond: number;
  worstWindow: number;
  worstWindowOverTarget: number;
  senderMaxConcurrency: number;
  toDeliver: number;
  eventLoop: { utilization: number; delayP99Ms: number; delayMaxMs: number };
  /** The pollers during the first send, until its events were ingested: invocations and their time. */
  pollers: PhaseUsage['pollers'];
  api: {
    clients: number;
    requests: number;
    p50Ms: number;
    p99Ms: number;
    whileSending: { recipients: number; achievedOverTarget: number; worstWindowOverTarget: number };
  };
  memory: Record<string, number | null>;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Write units per recipient, by step, and the delivered path (docs/data-model.md "Write units per step"). */
const writeUnits = (t: Throughput) => {
  const steps: Record<string, number> = {};
  for (const phase of [t.prepare, t.send]) {
    for (const [step, u] of Object.entries(phase.capacity.byStep)) {
      if (u.write > 0) steps[step] = (steps[step] ?? 0) + u.write;
    }
  }
  const n = t.toDeliver;
  const sent = t.send.messages;
  // Delivered recipients: the mix's success, ooto and complaint addresses (the counters say how many).
  const delivered = Math.max(1, t.send.delivered);
  const perRecipient = (step: string, of = n) => round((steps[step] ?? 0) / Math.max(1, of), 4);
  const byStep = {
    prepare: perRecipient('prepare'),
    'send-window': perRecipient('send-window'),
    'mark-sent': perRecipient('mark-sent', sent),
    // The evidence sample's notes, over every message sent (one in 8 at 10,000: docs/data-model.md).
    'send-event': perRecipient('send-event', sent),
    'delivery-event': perRecipient('delivery-event', delivered),
    counters: perRecipient('counters'),
  };
  const deliveredPath = round(
    Object.values(byStep).reduce((a, b) => a + b, 0),
    3,
  );
  return {
    deliveredPath,
    allOutcomes: round((t.prepare.capacity.write + t.send.capacity.write) / n, 3),
    byStep,
    totalsByStep: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, round(v, 1)])),
    byTableOrIndex: Object.fromEntries(
      Object.entries(t.send.capacity.byTarget).map(([k, v]) => [k, round(v / n, 3)]),
    ),
    failedConditionalWrites:
      t.prepare.capacity.failedConditionalWrites + t.send.capacity.failedConditionalWrites,
    readUnitsPerRecipient: round((t.prepare.capacity.read + t.send.capacity.read) / n, 3),
    perOpen: round(t.opens.capacity.write / Math.max(1, t.opens.events), 3),
  };
};

/** The cost with the Lambda GB-seconds per email of the pacing run (see where it is called). */
const withLambdaFrom = (cost: Cost, pacing: Pacing, prices: ReturnType<typeof loadPrices>): Cost => {
  const gbSeconds =
    (Object.values(pacing.pollers).reduce((n, s) => n + (s.busyMs / 1000) * (s.memoryMb / 1024), 0) * 1000) /
    Math.max(1, pacing.toDeliver);
  const gbPrice = prices.prices['lambda.armGbSecond']?.usd ?? 0;
  const before = (cost.units.lambdaGbSeconds ?? 0) * gbPrice;
  const lambda = (cost.usd.lambda ?? 0) - before + gbSeconds * gbPrice;
  return {
    usd: { ...cost.usd, lambda },
    total: cost.total - (cost.usd.lambda ?? 0) + lambda,
    units: { ...cost.units, lambdaGbSeconds: gbSeconds },
  };
};

const main = async (opts: NonNullable<ReturnType<typeof readOptions>>, work: string) => {
  const results: Record<string, unknown> = {
    at: new Date().toISOString(),
    options: { ...opts, scenarios: [...opts.scenarios] },
  };
  const prices = loadPrices();
  const rows: Array<[string, string]> = [];
  const pacingRows: Array<[string, string]> = [];
  let p: Pacing | null = null;
  if (opts.scenarios.has('pacing')) {
    p = (await runScenario(work, {
      kind: 'pacing',
      recipients: opts.pacingRecipients,
      rawSends: opts.rawSends,
      sesMaxSendRate: 500,
      pacingRate: opts.pacingRate,
      apiClients: opts.apiClients,
      apiRecipients: opts.apiRecipients,
      opens: opts.opens,
      keepData: opts.keepData,
    })) as unknown as Pacing;
    Object.assign(results, {
      pacing: {
        targetPerSecond: p.targetPerSecond,
        sesLatency: { medianMs: 60, p99Ms: 250 },
        recipients: p.recipients,
        senderMaxConcurrency: p.senderMaxConcurrency,
        achievedPerSecond: round(p.achievedPerSecond, 1),
        achievedOverTarget: round(p.achievedOverTarget, 3),
        wholeSendOverTarget: round(p.wholeSendPerSecond / p.targetPerSecond, 3),
        worstWindow: p.worstWindow,
        worstWindowOverTarget: round(p.worstWindowOverTarget, 3),
        runtimeEventLoop: {
          utilization: round(p.eventLoop.utilization, 3),
          delayP99Ms: round(p.eventLoop.delayP99Ms, 1),
          delayMaxMs: round(p.eventLoop.delayMaxMs, 1),
        },
        invocations: Object.fromEntries(
          Object.entries(p.pollers)
            .filter(([, s]) => s.invocations > 0)
            .map(([name, s]) => [name, { count: s.invocations, seconds: round(s.busyMs / 1000, 1) }]),
        ),
      },
      api: {
        route: 'GET /deliveries/{id}',
        clients: p.api.clients,
        requests: p.api.requests,
        p50Ms: round(p.api.p50Ms, 1),
        p99Ms: round(p.api.p99Ms, 1),
        whileSending: p.api.whileSending,
      },
    });
    results.memory = { ...(results.memory as Record<string, unknown> | undefined), pacing: p.memory };
    pacingRows.push(
      [
        `Pacing: target (SES latency 60 ms, p99 250 ms)`,
        `${p.targetPerSecond}/s, ${p.recipients} recipients, ${p.senderMaxConcurrency} senders`,
      ],
      ['pacing.achievedOverTarget (steady: 5th to 95th percentile)', p.achievedOverTarget.toFixed(3)],
      [
        '  over the whole send (ramp-up and last pages included)',
        (p.wholeSendPerSecond / p.targetPerSecond).toFixed(3),
      ],
      [
        'pacing.worstWindowOverTarget',
        `${p.worstWindowOverTarget.toFixed(3)} (${p.worstWindow} in one second)`,
      ],
      [
        '  runtime event loop: busy · delay p99 · max (ms)',
        `${(p.eventLoop.utilization * 100).toFixed(0)} % · ${p.eventLoop.delayP99Ms.toFixed(0)} · ${p.eventLoop.delayMaxMs.toFixed(0)}`,
      ],
      [
        `API p50 · p99, GET /deliveries/{id}, ${p.api.clients} clients while sending (ms)`,
        `${p.api.p50Ms.toFixed(1)} · ${p.api.p99Ms.toFixed(1)} (${p.api.requests} requests)`,
      ],
      [
        '  pacing meanwhile: achieved · worst window over target',
        `${p.api.whileSending.achievedOverTarget.toFixed(3)} · ${p.api.whileSending.worstWindowOverTarget.toFixed(3)}`,
      ],
    );
  }
  if (opts.scenarios.has('throughput')) {
    const t = (await runScenario(work, {
      kind: 'throughput',
      recipients: opts.recipients,
      rawSends: opts.rawSends,
      sesMaxSendRate: opts.sesRate,
      pacingRate: opts.pacingRate,
      apiClients: opts.apiClients,
      apiRecipients: opts.apiRecipients,
      opens: opts.opens,
      keepData: opts.keepData,
      eventsAfterSend: opts.eventsAfterSend,
    })) as unknown as Throughput;
    const usage = (phase: Phase, events: number): PhaseUsage => ({
      capacity: phase.capacity,
      requests: phase.requests,
      pollers: phase.pollers ?? {},
      logBytes: phase.logBytes,
      events,
      seconds: phase.seconds,
    });
    const localCost = perThousand(
      price([usage(t.prepare, 0), usage(t.send, t.send.events)], prices),
      t.toDeliver,
    );
    // Lambda bills each invocation's duration. In this run the handlers share two cores with the emulators and
    // wait for CPU (senders sized for the SES rate run far below it), so their durations are not Lambda's; the
    // pacing run, below local capacity and with SES answering as in AWS, gives the GB-seconds per email instead.
    const sendCost = p ? withLambdaFrom(localCost, p, prices) : localCost;
    const openCost = perThousand(price([usage(t.opens, t.opens.events)], prices), t.opens.events);
    const wu = writeUnits(t);
    const gbPrice = prices.prices['lambda.armGbSecond']?.usd ?? 0;
    const modelledGbSeconds = modelledLambdaGbSecondsPerThousand(1000);
    const modelledTotal =
      sendCost.total - (sendCost.units.lambdaGbSeconds ?? 0) * gbPrice + modelledGbSeconds * gbPrice;
    const peak = t.send.hotKeys[0];
    const shareKey = [...t.send.hotKeys].sort((a, b) => b.peakShare - a.peakShare)[0];
    const ratio = t.send.recipientsPerSecond / t.raw.frontPerSecond;
    Object.assign(results, {
      recipients: t.recipients,
      toDeliver: t.toDeliver,
      throughput: {
        recipientsPerSecond: round(t.send.recipientsPerSecond, 1),
        rawSesEmulatorPerSecond: round(t.raw.emulatorPerSecond, 1),
        rawSesThroughFrontPerSecond: round(t.raw.frontPerSecond, 1),
        rawSesRounds: {
          emulator: t.raw.rounds.emulator.map((r) => round(r, 0)),
          front: t.raw.rounds.front.map((r) => round(r, 0)),
        },
        ratio: round(ratio, 3),
        eventsAfterSend: opts.eventsAfterSend,
        confirmToAllSentSeconds: round(t.send.seconds, 1),
        confirmToAllIngestedSeconds: round(t.send.confirmToAllIngestedSeconds, 1),
        sesSendRatePerSecond: round(t.send.sesSendRate, 1),
        busiestSecond: t.send.busiestSecond,
        eventsIngestedPerSecond: round(t.send.eventsPerSecond, 1),
        outcomes: { delivered: t.send.delivered, failed: t.send.failed, inDoubt: t.send.inDoubt },
        opensIngestedPerSecond: round(t.opens.eventsPerSecond, 1),
        prepareSeconds: round(t.prepare.seconds, 1),
        prepareRecipientsPerSecond: round(t.recipients / t.prepare.seconds, 0),
        bounds: {
          runtimeEventLoopUtilization: round(t.send.eventLoopUtilization, 3),
          runtimeCpuSeconds: round(t.send.runtimeCpuSeconds, 1),
          dynamoDbLocalCpuSeconds:
            t.send.dynamoDbLocalCpuSeconds === null ? null : round(t.send.dynamoDbLocalCpuSeconds, 1),
          sendSeconds: round(t.send.seconds, 1),
          dynamoDbRequestsPerRecipient: round(
            Object.entries(t.send.requests)
              .filter(([k]) => k.startsWith('DynamoDB'))
              .reduce((n, [, v]) => n + v, 0) / t.toDeliver,
            2,
          ),
        },
      },
      writeUnits: { perRecipient: wu.deliveredPath, ...wu },
      cost: {
        region: prices.region,
        pricesRetrieved: prices.retrieved,
        perThousandEmailsUsd: round(sendCost.total, 5),
        lambdaDurationFrom: p
          ? 'pacing run (below local capacity, SES latency as in AWS)'
          : 'throughput run (CPU-bound)',
        throughputRunLambdaGbSecondsPerThousandEmails: round(localCost.units.lambdaGbSeconds ?? 0, 2),
        // The same, with Lambda's GB-seconds as the capacity model sizes them at 1,000 sends/s (the runs here share
        // their cores, which stretches every invocation).
        modelledLambdaGbSecondsPerThousandEmails: round(modelledGbSeconds, 2),
        perThousandEmailsUsdWithModelledLambda: round(modelledTotal, 5),
        withoutSnsToSqsDeliveriesUsd: round(
          sendCost.total - ((t.send.events * 1000) / t.toDeliver) * (prices.prices['sqs.request']?.usd ?? 0),
          5,
        ),
        byServicePerThousandEmailsUsd: Object.fromEntries(
          Object.entries(sendCost.usd).map(([k, v]) => [k, round(v, 6)]),
        ),
        unitsPerThousandEmails: Object.fromEntries(
          Object.entries(sendCost.units).map(([k, v]) => [k, round(v, 2)]),
        ),
        sesPerThousandEmailsUsd: 0.1,
        shareOfSes: round(sendCost.total / 0.1, 4),
        perThousandOpensUsd: round(openCost.total, 5),
      },
      hotKeys: {
        peakWritesPerSecond: peak?.peakWritesPerSecond ?? 0,
        hottest: t.send.hotKeys,
        sendRatePerSecond: round(t.send.sesSendRate, 1),
        // The key's share of its busiest second's writes, times the writes per second of 1,000 sends/s (the run's
        // write units per message sent, every table and index).
        projectedAt1000SendsPerSecond: shareKey
          ? round(shareKey.peakShare * 1000 * (t.send.capacity.write / Math.max(1, t.send.messages)), 0)
          : 0,
        projectedKey: shareKey ? { pk: shareKey.pk, peakShare: round(shareKey.peakShare, 3) } : null,
      },
      requestsPerRecipient: Object.fromEntries(
        Object.entries(t.send.requests).map(([k, v]) => [k, round(v / t.toDeliver, 3)]),
      ),
      computeStats: {
        seconds: round(t.computeStats.seconds, 2),
        bareReadSeconds: round(t.computeStats.bareReadSeconds, 2),
        items: t.computeStats.items,
        overBareRead: round(t.computeStats.seconds / t.computeStats.bareReadSeconds, 2),
      },
      memory: { ...(results.memory as Record<string, unknown> | undefined), throughput: t.memory },
    });
    rows.push(
      ['Recipients (to deliver)', `${t.recipients} (${t.toDeliver})`],
      [
        'Prepare (s · recipients/s)',
        `${t.prepare.seconds.toFixed(1)} · ${(t.recipients / t.prepare.seconds).toFixed(0)}`,
      ],
      [
        `Confirm → all sent (s · recipients/s)${opts.eventsAfterSend ? ', SES events after the send' : ''}`,
        `${t.send.seconds.toFixed(1)} · ${t.send.recipientsPerSecond.toFixed(1)}`,
      ],
      [
        'Raw SES: emulator · through the SES front (sends/s)',
        `${t.raw.emulatorPerSecond.toFixed(0)} · ${t.raw.frontPerSecond.toFixed(0)}`,
      ],
      ['throughput.ratio (end to end / raw through the front)', ratio.toFixed(3)],
      ['Busiest second of the send (messages)', String(t.send.busiestSecond)],
      [
        'Confirm → all events ingested (s) · events/s',
        `${t.send.confirmToAllIngestedSeconds.toFixed(1)} · ${t.send.eventsPerSecond.toFixed(1)}`,
      ],
      ['Opens alone ingested per second', t.opens.eventsPerSecond.toFixed(1)],
      ['Runtime event loop busy during the send', `${(t.send.eventLoopUtilization * 100).toFixed(0)} %`],
      [
        'CPU during the send: runtime · DynamoDB Local (s)',
        `${t.send.runtimeCpuSeconds.toFixed(1)} · ${t.send.dynamoDbLocalCpuSeconds?.toFixed(1) ?? '?'}`,
      ],
      ['writeUnits.perRecipient (delivered path)', wu.deliveredPath.toFixed(3)],
      ...Object.entries(wu.byStep).map(([k, v]): [string, string] => [`  ${k}`, v.toFixed(4)]),
      ['Write units per recipient, all outcomes of the mix', wu.allOutcomes.toFixed(3)],
      ['Read units per recipient', wu.readUnitsPerRecipient.toFixed(3)],
      ['Write units per open', wu.perOpen.toFixed(3)],
      ['Refused conditional writes (billed)', String(wu.failedConditionalWrites)],
      [
        `cost.perThousandEmailsUsd (${prices.region}, prices of ${prices.retrieved})`,
        sendCost.total.toFixed(5),
      ],
      ...Object.entries(sendCost.usd).map(([k, v]): [string, string] => [`  ${k}`, v.toFixed(6)]),
      [
        '  Lambda GB-s per 1,000 emails: priced · this run (CPU-bound)',
        `${(sendCost.units.lambdaGbSeconds ?? 0).toFixed(1)} · ${(localCost.units.lambdaGbSeconds ?? 0).toFixed(1)}`,
      ],
      [
        '  with Lambda GB-s as the capacity model sizes them (1,000 sends/s)',
        `${modelledTotal.toFixed(5)} (${modelledGbSeconds.toFixed(1)} GB-s)`,
      ],
      [
        '  without SQS requests for SNS deliveries (if not billed)',
        (results.cost as { withoutSnsToSqsDeliveriesUsd: number }).withoutSnsToSqsDeliveriesUsd.toFixed(5),
      ],
      ['  SES itself', '0.10000'],
      ['Cost per 1,000 opens (USD)', openCost.total.toFixed(5)],
      ['hotKeys.peakWritesPerSecond (hottest key)', `${peak?.peakWritesPerSecond ?? 0} (${peak?.pk ?? '-'})`],
      [
        '  largest share of a full-rate second · projected at 1,000 sends/s (WRU/s)',
        `${((shareKey?.peakShare ?? 0) * 100).toFixed(1)} % · ${(results.hotKeys as { projectedAt1000SendsPerSecond: number }).projectedAt1000SendsPerSecond}`,
      ],
      [
        'Compute stats (s) · bare read of the same items (s)',
        `${t.computeStats.seconds.toFixed(2)} · ${t.computeStats.bareReadSeconds.toFixed(2)} (${t.computeStats.items} items)`,
      ],
      [
        'Peak RSS: runtime · DynamoDB Local (MB)',
        `${(t.memory.runtimePeakRssBytes / 2 ** 20).toFixed(0)} · ${t.memory.dynamoDbLocalPeakRssBytes ? (t.memory.dynamoDbLocalPeakRssBytes / 2 ** 20).toFixed(0) : '?'}`,
      ],
    );
  }
  rows.push(...pacingRows);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  process.stdout.write(
    `\n${rows.map(([k, v]) => `${k.padEnd(width)}${v}`).join('\n')}\n\nWritten to ${opts.out}\n`,
  );
};

if (options) {
  const work = mkdtempSync(join(tmpdir(), 'cas-bench-run-'));
  try {
    await main(options, work);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
