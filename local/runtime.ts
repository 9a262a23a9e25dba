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
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { interceptLocalhostDns } from 'fauxqs';
import {
  type FunctionName,
  type FunctionSpec,
  functionEnvironment,
  functions as topologyFunctions,
  type QueueName,
  SES_EVENTS_QUEUE,
  type SettingName,
  tableEnv,
  tableNameList,
} from '#topology/topology.ts';
import { startConsole } from './console/index.ts';
import { type EmulatorEndpoints, type Emulators, startEmulators } from './emulators.ts';
import { type HttpFront, startHttpFront } from './http-front.ts';
import { createIdentity, type Identity } from './identity.ts';
import { type IntervalTriggers, startIntervalTriggers } from './interval-triggers.ts';
import { functionArn, LOCAL_ACCOUNT_ID, type LoadedFunction, loadFunctions } from './lambda.ts';
import { createLocalRoutes } from './local-routes.ts';
import { type Pollers, startPollers } from './pollers.ts';
import {
  createQueues,
  createTables,
  DLQ_RETENTION_SECONDS,
  ensureQueue,
  type QueueRef,
  type QueueResources,
  queueName,
  type TableNames,
  tableNames,
} from './resources.ts';
import { type LocalScheduler, startLocalScheduler } from './scheduler.ts';
import { scheduleTargetFunctions, schedulerTargets } from './scheduler-targets.ts';
import { type SeedResult, seedDemoData } from './seed.ts';
import {
  type SesEventSimulator,
  STATE_FILE as SES_EVENTS_STATE_FILE,
  startSesEventSimulator,
} from './ses-events.ts';
import { JOURNAL_FILE, type SesFront, startSesFront } from './ses-front.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const DEFAULT_DATA_DIR = join(REPO_ROOT, '.data');
export const REGION = 'us-east-1';
export const TABLE_PREFIX = 'local';
export const SEED_FILE = 'seed.json';
/** Powertools service name, as ProjectFunction sets it in AWS (infra/constructs/project-function.ts). */
const SERVICE_NAME = 'confirm-and-send';
/** The local names of what the settings point at (infra/topology.ts SETTINGS). */
export const SCHEDULE_GROUP = `${TABLE_PREFIX}-deliveries`;
export const SCHEDULES_DLQ = queueName(TABLE_PREFIX, 'schedules-dlq');
export const SES_CONFIGURATION_SET = `${TABLE_PREFIX}-config-set`;
export const SCHEDULER_ROLE_ARN = `arn:aws:iam::000000000000:role/${TABLE_PREFIX}-scheduler`;
export const SEND_RATE_FRACTION = '0.8';
/** How long an in-doubt recipient waits for an SES event naming it, locally (IN_DOUBT_WINDOW_MINUTES). */
export const IN_DOUBT_WINDOW_MINUTES = '60';
/** The SNS topic of the configuration set's events (the simulator puts it in each envelope's TopicArn). */
export const SES_EVENTS_TOPIC_ARN = `arn:aws:sns:${REGION}:${LOCAL_ACCOUNT_ID}:${TABLE_PREFIX}-ses-events`;
/** The function schedules invoke: the topology's schedule target. */
const SCHEDULE_TARGET = (Object.entries(topologyFunctions) as Array<[FunctionName, FunctionSpec]>).find(
  ([, spec]) => spec.trigger.kind === 'schedule-target',
)?.[0];

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
  /** The SES event simulator: delay scale (0 publishes at once; default 1) and random open and click rates (0..1). */
  sesEvents?: { delayScale?: number; openRate?: number; clickRate?: number };
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
  endpoints: EmulatorEndpoints & { sesEmulator: string; scheduler: string };
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
  /** The settings the handlers get (infra/topology.ts SETTINGS). */
  settings: Record<SettingName, string>;
  /** What seeding did on this start: the demo ids, or null when the data folder already had data. */
  seeded: SeedResult | null;
  timings: RuntimeTimings;
  pids: { dynamodb: number };
  stop(): Promise<void>;
}

let started = false;

/** True when the folder is missing or holds nothing (hidden files included). */
const isEmptyDir = (dir: string): boolean => !existsSync(dir) || readdirSync(dir).length === 0;

