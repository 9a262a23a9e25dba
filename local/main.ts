/**
 * `npm start`: the whole system on loopback, no AWS account (DESIGN section 4).
 *
 * Environment: PORT (default 3000; 0 picks a free port), DATA_DIR (default .data/ in the project), SEED=0 to skip
 * the demo data, LOG_LEVEL for the handlers (default WARN), CORS_ORIGINS (comma-separated, default any),
 * SEND_RATE_LIMIT (messages per second the senders stay under; default none), LOCAL_VISIBILITY_TIMEOUT_SECONDS
 * (every queue's visibility timeout instead of the topology's: failed messages come back, and reach their
 * dead-letter queue, in seconds; for tests and demos), IN_DOUBT_WINDOW_MINUTES (how long an in-doubt recipient waits
 * for an SES event naming it before the sweeper fails it; default 60), LOCAL_SWEEP_INTERVAL_SECONDS (the sweeper's
 * period instead of the topology's 5 minutes), and the SES event simulator's SES_EVENT_DELAY_SCALE (multiplies its
 * delays, Delivery about 300 ms after the send; 0 publishes every event at once; default 1), SES_OPEN_RATE and
 * SES_CLICK_RATE (fractions 0 to 1 of delivered messages opened, and clicked, at random for demos; default 0).
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

const visibilityTimeout = env.LOCAL_VISIBILITY_TIMEOUT_SECONDS;
const visibilityTimeoutSeconds =
  visibilityTimeout === undefined || visibilityTimeout === '' ? undefined : Number(visibilityTimeout);
if (
  visibilityTimeoutSeconds !== undefined &&
  (!Number.isInteger(visibilityTimeoutSeconds) ||
    visibilityTimeoutSeconds < 0 ||
    visibilityTimeoutSeconds > 43_200)
) {
  console.error(`LOCAL_VISIBILITY_TIMEOUT_SECONDS must be 0 to 43200 seconds, not "${visibilityTimeout}".`);
  process.exit(2);
}
const sendRateLimit = env.SEND_RATE_LIMIT?.trim() ?? '';
if (sendRateLimit !== '' && !(Number(sendRateLimit) > 0)) {
  console.error(`SEND_RATE_LIMIT must be a number of messages per second above 0, not "${sendRateLimit}".`);
  process.exit(2);
}

/** An optional number from the environment, within bounds; exits with a message otherwise. */
const numberFromEnv = (name: string, valid: (n: number) => boolean, expected: string): number | undefined => {
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || !valid(value)) {
    console.error(`${name} must be ${expected}, not "${raw}".`);
    process.exit(2);
  }
  return value;
};
const inDoubtWindowMinutes = numberFromEnv(
  'IN_DOUBT_WINDOW_MINUTES',
  (n) => n > 0,
  'a number of minutes above 0',
);
const sweepIntervalSeconds = numberFromEnv(
  'LOCAL_SWEEP_INTERVAL_SECONDS',
  (n) => n > 0,
  'a number of seconds above 0',
);
const delayScale = numberFromEnv(
  'SES_EVENT_DELAY_SCALE',
  (n) => n >= 0,
  'a number ≥ 0 (0 publishes at once)',
);
const openRate = numberFromEnv('SES_OPEN_RATE', (n) => n >= 0 && n <= 1, 'a fraction from 0 to 1');
const clickRate = numberFromEnv('SES_CLICK_RATE', (n) => n >= 0 && n <= 1, 'a fraction from 0 to 1');

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
    `              GET ${url}/local/ses/journal (each sent message with its openUrl and clickUrl),`,
    `              POST ${url}/local/ses/faults {"throttle": N}, GET ${url}/local/ses/events?messageId=<SES message id>`,
    `SES events (mailbox simulator) go to the events queue; opens and clicks: GET ${url}/local/ses/open/{sesMessageId},`,
    `              GET ${url}/local/ses/click/{sesMessageId}?link=<url>`,
    `Queues: ${Object.values(runtime.queues)
      .map((queue) => queue.name)
      .join(
        ', ',
      )} (each with a -dlq); move a dead-letter queue back: npm run redrive -- <queue> --local ${url}`,
    `EventBridge Scheduler (local): ${runtime.endpoints.scheduler}, schedules kept in ${runtime.dataDir}/schedules.json`,
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
    ...(visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds } : {}),
    ...(sendRateLimit ? { sendRateLimit } : {}),
    ...(inDoubtWindowMinutes !== undefined ? { inDoubtWindowMinutes: String(inDoubtWindowMinutes) } : {}),
    ...(sweepIntervalSeconds !== undefined ? { sweepIntervalSeconds } : {}),
    sesEvents: {
      ...(delayScale !== undefined ? { delayScale } : {}),
      ...(openRate !== undefined ? { openRate } : {}),
      ...(clickRate !== undefined ? { clickRate } : {}),
    },
    onListening: (url) =>
      console.log(`Local runtime starting at ${url} (GET ${url}/health answers 503 until ready)`),
    log: (line) => console.log(`  ${line}`),
  });
  console.log(banner(runtime));
} catch (error) {
  console.error(`The local runtime could not start: ${explain(error)}`);
  process.exit(1);
}
