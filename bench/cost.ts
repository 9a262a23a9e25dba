/**
 * What a run would cost in AWS: every request the pipeline made, priced from bench/prices.json (public on-demand
 * prices, with their sources and date). What each local request stands for in AWS:
 * - DynamoDB: the write and read units the tables and indexes consumed (bench/dynamodb-meter.ts);
 * - SQS: the handlers' own requests (SendMessageBatch of send and start jobs), the event source mappings' requests
 *   (ReceiveMessage, DeleteMessageBatch: the local pollers'), and one request per SES event SNS delivers to the
 *   events queue (the local event simulator's batches stand for those deliveries);
 * - SNS: one publish per SES event;
 * - Lambda: the queue consumers' invocations and their duration at their memory size (arm64);
 * - CloudWatch Logs: the bytes the handlers logged, plus Lambda's own lines per invocation;
 * - KMS: the SES events topic's data keys (see the assumption in prices.json).
 */
import { readFileSync } from 'node:fs';
import { EVENTS_PER_SEND, INGEST_BATCH_SECONDS, senderConcurrency, senderRate } from '#domain/sending.ts';
import { functions } from '#topology/topology.ts';

interface Price {
  usd: number;
}
export interface Prices {
  region: string;
  retrieved: string;
  prices: Record<string, Price>;
  'lambda.platformLogBytesPerInvocation': { bytes: number };
}

export const loadPrices = (): Prices =>
  JSON.parse(readFileSync(new URL('./prices.json', import.meta.url), 'utf8')) as Prices;

export interface PhaseUsage {
  capacity: { write: number; read: number };
  requests: Record<string, number>;
  pollers: Record<
    string,
    { invocations: number; busyMs: number; receives: number; deleteBatches: number; memoryMb: number }
  >;
  logBytes: number;
  /** SES events SES would publish (SNS publishes, SQS deliveries). */
  events: number;
  /** How long the phase lasted (KMS data keys are reused for 5 minutes). */
  seconds: number;
}

export interface Cost {
  usd: Record<string, number>;
  total: number;
  units: Record<string, number>;
}

const sum = (values: number[]) => values.reduce((n, v) => n + v, 0);

/** The cost of one or more phases of a run, by service. */
export const price = (phases: readonly PhaseUsage[], prices: Prices): Cost => {
  const p = (name: string) => prices.prices[name]?.usd ?? 0;
  const pollers = phases.flatMap((ph) => Object.values(ph.pollers));
  const handlerSqs = sum(
    phases.flatMap((ph) =>
      Object.entries(ph.requests)
        .filter(([k]) => k.startsWith('SQS '))
        .map(([, v]) => v),
    ),
  );
  const units = {
    dynamoDbWriteUnits: sum(phases.map((ph) => ph.capacity.write)),
    dynamoDbReadUnits: sum(phases.map((ph) => ph.capacity.read)),
    sqsRequests:
      handlerSqs + sum(pollers.map((s) => s.receives + s.deleteBatches)) + sum(phases.map((ph) => ph.events)),
    snsPublishes: sum(phases.map((ph) => ph.events)),
    lambdaInvocations: sum(pollers.map((s) => s.invocations)),
    lambdaGbSeconds: sum(pollers.map((s) => (s.busyMs / 1000) * (s.memoryMb / 1024))),
    logBytes:
      sum(phases.map((ph) => ph.logBytes)) +
      sum(pollers.map((s) => s.invocations)) * prices['lambda.platformLogBytesPerInvocation'].bytes,
    kmsRequests: sum(phases.map((ph) => (ph.events > 0 ? Math.ceil(ph.seconds / 300) : 0))),
  };
  const usd = {
    dynamoDb:
      units.dynamoDbWriteUnits * p('dynamodb.writeRequestUnit') +
      units.dynamoDbReadUnits * p('dynamodb.readRequestUnit'),
    sqs: units.sqsRequests * p('sqs.request'),
    sns: units.snsPublishes * p('sns.publish'),
    lambda: units.lambdaInvocations * p('lambda.request') + units.lambdaGbSeconds * p('lambda.armGbSecond'),
    cloudWatchLogs: (units.logBytes / 1024 ** 3) * p('logs.ingestedGb'),
    kms: units.kmsRequests * p('kms.request'),
  };
  return { usd, total: sum(Object.values(usd)), units };
};

/** A cost per 1,000 of something (emails, opens). */
export const perThousand = (cost: Cost, count: number): Cost => {
  const scale = 1000 / Math.max(1, count);
  return {
    usd: Object.fromEntries(Object.entries(cost.usd).map(([k, v]) => [k, v * scale])),
    total: cost.total * scale,
    units: Object.fromEntries(Object.entries(cost.units).map(([k, v]) => [k, v * scale])),
  };
};

/**
 * Lambda GB-seconds per 1,000 emails as the capacity model sizes it (README, "Capacity model"), at `rate` sends a
 * second: the senders' time at their pace (each paced sender sends 1,000 / pace seconds' worth), and the events'
 * batches (EVENTS_PER_SEND a message, full batches) at INGEST_BATCH_SECONDS each, at each function's memory. What
 * the local runs measure instead is inflated by their sharing two cores with the emulators (and, on this machine,
 * with other work).
 */
export const modelledLambdaGbSecondsPerThousand = (rate: number): number => {
  const senders = senderConcurrency(rate);
  const pace = senderRate(rate, 1, senders);
  const gb = (mb: number) => mb / 1024;
  const ingester = functions.ingester;
  const batch = ingester.trigger.kind === 'queue' ? ingester.trigger.batchSize : 10;
  return (
    (1000 / pace) * gb(functions.sender.memoryMb) +
    ((1000 * EVENTS_PER_SEND) / batch) * INGEST_BATCH_SECONDS * gb(ingester.memoryMb)
  );
};
