/**
 * `npm run bench -- --faults [options]`: the fault bench (issue #12, item 7). One send of N recipients (the mailbox
 * simulator's mix) through the embedded runtime run as `npm start` runs it (a child process, so that a kill is a
 * real SIGKILL), while faults are injected from outside the handlers:
 *  - lost SES answers: the SES front journals a message, then destroys the connection (`POST /local/ses/faults`);
 *  - SES 429 "Maximum sending rate exceeded" for a while (the same route), after the first restart;
 *  - the runtime killed with SIGKILL at random points of the send (at least 3 times) and restarted on its data;
 *  - every SES event delivered twice, some second copies late, so they arrive after later events of their
 *    message (an SDK middleware on the client that publishes them: SES_EVENT_DUPLICATE_RATE, SES_EVENT_REORDER_RATE).
 * The runtime runs with a short reconciliation window, sweep interval and counter settle time
 * (IN_DOUBT_WINDOW_MINUTES, LOCAL_SWEEP_INTERVAL_SECONDS, COUNTER_SETTLE_SECONDS). Once every recipient is settled
 * (or the deadline passed), it counts from the SES front's journal, the event simulator's state file and the
 * sending log:
 *  - duplicates: messages beyond the first a recipient got;
 *  - lost: To-deliver recipients with no final status (still pending or sent);
 *  - unsent: recipients with no message although nothing refused them (none is refused here);
 *  - inDoubt: recipients still in doubt at the end;
 *  - kpiMismatches: real-time KPIs (sent, processed, delivered, bounces + errors) that differ from a naive recount
 *    over the journal and the simulator's events.
 * It merges `faults` into bench-results/latest.json and exits 1 when duplicates, lost, unsent or kpiMismatches is
 * above 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { JOURNAL_FILE, messagesPerRecipient, readJournal } from '#local/ses/journal.ts';
import { readNdjson } from '#local/ses/ndjson.ts';
import { type PublishedLine, STATE_FILE } from '#local/ses/simulator-state.ts';

export const FAULTS_USAGE = `Usage: npm run bench -- --faults [options]

A send through the embedded runtime while faults are injected from outside the handlers: lost SES answers, SES 429
for a while, the runtime killed with SIGKILL and restarted, every SES event delivered twice and some late (out of
order). Counts duplicates, lost, unsent and in-doubt recipients and KPI mismatches against a naive recount; merges
"faults" into the JSON file; exits 1 when duplicates, lost, unsent or mismatches are above 0.

Options:
  --recipients N          recipients of the send (mailbox-simulator mix), default 10000
  --kills N               SIGKILLs of the runtime at random points of the send, default 3
  --lost-answers N        SES answers lost after the start and after each restart, default 25
  --throttle N            send requests answered 429 after the first restart, default 400
  --window-seconds S      the reconciliation window (IN_DOUBT_WINDOW_MINUTES), default 30
  --ses-rate R            the SES account's max send rate (SES_MAX_SEND_RATE), default 200
  --seed N                seed of the random kill points, default 12
  --out FILE              the JSON file "faults" is merged into, default bench-results/latest.json
  --keep-data             keep the runtime's data folder (its path is printed; the runtime's output is in its
                          runtime.log) to look into afterwards
  --help                  this text`;

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIM = 'simulator.amazonses.com';

class UsageError extends Error {}

interface FaultOptions {
  recipients: number;
  kills: number;
  lostAnswers: number;
  throttle: number;
  windowSeconds: number;
  sesRate: number;
  seed: number;
  out: string;
  keepData: boolean;
}

const whole = (name: string, value: string, min: number, max: number): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
};

const readFaultOptions = (args: string[]): FaultOptions | null => {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        faults: { type: 'boolean', default: true },
        recipients: { type: 'string', default: '10000' },
        kills: { type: 'string', default: '3' },
        'lost-answers': { type: 'string', default: '25' },
        throttle: { type: 'string', default: '400' },
        'window-seconds': { type: 'string', default: '30' },
        'ses-rate': { type: 'string', default: '200' },
        seed: { type: 'string', default: '12' },
        out: { type: 'string', default: 'bench-results/latest.json' },
        'keep-data': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!);
  }
  if (values.help) return null;
  return {
    recipients: whole('recipients', values.recipients, 10, 1_000_000),
    kills: whole('kills', values.kills, 0, 100),
    lostAnswers: whole('lost-answers', values['lost-answers'], 0, 100_000),
    throttle: whole('throttle', values.throttle, 0, 1_000_000),
    windowSeconds: whole('window-seconds', values['window-seconds'], 3, 86_400),
    sesRate: whole('ses-rate', values['ses-rate'], 1, 100_000),
    seed: whole('seed', values.seed, 0, 2 ** 31),
    out: values.out,
    keepData: values['keep-data'],
  };
};

/** A small seeded random source (mulberry32): the kill points of a run can be played again. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const waitUntil = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
};

const log = (line: string) => process.stderr.write(`bench --faults: ${line}\n`);

/** DynamoDB Local JVMs of this data folder (the runtime's watchdog ends them after a kill). */
const jvmsOf = (dataDir: string): number[] =>
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