interface SeedState {
  status: 'pending' | 'done';
  at: string;
  result?: SeedResult;
}

const readSeedState = (dataDir: string): SeedState | null => {
  const file = join(dataDir, SEED_FILE);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SeedState;
  } catch {
    return { status: 'pending', at: new Date().toISOString() };
  }
};

const writeSeedState = (dataDir: string, state: SeedState): void => {
  const file = join(dataDir, SEED_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { flush: true });
  renameSync(`${file}.tmp`, file);
};

/**
 * The environment handlers get, as in Lambda plus the loopback endpoints: region, fake credentials (no AWS
 * account is ever used: any service without a local endpoint is pointed at a closed loopback port), the table
 * variables of the topology, and the Powertools settings. With `wiring`, also the local scheduler's endpoint and,
 * as every function's `functionEnvironment` gives them, the queue URLs, dead-letter queue URLs and settings: all
 * functions share this one process, so it is the union of their environments.
 */
export const handlerEnvironment = (
  endpoints: EmulatorEndpoints & { scheduler?: string },
  tables: TableNames,
  logLevel: string,
  wiring: {
    queueUrls?: Partial<Record<QueueName, string>>;
    settings?: Partial<Record<SettingName, string>>;
    deadLetterUrls?: Partial<Record<QueueName, string>>;
  } = {},
): Record<string, string> => ({
  AWS_REGION: REGION,
  AWS_DEFAULT_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
  AWS_ENDPOINT_URL_SQS: endpoints.sqs,
  AWS_ENDPOINT_URL_SESV2: endpoints.ses,
  ...(endpoints.scheduler ? { AWS_ENDPOINT_URL_SCHEDULER: endpoints.scheduler } : {}),
  ...Object.fromEntries(tableNameList().map((name) => [tableEnv(name), tables[name]])),
  ...Object.assign(
    {},
    ...(Object.values(topologyFunctions) as FunctionSpec[]).map((spec) =>
      functionEnvironment(
        spec,
        tables,
        wiring.queueUrls ?? {},
        wiring.settings ?? {},
        wiring.deadLetterUrls ?? {},
      ),
    ),
  ),
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  LOG_LEVEL: logLevel,
});

