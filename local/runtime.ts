/**
 * The embedded runtime (DESIGN section 4): the emulators, the SES front, the topology's tables and functions, and
 * the HTTP front that serves them, on loopback, with every piece of state under one data folder.
 *
 * Start order: the HTTP front listens first (so /health can answer 503 while starting), then the emulators, the
 * SES front, the tables, the queues and their dead-letter queues, the SES event simulator (which publishes the
 * events of what the SES front accepts to the events queue, and what a previous run left unpublished), the local
 * scheduler's API, the handlers (imported once, after the environment is set, as at a Lambda cold start), the
 * queue pollers, the functions on an interval and the scheduler's clock, the demo data (through the HTTP API,
 * only into an empty data folder), and /health turns 200. Stopping runs it backwards: pollers, intervals and
 * scheduler first (letting invocations under way finish), then the simulator, the emulators last.
 *
 * One runtime per process: handler modules and their SDK clients are loaded once and keep the endpoints they
 * were loaded with. Tests run it as a child process (test/helpers/runtime.ts).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interceptLocalhostDns } from 'fauxqs';
import {
  type FunctionName,
  SES_EVENTS_QUEUE,
  type SettingName,
  sendEventSourceConcurrency,
  withQueueConcurrency,
} from '#topology/topology.ts';
import { createIdentity, type Identity } from '#local/cognito/identity.ts';
import { createRuntimeResources } from '#local/aws-resources.ts';
import { type TableNames, tableNames } from '#local/dynamodb/tables.ts';
import { type EmulatorEndpoints, type Emulators, startEmulators } from '#local/emulators.ts';
import {
  handlerEnvironment,
  localSettings,
  REGION,
  SCHEDULE_GROUP,
  SEND_RATE_FRACTION,
  TABLE_PREFIX,
  UNSUBSCRIBE_KEY_SECRET_NAME,
} from '#local/environment.ts';
import { startConsole } from '#local/console/index.ts';
import { type HttpFront, startHttpFront } from '#local/gateway/front.ts';
import { createLocalRoutes } from '#local/gateway/local-routes.ts';
import type { IntervalTriggers } from '#local/lambda/interval-triggers.ts';
import { LOCAL_ACCOUNT_ID, type LoadedFunction, loadFunctions } from '#local/lambda/invoke.ts';
import { scheduleTargetFunctions, schedulerTargets } from '#local/lambda/scheduler-targets.ts';
import { startTriggers } from '#local/lambda/triggers.ts';
import { type LocalScheduler, startLocalScheduler } from '#local/scheduler/scheduler.ts';
import { type SeedResult, seedDemoData } from '#local/seed/demo-data.ts';
import { isEmptyDir, readSeedState, writeSeedState } from '#local/seed/seed-state.ts';
import { localMaxSendRate } from '#local/ses/emulator.ts';
import { JOURNAL_FILE } from '#local/ses/journal.ts';
import type { Latency } from '#local/ses/latency.ts';
import { type SesFront, startSesFront } from '#local/ses/front.ts';
import { startEventDestination } from '#local/ses/event-destination.ts';
import { startLocalSecretsManager } from '#local/secretsmanager/secrets.ts';
import type { SesEventSimulator } from '#local/ses/simulator.ts';
import type { Pollers } from '#local/sqs/pollers.ts';
import type { QueueRef, QueueResources } from '#local/sqs/queues.ts';

/** Where the handlers' entry files are found (topology paths are relative to it). */
const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface RuntimeOptions {
  /** Port of the HTTP front on 127.0.0.1; 0 picks a free one. */
  port: number;
  dataDir: string;
  /** Seed demo data when the data folder is empty (or a previous seed was cut short). */
  seed: boolean;
  /** Powertools log level of the handlers (default WARN, to keep the console readable). */
  logLevel?: string;
  /** Origins allowed by CORS (default any). */
  corsOrigins?: readonly string[];
  /**
   * Every queue's visibility timeout, instead of the topology's (LOCAL_VISIBILITY_TIMEOUT_SECONDS): short values
   * make failed messages come back, and reach their dead-letter queue, in seconds.
   */
  visibilityTimeoutSeconds?: number;
  /** SEND_RATE_LIMIT handed to the senders (messages per second; default none). */
  sendRateLimit?: string;
  /** IN_DOUBT_WINDOW_MINUTES handed to the sweeper (default 60). */
  inDoubtWindowMinutes?: string;
  /** Period of the functions on an interval (the sweeper) instead of the topology's (LOCAL_SWEEP_INTERVAL_SECONDS). */
  sweepIntervalSeconds?: number;
  /** SES's answer time the SES front plays on send requests (default none: the emulator answers at once). */
  sesLatency?: Latency;
  /** The SES event simulator: delay scale (0 publishes at once; default 1) and random open and click rates (0..1). */
  sesEvents?: {
    delayScale?: number;
    sendDelayMs?: number;
    openRate?: number;
    clickRate?: number;
    /** Faults of the SNS → SQS path: events delivered twice, some late (local/ses/event-faults.ts). */
    duplicateRate?: number;
    reorderRate?: number;
  };
  /** The reputation guard's thresholds handed to the ingester (GUARD_*; the schema's defaults otherwise). */
  guard?: { bounceRate?: string; complaintRate?: string; minProcessed?: string };
  /** Told the URL as soon as the front listens (it answers 503 until ready). */
  onListening?: (url: string) => void;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface RuntimeTimings {
  /** From startRuntime to the front listening, to the emulators up, and to /health answering 200. */
  listeningMs: number;
  emulatorsMs: number;
  healthyMs: number;
}

export interface Runtime {
  url: string;
  dataDir: string;
  /** Endpoints the handlers use (`ses` is the SES front, `scheduler` the local scheduler), and the SES emulator. */
  endpoints: EmulatorEndpoints & { sesEmulator: string; scheduler: string; secretsManager: string };
  tables: TableNames;
  identity: Identity;
  sesFront: SesFront;
  queues: QueueResources;
  /** The dead-letter queue of the schedules' failed deliveries. */
  schedulesDlq: QueueRef;
  scheduler: LocalScheduler;
  pollers: Pollers;
  /** The SES event simulator (the events of what the SES front accepted, to the events queue). */
  sesEvents: SesEventSimulator;
  /** The functions run on an interval (the sweeper). */
  intervals: IntervalTriggers;
  /** The settings the handlers get (topology/topology.ts SETTINGS). */
  settings: Record<SettingName, string>;
  /** What seeding did on this start: the demo ids, or null when the data folder already had data. */
  seeded: SeedResult | null;
  timings: RuntimeTimings;
  pids: { dynamodb: number };
  stop(): Promise<void>;
}

let started = false;

export const startRuntime = async (options: RuntimeOptions): Promise<Runtime> => {
  if (started)
    throw new Error('One local runtime per process: handler modules keep the endpoints they loaded with.');
  started = true;
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const log = options.log ?? (() => {});
  const dataDir = resolve(options.dataDir);
  const fresh = isEmptyDir(dataDir);
  mkdirSync(dataDir, { recursive: true });
  // Marked before anything else is written: a first start cut short (no Java, a crash) still seeds next time.
  if (fresh && options.seed) writeSeedState(dataDir, { status: 'pending', at: new Date().toISOString() });

  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error('Local runtime: error while stopping', error);
      }
    }
  };

  try {
    const localConsole = startConsole({ root: REPO_ROOT, log });
    cleanups.push(() => localConsole.stop());
    const front: HttpFront = await startHttpFront({
      port: options.port,
      console: localConsole.handler,
      ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
      onFunctionError: (name, error) =>
        console.error(
          `Function ${name} failed: ${error.errorType}: ${error.errorMessage}\n  ${error.trace.slice(1, 6).join('\n  ')}`,
        ),
    });
    cleanups.push(() => front.stop());
    const listeningMs = since();
    options.onListening?.(front.url);

    const identity = await createIdentity(dataDir);
    log(fresh ? `Starting on an empty data folder ${dataDir}` : `Starting on the data folder ${dataDir}`);
    const emulators: Emulators = await startEmulators({ dataDir });
    cleanups.push(() => emulators.stop());
    const emulatorsMs = since();
    log(
      `Emulators up in ${emulators.startupMs.total} ms (DynamoDB Local ${emulators.startupMs.dynamodb} ms)`,
    );

    const sesFront = await startSesFront({
      upstream: emulators.endpoints.ses,
      journalPath: join(dataDir, JOURNAL_FILE),
      ...(options.sesLatency ? { latency: options.sesLatency } : {}),
    });
    cleanups.push(() => sesFront.stop());

    const tables = tableNames(TABLE_PREFIX);
    // The base environment first (region, credentials, endpoints); the queues and settings once they exist.
    Object.assign(
      process.env,
      handlerEnvironment({ ...emulators.endpoints, ses: sesFront.url }, tables, options.logLevel ?? 'WARN'),
    );
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    // fauxqs queue URLs name the host sqs.<region>.localhost, which the SDK calls directly.
    interceptLocalhostDns();

    const { sqs, queues, schedulesDlq, queueUrls, deadLetterUrls, queuesByArn } =
      await createRuntimeResources(
        emulators.endpoints,
        tables,
        { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds },
        { log, since },
      );
    cleanups.push(async () => sqs.destroy());

    // What the configuration set's SNS topic delivers in AWS: the events of every accepted message.
    const sesEvents = startEventDestination({
      sqs,
      eventsQueueUrl: queues[SES_EVENTS_QUEUE].url,
      sesFront,
      dataDir,
      ...(options.sesEvents ? { tuning: options.sesEvents } : {}),
    });
    cleanups.push(() => sesEvents.stop());
    if (sesEvents.resumed > 0)
      log(`SES event simulator: publishing the missing events of ${sesEvents.resumed} message(s)`);

    let loaded: Map<FunctionName, LoadedFunction> | null = null;
    const scheduler = await startLocalScheduler({
      dataDir,
      groups: [SCHEDULE_GROUP],
      region: REGION,
      targets: schedulerTargets({
        sqs,
        queues: queuesByArn,
        functions: () => loaded,
        targetFunctions: scheduleTargetFunctions(),
      }),
      log: (line) => console.error(line),
    });
    cleanups.push(() => scheduler.stop());

    // Secrets Manager: the unsubscribe signing key, made on the first start (a generated value, as in AWS).
    const secretsManager = await startLocalSecretsManager({
      dataDir,
      region: REGION,
      accountId: LOCAL_ACCOUNT_ID,
      names: [UNSUBSCRIBE_KEY_SECRET_NAME],
    });
    cleanups.push(() => secretsManager.close());

    // The send event source sized for the local rate (the emulator's quota, the fraction and the cap), as CDK
    // sizes it for the deployment's.
    const senderMaxConcurrency = sendEventSourceConcurrency({
      maxSendRate: localMaxSendRate(),
      fraction: Number(SEND_RATE_FRACTION),
      limit: options.sendRateLimit ? Number(options.sendRateLimit) : undefined,
    });
    const settings = localSettings({
      schedulesDlqArn: schedulesDlq.arn,
      sendRateLimit: options.sendRateLimit,
      inDoubtWindowMinutes: options.inDoubtWindowMinutes,
      unsubscribe: { keySecretArn: secretsManager.arnOf(UNSUBSCRIBE_KEY_SECRET_NAME), baseUrl: front.url },
      ...(options.guard ? { guard: options.guard } : {}),
      senderMaxConcurrency,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    });
    const endpoints = {
      ...emulators.endpoints,
      ses: sesFront.url,
      sesEmulator: emulators.endpoints.ses,
      scheduler: scheduler.url,
      secretsManager: secretsManager.url,
    };
    Object.assign(
      process.env,
      handlerEnvironment(endpoints, tables, options.logLevel ?? 'WARN', {
        queueUrls,
        settings,
        deadLetterUrls,
      }),
    );

    loaded = await loadFunctions(REPO_ROOT);
    const sender = loaded.get('sender');
    if (sender)
      loaded.set('sender', { ...sender, spec: withQueueConcurrency(sender.spec, senderMaxConcurrency) });
    log(`Loaded ${loaded.size} functions (at ${since()} ms)`);
    front.ready({
      identity,
      functions: loaded,
      localRoutes: createLocalRoutes({
        identity,
        functions: loaded,
        endpoints,
        tables,
        sesFront,
        queues: queueUrls,
        dlqs: deadLetterUrls,
        schedulesDlq: schedulesDlq.url,
        sesEvents,
        baseUrl: front.url,
      }),
    });

    const { pollers, intervals } = startTriggers({
      sqs,
      functions: loaded,
      queues,
      region: REGION,
      prefix: TABLE_PREFIX,
      sweepIntervalSeconds: options.sweepIntervalSeconds,
      log,
    });
    // Invocations under way finish before the emulators stop (up to 20 s; then their messages come back later).
    cleanups.push(() =>
      Promise.all([pollers.stop(20_000), scheduler.stop(20_000), intervals.stop(20_000)]).then(
        () => undefined,
      ),
    );
    scheduler.startClock(1000);

    let seeded: SeedResult | null = null;
    if (options.seed && readSeedState(dataDir)?.status === 'pending') {
      seeded = await seedDemoData(front.url, identity);
      writeSeedState(dataDir, { status: 'done', at: new Date().toISOString(), result: seeded });
      log(
        `Seeded ${seeded.profiles} demo profiles, audience ${seeded.audienceId}, delivery ${seeded.deliveryId} (at ${since()} ms)`,
      );
    }

    front.healthy();
    const healthyMs = since();
    let stopping: Promise<void> | null = null;
    return {
      url: front.url,
      dataDir,
      endpoints,
      tables,
      identity,
      sesFront,
      queues,
      schedulesDlq,
      scheduler,
      pollers,
      sesEvents,
      intervals,
      settings,
      seeded,
      timings: { listeningMs, emulatorsMs, healthyMs },
      pids: emulators.pids,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};
