/**
 * Observability of every function, in one place, with Powertools for AWS Lambda:
 *
 * - **Logger**: structured JSON, the Lambda context on every line, keys reset per invocation; `LOG_LEVEL` sets the
 *   level and `POWERTOOLS_LOGGER_SAMPLE_RATE` the share of invocations that log at DEBUG whatever the level (the
 *   decision is taken again at each invocation).
 * - **Metrics**: the Metrics port (shared/ports/metrics.ts) on Powertools Metrics, in CloudWatch embedded metric
 *   format, in the namespace `POWERTOOLS_METRICS_NAMESPACE` with the `service` dimension. Counts are summed during
 *   the invocation and published at its end (success or error): metrics without dimensions in one EMF document,
 *   each dimensioned metric in a document of its own (EMF applies a document's dimensions to all its metrics).
 *   A dimension value outside the metric's declared list is published as `Other` and logged, so an id can never
 *   become a dimension. Nothing is published where no namespace is set (the embedded runtime, the tests), so its
 *   output stays quiet.
 * - **Tracer**: X-Ray segments for the handler (`captureLambdaHandler`, responses not captured: they hold
 *   profiles and addresses) and every AWS SDK v3 client of functions/lib/clients.ts (`captureClient`). It is loaded
 *   only inside Lambda with tracing on: the X-Ray SDK installs a process-wide async hook when imported, a cost the
 *   embedded runtime, which runs every handler in one process, does not pay.
 *
 * `observe()` is the middy middleware list every stack starts with (functions/lib/http.ts, queue.ts, direct.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';
import {
  DIMENSION_VALUES,
  type DimensionName,
  METRICS,
  type MetricName,
  type Metrics,
  type MetricSpec,
} from '#ports/metrics.ts';

export const logger = new Logger();

const UNITS: Record<MetricSpec['unit'], (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  'Count/Second': MetricUnit.CountPerSecond,
};

/** The value published for a dimension value outside its declared list. */
export const OTHER = 'Other';

interface Pending {
  name: MetricName;
  dimensions: Array<[string, string]>;
  kind: 'count' | 'gauge';
  values: number[];
}

/**
 * The Metrics port on Powertools Metrics. `flush()` publishes what was counted since the last flush; the
 * observe() middleware calls it at the end of every invocation.
 */
export class PowertoolsMetricsAdapter implements Metrics {
  readonly #metrics: PowertoolsMetrics;
  readonly #publish: boolean;
  readonly #log: Pick<Logger, 'warn'>;
  #pending = new Map<string, Pending>();

  constructor(options: { metrics: PowertoolsMetrics; publish: boolean; log?: Pick<Logger, 'warn'> }) {
    this.#metrics = options.metrics;
    this.#publish = options.publish;
    this.#log = options.log ?? logger;
  }

  count(name: MetricName, value: number, dimensions?: Record<string, string>): void {
    this.#add('count', name, value, dimensions);
  }

  gauge(name: MetricName, value: number, dimensions?: Record<string, string>): void {
    this.#add('gauge', name, value, dimensions);
  }

  #add(kind: Pending['kind'], name: MetricName, value: number, given: Record<string, string> = {}): void {
    if (!this.#publish || !Number.isFinite(value)) return;
    const spec: MetricSpec = METRICS[name];
    const dimensions = spec.dimensions.map((dimension): [string, string] => [
      dimension,
      this.#checked(name, dimension, given[dimension]),
    ]);
    const key = `${kind} ${name} ${JSON.stringify(dimensions)}`;
    const pending = this.#pending.get(key) ?? { name, dimensions, kind, values: [] };
    if (kind === 'count' && pending.values.length === 1) pending.values[0]! += value;
    else pending.values.push(value);
    this.#pending.set(key, pending);
  }

  #checked(name: MetricName, dimension: DimensionName, value: string | undefined): string {
    const allowed: readonly string[] = DIMENSION_VALUES[dimension];
    if (value !== undefined && allowed.includes(value)) return value;
    this.#log.warn('Metric dimension value not declared: published as Other', { metric: name, dimension });
    return OTHER;
  }

  /** Publishes everything counted since the last flush (nothing at all when nothing was counted). */
  flush(): void {
    const pending = [...this.#pending.values()];
    this.#pending = new Map();
    for (const { name, dimensions, values } of pending) {
      const unit = UNITS[METRICS[name].unit];
      if (dimensions.length === 0) {
        for (const value of values) this.#metrics.addMetric(name, unit, value);
        continue;
      }
      const single = this.#metrics.singleMetric();
      for (const [dimension, value] of dimensions) single.addDimension(dimension, value);
      // A single metric publishes at its (first) addMetric.
      single.addMetric(name, unit, values.length === 1 ? values[0]! : Math.max(...values));
    }
    if (this.#metrics.hasStoredMetrics()) this.#metrics.publishStoredMetrics();
  }
}

/** Metrics are published where CDK configured a namespace (every deployed function); elsewhere they are not. */
const namespace = process.env.POWERTOOLS_METRICS_NAMESPACE?.trim();
export const metrics = new PowertoolsMetricsAdapter({
  metrics: new PowertoolsMetrics(namespace ? { namespace } : {}),
  publish: Boolean(namespace),
});

/** Tracing runs in Lambda only (AWS_EXECUTION_ENV), unless POWERTOOLS_TRACE_ENABLED=false. */
const tracingWanted =
  (process.env.AWS_EXECUTION_ENV ?? '').startsWith('AWS_Lambda_') &&
  process.env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';

const tracing = tracingWanted
  ? await Promise.all([
      import('@aws-lambda-powertools/tracer'),
      import('@aws-lambda-powertools/tracer/middleware'),
    ]).then(([{ Tracer: TracerClass }, { captureLambdaHandler }]) => {
      const tracer: Tracer = new TracerClass();
      return { tracer, middleware: captureLambdaHandler(tracer, { captureResponse: false }) };
    })
  : null;

/** Whether this process traces (in Lambda with active tracing). */
export const tracingEnabled = tracing !== null;

/** An AWS SDK v3 client, instrumented for X-Ray when tracing (each call a subsegment); unchanged otherwise. */
export const captureClient = <T>(client: T): T =>
  tracing ? tracing.tracer.captureAWSv3Client(client as never) : client;

/** Publishes the invocation's metrics at its end, whether it returned or threw. */
const publishMetrics = (): MiddlewareObj => ({
  after: () => metrics.flush(),
  onError: () => metrics.flush(),
});

/**
 * The observability middlewares, first in every middy stack: the logger's Lambda context (keys reset, the
 * sampling decision renewed), the handler's X-Ray segment, and the metrics published at the end.
 */
export const observe = (options: { logEvent?: boolean } = {}): MiddlewareObj[] => [
  injectLambdaContext(logger, { resetKeys: true, logEvent: options.logEvent ?? false }) as MiddlewareObj,
  ...(tracing ? [tracing.middleware as MiddlewareObj] : []),
  publishMetrics(),
];