/** The settings of the local runtime (infra/topology.ts SETTINGS), as CDK fills them in AWS. */
export const localSettings = (options: {
  schedulesDlqArn: string;
  sendRateLimit?: string | undefined;
  inDoubtWindowMinutes?: string | undefined;
}): Record<SettingName, string> => {
  const sender = topologyFunctions.sender.trigger;
  if (!SCHEDULE_TARGET) throw new Error('The topology has no schedule-target function');
  return {
    SES_CONFIGURATION_SET,
    SEND_RATE_FRACTION,
    SEND_RATE_LIMIT: options.sendRateLimit ?? '',
    SENDER_MAX_CONCURRENCY: String(sender.maxConcurrency),
    SCHEDULE_GROUP,
    SCHEDULER_ROLE_ARN,
    SCHEDULE_TARGET_ARN: functionArn(SCHEDULE_TARGET),
    SCHEDULE_DLQ_ARN: options.schedulesDlqArn,
    IN_DOUBT_WINDOW_MINUTES: options.inDoubtWindowMinutes ?? IN_DOUBT_WINDOW_MINUTES,
  };
};

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

    const ddb = new DynamoDBClient({ region: REGION, endpoint: emulators.endpoints.dynamodb });
    try {
      const { created } = await createTables(ddb, tables);
      if (created.length > 0) log(`Created tables ${created.join(', ')} (at ${since()} ms)`);
    } finally {
      ddb.destroy();
    }

    const sqs = new SQSClient({
      region: REGION,
      endpoint: emulators.endpoints.sqs,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    cleanups.push(async () => sqs.destroy());
    const queues = await createQueues(sqs, {
      prefix: TABLE_PREFIX,
      endpoint: emulators.endpoints.sqs,
      ...(options.visibilityTimeoutSeconds !== undefined
        ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
        : {}),
    });
    const schedulesDlq = await ensureQueue(sqs, emulators.endpoints.sqs, SCHEDULES_DLQ, {
      MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
    });
    log(
      `Queues ${Object.values(queues)
        .map((q) => q.name)
        .join(', ')} with their dead-letter queues` +
        (options.visibilityTimeoutSeconds !== undefined
          ? `, visibility timeout ${options.visibilityTimeoutSeconds} s (LOCAL_VISIBILITY_TIMEOUT_SECONDS)`
          : '') +
        ` (at ${since()} ms)`,
    );

    // What the configuration set's SNS topic delivers in AWS: the events of every accepted message.
    const eventsQueueUrl = queues[SES_EVENTS_QUEUE].url;
    const sesEvents = startSesEventSimulator({
      publish: async (body) => {
        await sqs.send(new SendMessageCommand({ QueueUrl: eventsQueueUrl, MessageBody: body }));
      },
      journalPath: sesFront.journalPath,
      statePath: join(dataDir, SES_EVENTS_STATE_FILE),
      source: sesFront,
      topicArn: SES_EVENTS_TOPIC_ARN,
      region: REGION,
      accountId: LOCAL_ACCOUNT_ID,
      defaultConfigurationSet: SES_CONFIGURATION_SET,
      ...options.sesEvents,
      onError: (error, { messageId, event }) =>
        console.error(
          `SES event simulator: the ${event} event of ${messageId} was not published (${(error as Error).message}); the next start publishes it`,
        ),
    });
    cleanups.push(() => sesEvents.stop());
    if (sesEvents.resumed > 0)
      log(`SES event simulator: publishing the missing events of ${sesEvents.resumed} message(s)`);

    let loaded: Map<FunctionName, LoadedFunction> | null = null;
    const queuesByArn = new Map<string, string>([
      ...Object.values(queues).flatMap((q): Array<[string, string]> => [
        [q.arn, q.url],
        [q.dlq.arn, q.dlq.url],
      ]),
      [schedulesDlq.arn, schedulesDlq.url],
    ]);
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

    const settings = localSettings({
      schedulesDlqArn: schedulesDlq.arn,
      sendRateLimit: options.sendRateLimit,
      inDoubtWindowMinutes: options.inDoubtWindowMinutes,
    });
    const endpoints = {
      ...emulators.endpoints,
      ses: sesFront.url,
      sesEmulator: emulators.endpoints.ses,
      scheduler: scheduler.url,
    };
    const queueUrls = Object.fromEntries(Object.entries(queues).map(([name, q]) => [name, q.url]));
    const deadLetterUrls = Object.fromEntries(Object.entries(queues).map(([name, q]) => [name, q.dlq.url]));
    Object.assign(
      process.env,
      handlerEnvironment(endpoints, tables, options.logLevel ?? 'WARN', {
        queueUrls,
        settings,
        deadLetterUrls,
      }),
    );

    loaded = await loadFunctions(REPO_ROOT);
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

    const pollers = startPollers({
      sqs,
      functions: loaded,
      queues,
      region: REGION,
      onBatchFailure: (fn, reason, ids) =>
        console.error(
          `Function ${fn.name} failed a batch of ${ids.length} message(s) (they come back after the visibility timeout): ${reason}`,
        ),
      onPollError: (fn, error) =>
        console.error(`Queue poller of ${fn.name}: ${(error as Error).name}: ${(error as Error).message}`),
    });
    const intervals = startIntervalTriggers({
      functions: loaded,
      region: REGION,
      prefix: TABLE_PREFIX,
      ...(options.sweepIntervalSeconds !== undefined
        ? { periodMs: options.sweepIntervalSeconds * 1000 }
        : {}),
      onError: (fn, error) =>
        console.error(`Function ${fn.name} failed: ${error.errorType}: ${error.errorMessage}`),
    });
    if (intervals.periods.size > 0) {
      log(
        `On an interval: ${[...intervals.periods].map(([name, ms]) => `${name} every ${ms / 1000} s`).join(', ')}` +
          (options.sweepIntervalSeconds !== undefined ? ' (LOCAL_SWEEP_INTERVAL_SECONDS)' : ''),
      );
    }
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
