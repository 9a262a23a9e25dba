/**
 * `npm start`: the whole system on loopback, no AWS account (DESIGN section 4).
 *
 * Environment: PORT (default 3000; 0 picks a free port), DATA_DIR (default .data/ in the project), SEED=0 to skip
 * the demo data, LOG_LEVEL for the handlers (default WARN), CORS_ORIGINS (comma-separated, default any).
 * Ctrl-C (SIGINT) or SIGTERM stops everything, the DynamoDB Local JVM included.
 */
import { resolve } from 'node:path';
import { DEFAULT_DATA_DIR, type Runtime, startRuntime } from './runtime.ts';

const env = process.env;
const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (0 picks a free one), not "${env.PORT}".`);
  process.exit(2);
}
const dataDir = resolve(env.DATA_DIR || DEFAULT_DATA_DIR);
const seed = !['0', 'false', 'no', 'off'].includes((env.SEED ?? '').toLowerCase());
const corsOrigins = env.CORS_ORIGINS
  ? env.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean)
  : undefined;

const q = (json: unknown) => `'${JSON.stringify(json)}'`;

const signInLine = (url: string, variable: string, username: string, groups: string[]) =>
  `${variable}=$(curl -s -X POST ${url}/local/sign-in -H 'content-type: application/json' -d ${q({ username, groups })} | sed -E 's/.*"token":"([^"]+)".*/\\1/')`;

const banner = (runtime: Runtime): string => {
  const { url } = runtime;
  const lines = [
    '',
    `Confirm-and-send is running at ${url}  (healthy after ${(runtime.timings.healthyMs / 1000).toFixed(1)} s)`,
    `Data folder: ${runtime.dataDir}${runtime.seeded ? ' (demo data seeded)' : ''}`,
    '',
    'Sign in (local tokens, signed by a key that exists only in this data folder; valid 12 hours):',
    '  with the Start deliveries role (may confirm sends):',
    `    ${signInLine(url, 'STARTER', 'stella', ['start-deliveries'])}`,
    '  without it (prepare only: confirming is refused with 403):',
    `    ${signInLine(url, 'PREPARER', 'pat', ['prepare-deliveries'])}`,
    '  then, for example:',
    `    curl -s ${url}/deliveries -H "Authorization: Bearer $STARTER"`,
    '',
    `Local routes: GET ${url}/health, GET ${url}/local/endpoints, POST ${url}/local/invoke/{function},`,
    `              GET ${url}/local/ses/journal, POST ${url}/local/ses/faults {"throttle": N}`,
    `Mail caught by the SES emulator: ${runtime.endpoints.sesEmulator}/  ·  Press Ctrl-C to stop.`,
    '',
  ];
  return lines.join('\n');
};

let runtime: Runtime | null = null;
let stopping = false;

const shutdown = async (signal: string) => {
  if (stopping) {
    console.error(`${signal} again: exiting now.`);
    process.exit(130);
  }
  stopping = true;
  console.log(`\n${signal}: stopping the local runtime…`);
  try {
    await runtime?.stop();
  } finally {
    process.exit(0);
  }
};

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGHUP', () => void shutdown('SIGHUP'));
// `npm start` runs us under `sh -c`: a SIGTERM sent to npm alone ends npm and the shell, not us. Follow our
// parent: when it is gone we are re-parented, and stop.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown('parent process exited');
}, 1000).unref();
// Tests run the runtime as a child with a pipe on stdin: if the test process dies, the runtime follows.
if (env.EXIT_ON_STDIN_CLOSE === '1') {
  process.stdin.on('end', () => void shutdown('stdin closed'));
  process.stdin.on('error', () => void shutdown('stdin closed'));
  process.stdin.resume();
}

const explain = (error: unknown): string => {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE')
    return `Port ${port} is in use. Set PORT to another port (PORT=0 picks a free one).`;
  const message = e instanceof Error ? e.message : String(error);
  if (/DynamoDB Local|java/i.test(message))
    return `${message}\nDynamoDB Local needs Java 17 or later on PATH (or JAVA_HOME).`;
  return e instanceof Error ? (e.stack ?? message) : message;
};

try {
  runtime = await startRuntime({
    port,
    dataDir,
    seed,
    ...(env.LOG_LEVEL ? { logLevel: env.LOG_LEVEL } : {}),
    ...(corsOrigins ? { corsOrigins } : {}),
    onListening: (url) =>
      console.log(`Local runtime starting at ${url} (GET ${url}/health answers 503 until ready)`),
    log: (line) => console.log(`  ${line}`),
  });
  console.log(banner(runtime));
} catch (error) {
  console.error(`The local runtime could not start: ${explain(error)}`);
  process.exit(1);
}