interface Runtime {
  url: string;
  child: ChildProcess;
  /** The last of what it printed. */
  output(): string;
  /** SIGKILL (or SIGTERM), then wait until it and its JVM are gone. */
  end(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
}

/** `node local/main.ts` on `dataDir`, as `npm start` runs it; resolves once /health answers 200. */
const startRuntime = async (dataDir: string, env: Record<string, string>): Promise<Runtime> => {
  const child = spawn(process.execPath, ['local/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, SEED: '0', EXIT_ON_STDIN_CLOSE: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  // The runtime's output, every start of it, also in its data folder (kept with --keep-data) to look into afterwards.
  const logFile = join(dataDir, 'runtime.log');
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    appendFileSync(logFile, chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const end = async (signal: 'SIGKILL' | 'SIGTERM') => {
    if (!exited()) {
      child.kill(signal);
      await once(child, 'exit');
    }
    await waitUntil('the JVM to end', () => jvmsOf(dataDir).length === 0, 30_000);
  };
  let url = '';
  try {
    await waitUntil(
      'the runtime to start',
      async () => {
        if (exited()) throw new Error(`the runtime exited while starting:\n${output}`);
        url ||= /starting at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
        if (!url) return false;
        return (await fetch(`${url}/health`).catch(() => null))?.status === 200;
      },
      180_000,
    );
  } catch (error) {
    await end('SIGKILL');
    throw error;
  }
  return { url, child, end, output: () => output };
};

/** The API of the runtime at `url`, signed in as a Start-deliveries administrator. */
const apiOf = async (url: string) => {
  // A 5xx (DynamoDB Local timing out on a loaded machine) is tried again: every call made here may be repeated.
  const call = async (method: string, path: string, token: string | null, body?: unknown) => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (response.status < 300) return json;
      if (response.status < 500 || attempt >= 5)
        throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
      await sleep(2_000 * attempt);
    }
  };
  const { token } = (await call('POST', '/local/sign-in', null, {
    username: 'faults',
    groups: ['start-deliveries', 'administration'],
  })) as { token: string };
  return (method: string, path: string, body?: unknown) => call(method, path, token, body);
};
type Api = Awaited<ReturnType<typeof apiOf>>;

/** The mailbox-simulator mix: 2 % bounce, 2 % ooto, 1 % complaint, 1 % suppression list, the rest success. */
const addressOf = (i: number, id: string): string => {
  const slot = i % 100;
  const local =
    slot < 2
      ? 'bounce'
      : slot < 4
        ? 'ooto'
        : slot === 4
          ? 'complaint'
          : slot === 5
            ? 'suppressionlist'
            : 'success';
  return `${local}+${id}@${SIM}`;
};

const prepare = async (api: Api, n: number): Promise<{ id: string; ids: string[] }> => {
  const ids = Array.from({ length: n }, (_, i) => `f${String(i).padStart(6, '0')}`);
  for (let i = 0; i < n; i += 1000) {
    const profiles = ids.slice(i, i + 1000).map((id, j) => ({ id, email: addressOf(i + j, id) }));
    await api('POST', '/profiles:batch', { profiles });
  }
  const audience = (await api('POST', '/audiences', { name: 'Faults' })) as { id: string };
  for (let i = 0; i < n; i += 1000)
    await api('POST', `/audiences/${audience.id}/members:batch`, { profileIds: ids.slice(i, i + 1000) });
  const content = { from: 'bench@example.com', subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' };
  const delivery = (await api('POST', '/deliveries', {
    label: 'Fault bench',
    audienceId: audience.id,
    content,
  })) as { id: string };
  await api('POST', `/deliveries/${delivery.id}/prepare`, {});
  await waitUntil(
    'the preparation',
    async () => (await api('GET', `/deliveries/${delivery.id}`)).state === 'ready',
    600_000,
  );
  return { id: delivery.id, ids };
};

/** Every recipient's sending-log entry (status, failure). */
const sendingLog = async (api: Api, id: string) => {
  const entries: Array<{ recipientId: string; status: string; failureReason?: string }> = [];
  let cursor: string | null = null;
  do {
    const query = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = (await api('GET', `/deliveries/${id}/sending-logs?${query}`)) as {
      items: typeof entries;
      nextCursor: string | null;
    };
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
};

const countBy = <T>(items: readonly T[], key: (t: T) => string) => {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
};

interface Kpis {
  sent: number;
  processed: number;
  delivered: number;
  bouncesAndErrors: number;
}

/**
 * A naive recount (never the domain's formulas): from the journal, who got a message and its ids; from the event
 * simulator's state file, what SES said of each message. A recipient with a Bounce is a bounce, one with a
 * Delivery and no Bounce is delivered; a recipient with no message (failed, nothing sent) is an error.
 */
const naiveKpis = (dataDir: string, deliveryId: string, ids: readonly string[]): Kpis => {
  const journal = readJournal(join(dataDir, JOURNAL_FILE));
  const events = new Map<string, Set<string>>();
  for (const line of readNdjson<PublishedLine>(join(dataDir, STATE_FILE))) {
    const set = events.get(line.messageId) ?? new Set<string>();
    set.add(line.event);
    events.set(line.messageId, set);
  }
  const messagesOf = new Map<string, string[]>();
  for (const e of journal) {
    if (e.outcome !== 'sent' || !e.messageId) continue;
    if (!e.tags.some((t) => t.name === 'delivery' && t.value === deliveryId)) continue;
    const recipient = e.tags.find((t) => t.name === 'recipient')?.value;
    if (recipient) messagesOf.set(recipient, [...(messagesOf.get(recipient) ?? []), e.messageId]);
  }
  const kpis: Kpis = { sent: 0, processed: 0, delivered: 0, bouncesAndErrors: 0 };
  for (const id of ids) {
    const messages = messagesOf.get(id) ?? [];
    kpis.processed++;
    if (messages.length === 0) {
      kpis.bouncesAndErrors++;
      continue;
    }
    kpis.sent++;
    const seen = new Set(messages.flatMap((m) => [...(events.get(m) ?? [])]));
    if (seen.has('bounce') || seen.has('bounce-suppressed')) kpis.bouncesAndErrors++;
    else if (seen.has('delivery')) kpis.delivered++;
  }
  return kpis;
};

const FINAL = new Set(['delivered', 'failed', 'canceled']);
/** COUNTER_SETTLE_SECONDS of the runtime: above the ingester's 60 s timeout. */
const SETTLE_SECONDS = 90;

export const runFaultBench = async (args: string[]): Promise<number> => {
  let options: FaultOptions | null;
  try {
    options = readFaultOptions(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message} (npm run bench -- --faults --help)\n`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(`${FAULTS_USAGE}\n`);
    return 0;
  }
  const o = options;
  const random = seeded(o.seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'cas-bench-faults-'));
  const env = {
    SES_MAX_SEND_RATE: String(o.sesRate),
    LOCAL_VISIBILITY_TIMEOUT_SECONDS: '5',
    SEND_CLAIM_LEASE_SECONDS: '3',
    LOCAL_SWEEP_INTERVAL_SECONDS: '2',
    IN_DOUBT_WINDOW_MINUTES: String(o.windowSeconds / 60),
    // A repair of the counters trusts a log written this long ago (deployed: 330 s, the longest timeout of the
    // functions that write the log and ADD the counters, and 30 s). The runtime is SIGKILLed, not left running
    // past a timeout; its senders ADD their counts every second, its ingesters at the end of each batch, within the
    // 60 s timeout they run under.
    COUNTER_SETTLE_SECONDS: String(SETTLE_SECONDS),
    SES_EVENT_DUPLICATE_RATE: '1',
    SES_EVENT_REORDER_RATE: '0.2',
    // The mix's complaints (1 %) would have the reputation guard pause the send: not the faults measured here.
    GUARD_BOUNCE_RATE: '1',
    GUARD_COMPLAINT_RATE: '1',
    LOG_LEVEL: 'ERROR',
  };
  const startedAt = Date.now();
  let runtime = await startRuntime(dataDir, env);
  const injected = { lostAnswers: 0, throttled: 0, kills: [] as number[], restartsSeconds: [] as number[] };
  const inject = async (api: Api, faults: { lostAnswers?: number; throttle?: number }) => {
    await api('POST', '/local/ses/faults', faults);
    injected.lostAnswers += faults.lostAnswers ?? 0;
    injected.throttled += faults.throttle ?? 0;
  };
  try {
    let api = await apiOf(runtime.url);
    log(`preparing ${o.recipients} recipients`);
    const { id, ids } = await prepare(api, o.recipients);
    const sentSoFar = () => messagesPerRecipient(readJournal(join(dataDir, JOURNAL_FILE)), id).size;
    // The kill points: random fractions of the send, in order, apart.
    const points = Array.from({ length: o.kills }, () => 0.1 + 0.8 * random()).sort((a, b) => a - b);
    if (o.lostAnswers > 0) await inject(api, { lostAnswers: o.lostAnswers });
    await api('POST', `/deliveries/${id}/confirm`, {});
    log(`sending; SIGKILL at ${points.map((p) => `${Math.round(p * 100)} %`).join(', ') || 'no point'}`);
    for (const [k, point] of points.entries()) {
      const at = Math.max(Math.ceil(point * o.recipients), sentSoFar() + 1);
      await waitUntil(`${at} recipients sent`, () => sentSoFar() >= at, 900_000);
      await runtime.end('SIGKILL');
      injected.kills.push(sentSoFar());
      log(`killed at ${sentSoFar()} recipients sent; restarting`);
      const restart = Date.now();
      runtime = await startRuntime(dataDir, env);
      injected.restartsSeconds.push((Date.now() - restart) / 1000);
      api = await apiOf(runtime.url);
      await inject(api, {
        ...(o.lostAnswers > 0 ? { lostAnswers: o.lostAnswers } : {}),
        ...(k === 0 && o.throttle > 0 ? { throttle: o.throttle } : {}),
      });
    }
    // Settled: every recipient final (nothing pending, sent or in doubt), the send finished; or the deadline (the
    // window four times over, for a resend's own window and the ingesters' lag it waits out, and a margin: a loaded
    // machine's backlog after the last restart takes minutes).
    log('waiting for every recipient to settle');
    const deadline = Date.now() + Math.max(900_000, (4 * o.windowSeconds + 600) * 1000);
    let entries = await sendingLog(api, id);
    for (;;) {
      const open = entries.filter((e) => !FINAL.has(e.status)).length;
      const state = (await api('GET', `/deliveries/${id}`)).state;
      if ((open === 0 && state === 'finished') || Date.now() > deadline) break;
      await sleep(3_000);
      entries = await sendingLog(api, id);
    }
    // The KPIs: the sweeper computes them from the logs once nothing is left in doubt; wait for a match a while. The
    // naive recount is taken again each time: events still arriving move it too.
    let naive = naiveKpis(dataDir, id, ids);
    const kpisNow = async () => ((await api('GET', `/deliveries/${id}`)).deployment as { kpis: Kpis }).kpis;
    const differing = (k: Kpis) =>
      (Object.keys(naive) as Array<keyof Kpis>).filter((name) => k[name] !== naive[name]);
    let kpis = await kpisNow();
    const kpiDeadline = Date.now() + 60_000 + 4 * o.windowSeconds * 1000 + SETTLE_SECONDS * 1000;
    while (differing(kpis).length > 0 && Date.now() < kpiDeadline) {
      await sleep(2_000);
      kpis = await kpisNow();
      naive = naiveKpis(dataDir, id, ids);
    }
    entries = await sendingLog(api, id);
    const messages = messagesPerRecipient(readJournal(join(dataDir, JOURNAL_FILE)), id);
    const statuses = countBy(entries, (e) => e.status);
    const result = {
      recipients: o.recipients,
      duplicates: [...messages.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0),
      lost: entries.filter((e) => e.status === 'pending' || e.status === 'sent').length,
      unsent: ids.filter((r) => !messages.has(r)).length,
      inDoubt: statuses['in-doubt'] ?? 0,
      kpiMismatches: differing(kpis).length,
      kpis: { reported: kpis, naiveRecount: naive },
      statuses,
      failedReasons: countBy(
        entries.filter((e) => e.status === 'failed'),
        (e) => e.failureReason ?? '?',
      ),
      injected: {
        lostSesAnswers: injected.lostAnswers,
        ses429: injected.throttled,
        sigkillsAtRecipientsSent: injected.kills,
        restartSeconds: injected.restartsSeconds.map((s) => Math.round(s * 10) / 10),
        eventsDeliveredTwice: 1,
        lateSecondCopies: 0.2,
      },
      settings: { windowSeconds: o.windowSeconds, sweepSeconds: 2, sesRate: o.sesRate, seed: o.seed },
      seconds: Math.round((Date.now() - startedAt) / 1000),
    };
    const out = resolve(REPO_ROOT, o.out);
    const previous = existsSync(out)
      ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>)
      : {};
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ ...previous, faults: result }, null, 2)}\n`);
    const rows: Array<[string, string]> = [
      ['recipients', String(result.recipients)],
      ['duplicates (goal 0)', String(result.duplicates)],
      ['lost (goal 0)', String(result.lost)],
      ['unsent (goal 0)', String(result.unsent)],
      ['in doubt at the end', String(result.inDoubt)],
      ['KPI mismatches (goal 0)', `${result.kpiMismatches} ${differing(kpis).join(', ')}`.trim()],
      ['statuses', JSON.stringify(statuses)],
      ['failed, by reason', JSON.stringify(result.failedReasons)],
      ['KPIs reported · naive', `${JSON.stringify(kpis)} · ${JSON.stringify(naive)}`],
      ['SIGKILLs at (recipients sent)', injected.kills.join(', ')],
      ['lost SES answers · 429s injected', `${injected.lostAnswers} · ${injected.throttled}`],
      ['events', 'every one delivered twice; 20 % of second copies up to 3 s late'],
      ['seconds', String(result.seconds)],
    ];
    process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(34)} ${v}`).join('\n')}\n`);
    log(`wrote "faults" into ${o.out}`);
    return result.duplicates + result.lost + result.unsent + result.kpiMismatches > 0 ? 1 : 0;
  } catch (error) {
    log(`the runtime's last output:\n${runtime.output().slice(-4_000)}`);
    throw error;
  } finally {
    await runtime.end('SIGTERM').catch(() => runtime.end('SIGKILL'));
    if (o.keepData) log(`kept the data folder: ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
};
