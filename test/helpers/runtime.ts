/**
 * The local runtime for e2e tests, run as `npm start` runs it: a child process `node local/main.ts` with PORT=0
 * and a temporary DATA_DIR. A child process, not in-process, because handler modules keep the endpoints they were
 * loaded with (one runtime per process) and because a restart after SIGKILL must be a real SIGKILL.
 *
 * `useRuntime()` starts it once per test file and always stops it, the DynamoDB Local JVM included; the child
 * also exits when its stdin closes, so a test process that dies does not leave it behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { assertContract } from './contract.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 150_000;

export interface RuntimeProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the child printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, and wait until the child and its JVM are gone. */
  stop(): Promise<void>;
  /** SIGKILL the runtime process (no handler runs), and wait until it and its JVM are gone. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Data folder (default: a new temporary folder, removed by `useRuntime`). */
  dataDir?: string;
  seed?: boolean;
  env?: Record<string, string>;
}

/** Pids of DynamoDB Local JVMs whose command line names `dataDir` (scans /proc). */
export const jvmPids = (dataDir: string): number[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmd.includes('DynamoDBLocal.jar') && cmd.includes(dataDir) ? [Number(pid)] : [];
      } catch {
        return [];
      }
    });

/** Polls `check` until it is true, at most `timeoutMs`; then throws with `what`. */
export const waitFor = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const health = async (url: string): Promise<number> => {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return 0;
  }
};

export const startRuntimeProcess = async (options: StartOptions = {}): Promise<RuntimeProcess> => {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cas-e2e-'));
  const child = spawn(process.execPath, ['local/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      SEED: options.seed === false ? '0' : '1',
      EXIT_ON_STDIN_CLOSE: '1',
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const gone = async (timeoutMs: number) => {
    if (!exited()) await once(child, 'exit');
    await waitFor(`the JVM of ${dataDir} to end`, () => jvmPids(dataDir).length === 0, timeoutMs);
  };

  let url = '';
  try {
    await waitFor(
      'the runtime to listen',
      () => {
        if (exited()) throw new Error(`The runtime exited while starting:\n${output}`);
        url = /starting at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
        return url !== '';
      },
      START_TIMEOUT_MS,
    );
    await waitFor(
      '/health to answer 200',
      async () => {
        if (exited()) throw new Error(`The runtime exited while starting:\n${output}`);
        return (await health(url)) === 200;
      },
      START_TIMEOUT_MS,
    );
  } catch (error) {
    child.kill('SIGKILL');
    await gone(15_000).catch(() => {});
    throw error;
  }

  return {
    url,
    dataDir,
    child,
    output: () => output,
    async stop() {
      if (!exited()) child.kill('SIGTERM');
      await gone(30_000);
    },
    async kill() {
      if (!exited()) child.kill('SIGKILL');
      // The emulators' watchdog kills the orphaned JVM within about a second.
      await gone(15_000);
    },
  };
};

/** Stops a runtime a test started itself (killed and restarted on the way, maybe) and removes its data folder. */
export const removeRuntime = async (runtime: RuntimeProcess | undefined): Promise<void> => {
  if (!runtime) return;
  await runtime.stop();
  rmSync(runtime.dataDir, { recursive: true, force: true });
};

/** Starts one runtime for the test file (beforeAll) and stops it afterwards, removing its temporary data. */
export const useRuntime = (options: Omit<StartOptions, 'dataDir'> = {}): (() => RuntimeProcess) => {
  let runtime: RuntimeProcess | undefined;
  beforeAll(async () => {
    runtime = await startRuntimeProcess(options);
  }, START_TIMEOUT_MS + 10_000);
  afterAll(async () => {
    if (!runtime) return;
    await runtime.stop();
    rmSync(runtime.dataDir, { recursive: true, force: true });
  }, 60_000);
  return () => {
    if (!runtime) throw new Error('The runtime is not started');
    return runtime;
  };
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON bodies by path; the contract check types them
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A console-like client of the local API. */
export const client = (baseUrl: string) => {
  const request = async (
    method: string,
    path: string,
    options: {
      token?: string | undefined;
      body?: unknown;
      raw?: string | Buffer;
      headers?: Record<string, string>;
    } = {},
  ): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | Buffer | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
  return {
    request,
    async signIn(username: string, groups: string[]): Promise<string> {
      const r = await request('POST', '/local/sign-in', { body: { username, groups } });
      if (r.status !== 200) throw new Error(`sign-in answered ${r.status}: ${r.text}`);
      return r.body.token as string;
    },
    /**
     * Calls an API route and holds the answer against the OpenAPI contract; `template` is the route's path
     * template ("/deliveries/{id}"), `params` fill it in.
     */
    async api(
      method: string,
      template: string,
      params: Record<string, string>,
      options: {
        token?: string | undefined;
        body?: unknown;
        raw?: string;
        headers?: Record<string, string>;
      } = {},
    ): Promise<ApiResponse> {
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
        encodeURIComponent(params[name] ?? ''),
      );
      const r = await request(method, path, options);
      assertContract(method, template, r.status, r.body);
      return r;
    },
  };
};
