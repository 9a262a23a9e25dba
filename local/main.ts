/**
 * `npm start`: the whole system on loopback, no AWS account (DESIGN section 4).
 *
 * Environment: the settings of scope `local` in topology/settings.ts, each with its type, default and
 * description there (docs/settings.md lists them): PORT, DATA_DIR, SEED, LOG_LEVEL, CORS_ORIGINS, SEND_RATE_LIMIT,
 * SEND_CLAIM_LEASE_SECONDS, LOCAL_VISIBILITY_TIMEOUT_SECONDS, IN_DOUBT_WINDOW_MINUTES, LOCAL_SWEEP_INTERVAL_SECONDS,
 * COUNTER_SETTLE_SECONDS, SES_EVENT_DELAY_SCALE, SES_OPEN_RATE, SES_CLICK_RATE, SES_EVENT_DUPLICATE_RATE,
 * SES_EVENT_REORDER_RATE. An invalid value exits with code 2 and a message naming it.
 * Ctrl-C (SIGINT) or SIGTERM stops everything, the DynamoDB Local JVM included.
 */
import { resolve } from 'node:path';
import { SettingsError, settingsFromEnvironment, settingsIn } from '#topology/settings.ts';
import { type Runtime, startRuntime } from './runtime.ts';

const env = process.env;
const settings = (() => {
  try {
    return settingsFromEnvironment(settingsIn('local'), env, 'local');
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
})();
const port = settings.PORT;
// Relative to the project (where `npm start` runs), as the default `.data` is.
const dataDir = resolve(import.meta.dirname, '..', settings.DATA_DIR);

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
    seed: settings.SEED,
    logLevel: settings.LOG_LEVEL,
    ...(settings.CORS_ORIGINS ? { corsOrigins: settings.CORS_ORIGINS } : {}),
    ...(settings.LOCAL_VISIBILITY_TIMEOUT_SECONDS !== undefined
      ? { visibilityTimeoutSeconds: settings.LOCAL_VISIBILITY_TIMEOUT_SECONDS }
      : {}),
    ...(settings.SEND_RATE_LIMIT !== undefined ? { sendRateLimit: String(settings.SEND_RATE_LIMIT) } : {}),
    inDoubtWindowMinutes: String(settings.IN_DOUBT_WINDOW_MINUTES),
    guard: {
      bounceRate: String(settings.GUARD_BOUNCE_RATE),
      complaintRate: String(settings.GUARD_COMPLAINT_RATE),
      minProcessed: String(settings.GUARD_MIN_PROCESSED),
    },
    ...(settings.LOCAL_SWEEP_INTERVAL_SECONDS !== undefined
      ? { sweepIntervalSeconds: settings.LOCAL_SWEEP_INTERVAL_SECONDS }
      : {}),
    sesEvents: {
      delayScale: settings.SES_EVENT_DELAY_SCALE,
      openRate: settings.SES_OPEN_RATE,
      clickRate: settings.SES_CLICK_RATE,
      duplicateRate: settings.SES_EVENT_DUPLICATE_RATE,
      reorderRate: settings.SES_EVENT_REORDER_RATE,
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
