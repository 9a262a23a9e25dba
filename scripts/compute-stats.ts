/**
 * `npm run compute-stats -- <deliveryId>... [--local [URL]] [--aws]`: runs compute stats (the compute-stats
 * function) for each delivery, with a progress bar (recipients read / To deliver), and prints its KPI table and the
 * counter repairs it made. `--help` prints the full help.
 *
 * The function is invoked with `{"deliveryId": …, "maxSeconds": 2}` again and again until it answers
 * `complete: true`: each invocation continues the recount from its checkpoint, so the bar moves between them (and a
 * delivery too large for one Lambda run is recounted across several).
 * - `--local [URL]`: the embedded runtime at URL (default http://127.0.0.1:3000), `POST /local/invoke/compute-stats`.
 * - `--aws` (the default): Lambda Invoke of `confirm-and-send-compute-stats` with the default credential chain and
 *   region.
 * Exit codes: 0 done, 1 a delivery failed (the others still ran), 2 bad usage (one line on stderr).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Presets, SingleBar } from 'cli-progress';
import { HelpWanted, localOption, type Out, parseOrExit, UsageError } from './cli.ts';

export const USAGE = 'Usage: npm run compute-stats -- <deliveryId>... [--local [URL]] [--aws]';
export const HELP = `${USAGE}

Recounts each delivery's KPIs from its sending and tracking logs, repairs its real-time counters if they drifted
(a crash between a ledger write and its counter ADD), stores both snapshots and prints the KPI table.

  <deliveryId>   one or more delivery ids.
  --local [URL]  the embedded runtime (npm start) at URL, default http://127.0.0.1:3000.
  --aws          AWS (the default): the function confirm-and-send-compute-stats, default credentials and region.
  -h, --help     this help.

The same from the AWS CLI (one invocation; run it again while it answers "complete": false):
  aws lambda invoke --function-name confirm-and-send-compute-stats \\
    --cli-binary-format raw-in-base64-out --payload '{"deliveryId":"<id>"}' out.json

Exit codes: 0 done, 1 a delivery failed, 2 bad usage.`;
/** The function's fixed name in AWS (infra/stacks/stateless.ts) and its name in the embedded runtime. */
export const COMPUTE_STATS_FUNCTION = 'confirm-and-send-compute-stats';
const LOCAL_NAME = 'compute-stats';
/** How long one invocation recounts before it checkpoints and answers (the bar moves between invocations). */
const SLICE_SECONDS = 2;

export interface ComputeStatsArgs {
  deliveryIds: string[];
  local: string | null;
}

export const parseArgs = (argv: readonly string[]): ComputeStatsArgs => {
  const deliveryIds: string[] = [];
  let local: string | null = null;
  let aws = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--local' || arg.startsWith('--local=')) {
      ({ url: local, last: i } = localOption(argv, i));
    } else if (arg === '--aws') {
      aws = true;
    } else if (arg === '--help' || arg === '-h') {
      throw new HelpWanted();
    } else if (arg.startsWith('-')) {
      throw new UsageError(`Unknown option ${arg}.`);
    } else deliveryIds.push(arg);
  }
  if (local !== null && aws) throw new UsageError('Either --local or --aws, not both.');
  if (deliveryIds.length === 0) throw new UsageError('Name at least one delivery id.');
  return { deliveryIds: [...new Set(deliveryIds)], local };
};

/** What the function answers for one delivery (shared/use-cases/stats.ts ComputeStatsResult). */
export interface StatsAnswer {
  deliveryId: string;
  kpis: Record<string, number>;
  computedAt: { realTime: string; tracking: string };
  repaired: Record<string, number>;
  /** The counters differ from the log and their repair waits (shared/use-cases/stats.ts PendingRepair). */
  pendingRepair?: { reason: 'moving' | 'settling'; retryAfter: string } | null;
  complete: boolean;
  progress: { read: number; toDeliver: number };
}

/** Invokes the function once with `payload`; its answer, or throws its error. */
export type Invoke = (payload: unknown) => Promise<unknown>;

const functionError = (body: string): Error => {
  try {
    const parsed = JSON.parse(body) as { errorType?: string; errorMessage?: string };
    return new Error(parsed.errorMessage ?? body.slice(0, 300));
  } catch {
    return new Error(body.slice(0, 300));
  }
};

export const localInvoke =
  (url: string): Invoke =>
  async (payload) => {
    const base = url.replace(/\/+$/, '');
    let response: Response;
    try {
      response = await fetch(`${base}/local/invoke/${LOCAL_NAME}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(900_000),
      });
    } catch (error) {
      throw new Error(
        `No local runtime answers at ${url} (${(error as Error).message}). Start it with npm start, or pass --local <its URL>.`,
        { cause: error },
      );
    }
    const body = await response.text();
    if (!response.ok) throw new Error(`the runtime answered ${response.status}: ${body.slice(0, 300)}`);
    if (response.headers.get('x-amz-function-error')) throw functionError(body);
    return JSON.parse(body) as unknown;
  };

export const awsInvoke =
  (client: LambdaClient): Invoke =>
  async (payload) => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: COMPUTE_STATS_FUNCTION, Payload: JSON.stringify(payload) }),
    );
    const body = new TextDecoder().decode(out.Payload ?? new Uint8Array());
    if (out.FunctionError) throw functionError(body);
    return JSON.parse(body) as unknown;
  };

/** Invokes until the recount is complete, reporting its progress after each invocation. */
export const computeOne = async (
  invoke: Invoke,
  deliveryId: string,
  onProgress: (progress: StatsAnswer['progress']) => void,
): Promise<StatsAnswer> => {
  for (;;) {
    const answer = (await invoke({ deliveryId, maxSeconds: SLICE_SECONDS })) as StatsAnswer;
    onProgress(answer.progress);
    if (answer.complete) return answer;
  }
};

const percent = (x: number) => `${(Math.round(x * 10_000) / 100).toFixed(2)} %`;

/** The KPI table of one answer (DESIGN section 5's names), then the repairs. */
export const kpiTable = (a: StatsAnswer): string => {
  const k = a.kpis;
  const rows: Array<[string, string]> = [
    ['To deliver', String(k.toDeliver)],
    ['Sent', String(k.sent)],
    ['Processed', String(k.processed)],
    ['Delivered', `${k.delivered}  (${percent(k.deliveredRate ?? 0)})`],
    ['Bounces + errors', `${k.bouncesAndErrors}  (${percent(k.bouncesAndErrorsRate ?? 0)})`],
    ['Opens', `${k.opens}  (unique ${k.uniqueOpens})`],
    ['Open rate', `${percent(k.openRate ?? 0)}  (human ${percent(k.humanOpenRate ?? 0)})`],
    ['Clicks', `${k.clicks}  (unique ${k.uniqueClicks})`],
    [
      'Click-through rate',
      `${percent(k.clickThroughRate ?? 0)}  (human ${percent(k.humanClickThroughRate ?? 0)})`,
    ],
    ['Computed at', a.computedAt.realTime],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    `Delivery ${a.deliveryId}`,
    ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
    `  ${'Repaired'.padEnd(width)}  ${repairLine(a)}`,
  ].join('\n');
};

/** What the repair of the counters did, or why it waits and until when. */
const repairLine = (a: StatsAnswer): string => {
  const repaired = Object.entries(a.repaired);
  if (repaired.length > 0) return repaired.map(([n, v]) => `${n} ${v > 0 ? '+' : ''}${v}`).join(', ');
  const pending = a.pendingRepair;
  if (!pending) return 'nothing (the counters agreed)';
  const why =
    pending.reason === 'moving'
      ? 'the counters moved during the recount (events were being counted)'
      : 'the log was written too recently (the counts of its last writes may still be on their way)';
  return `not yet: ${why}; run again after ${pending.retryAfter}`;
};

export const main = async (
  argv: readonly string[],
  out: Out = console,
  options: { invoke?: Invoke; progress?: boolean } = {},
): Promise<number> => {
  const parsed = parseOrExit('compute-stats', HELP, parseArgs, argv, out);
  if ('exit' in parsed) return parsed.exit;
  const { args } = parsed;
  const client = args.local || options.invoke ? null : new LambdaClient({});
  const invoke = options.invoke ?? (args.local ? localInvoke(args.local) : awsInvoke(client!));
  let failed = 0;
  try {
    for (const deliveryId of args.deliveryIds) {
      const bar =
        options.progress === false
          ? null
          : new SingleBar(
              {
                format: `${deliveryId} [{bar}] {value}/{total} recipients read`,
                stream: process.stderr,
                hideCursor: true,
              },
              Presets.shades_classic,
            );
      let started = false;
      try {
        const answer = await computeOne(invoke, deliveryId, ({ read, toDeliver }) => {
          if (!bar) return;
          if (!started) bar.start(Math.max(toDeliver, read), read);
          started = true;
          bar.setTotal(Math.max(toDeliver, read));
          bar.update(read);
        });
        bar?.stop();
        out.log(kpiTable(answer));
      } catch (error) {
        bar?.stop();
        failed += 1;
        out.error(`compute-stats: ${deliveryId}: ${(error as Error).message}`);
      }
    }
  } finally {
    client?.destroy();
  }
  return failed > 0 ? 1 : 0;
};

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
