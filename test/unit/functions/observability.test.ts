/**
 * The observability module (functions/lib/observability.ts): the Metrics port's Powertools adapter writes the
 * CloudWatch embedded metric format documents CloudWatch turns into metrics (captured here as Powertools' own
 * tests do: POWERTOOLS_DEV routes them to console.log), published by the middy stacks at the end of every
 * invocation; no id can become a dimension; tracing stays out of a process that is not a Lambda.
 */
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { directHandler } from '#functions/lib/direct.ts';
import { metrics, OTHER, PowertoolsMetricsAdapter, tracingEnabled } from '#functions/lib/observability.ts';
import { METRICS, type MetricName } from '#ports/metrics.ts';
import { lambdaContext } from '#test/helpers/aws-events.ts';

vi.hoisted(() => {
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'ConfirmAndSend';
  process.env.POWERTOOLS_SERVICE_NAME = 'confirm-and-send';
  process.env.LOG_LEVEL = 'SILENT';
});

interface Emf {
  _aws: {
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [key: string]: unknown;
}

let log: MockInstance<typeof console.log>;
beforeEach(() => {
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => {
  metrics.flush();
  vi.restoreAllMocks();
});

/** The EMF documents written so far. */
const documents = (): Emf[] =>
  log.mock.calls.map(([line]) => JSON.parse(String(line)) as Emf).filter((doc) => doc._aws !== undefined);

/** One line per metric value: `name{dimensions}=value unit`, sorted. */
const published = (): string[] =>
  documents()
    .flatMap((doc) => {
      const [directive] = doc._aws.CloudWatchMetrics;
      const dims = directive!.Dimensions[0]!.map((d) => `${d}=${String(doc[d])}`).join(',');
      return directive!.Metrics.map(
        (m) => `${directive!.Namespace} ${m.Name}{${dims}}=${JSON.stringify(doc[m.Name])} ${m.Unit}`,
      );
    })
    .sort();

describe('the Powertools Metrics adapter', () => {
  it('sums counts over the invocation and writes one EMF document per dimension set, in the namespace', () => {
    metrics.count('EmailsSent', 1);
    metrics.count('EmailsSent', 2);
    metrics.gauge('SendRateTarget', 8);
    metrics.count('SesEvents', 1, { EventType: 'Delivery' });
    metrics.count('SesEvents', 1, { EventType: 'Delivery' });
    metrics.count('SesEvents', 1, { EventType: 'Bounce' });
    metrics.count('RecipientsFailed', 1, { FailureType: 'hard' });
    expect(documents()).toEqual([]); // nothing before the flush
    metrics.flush();
    expect(published()).toEqual([
      'ConfirmAndSend EmailsSent{service=confirm-and-send}=3 Count',
      'ConfirmAndSend RecipientsFailed{service=confirm-and-send,FailureType=hard}=1 Count',
      'ConfirmAndSend SendRateTarget{service=confirm-and-send}=8 Count/Second',
      'ConfirmAndSend SesEvents{service=confirm-and-send,EventType=Bounce}=1 Count',
      'ConfirmAndSend SesEvents{service=confirm-and-send,EventType=Delivery}=2 Count',
    ]);
    log.mockClear();
    metrics.flush();
    expect(documents()).toEqual([]); // published once
  });

  it('never publishes an id as a dimension: an undeclared value becomes Other, and is logged without it', () => {
    const warn = vi.fn();
    const adapter = new PowertoolsMetricsAdapter({
      metrics: new PowertoolsMetrics({ namespace: 'ConfirmAndSend' }),
      publish: true,
      log: { warn },
    });
    const ids = ['d-2026-spring', 'recipient-42', 'ann@example.com', 'EXAMPLE7c191be45-000000'];
    for (const [name, spec] of Object.entries(METRICS) as Array<[MetricName, (typeof METRICS)[MetricName]]>) {
      for (const id of ids) {
        const dims = Object.fromEntries([...spec.dimensions, 'DeliveryId'].map((d) => [d, id]));
        (adapter.count as (n: string, v: number, d: Record<string, string>) => void)(name, 1, dims);
      }
    }
    adapter.flush();
    const output = log.mock.calls.map(([line]) => String(line)).join('\n');
    expect(output.length).toBeGreaterThan(0);
    for (const id of ids) expect(output).not.toContain(id);
    expect(output).not.toContain('DeliveryId');
    expect(published()).toContain(
      'ConfirmAndSend SesEvents{service=confirm-and-send,EventType=Other}=4 Count',
    );
    expect(warn).toHaveBeenCalledWith('Metric dimension value not declared: published as Other', {
      metric: 'SesEvents',
      dimension: 'EventType',
    });
    expect(JSON.stringify(warn.mock.calls)).not.toMatch(/d-2026|recipient-42|ann@|EXAMPLE7/);
    expect(OTHER).toBe('Other');
  });

  it('publishes nothing where no namespace is configured (the embedded runtime)', () => {
    const adapter = new PowertoolsMetricsAdapter({ metrics: new PowertoolsMetrics(), publish: false });
    adapter.count('EmailsSent', 5);
    adapter.flush();
    expect(log).not.toHaveBeenCalled();
  });
});

describe('the middy stacks', () => {
  it('publish the metrics at the end of an invocation, and of one that throws', async () => {
    const ok = directHandler(async () => {
      metrics.count('SweepErrors', 2);
      return 'done';
    });
    expect(await ok({}, lambdaContext('sweeper'))).toBe('done');
    expect(published()).toEqual(['ConfirmAndSend SweepErrors{service=confirm-and-send}=2 Count']);

    log.mockClear();
    const failing = directHandler(async () => {
      metrics.count('ScheduledStarts', 1, { Result: 'started' });
      throw new Error('boom');
    });
    await expect(failing({}, lambdaContext('scheduledStart'))).rejects.toThrow('boom');
    expect(published()).toEqual([
      'ConfirmAndSend ScheduledStarts{service=confirm-and-send,Result=started}=1 Count',
    ]);
  });
});

describe('tracing', () => {
  it('is off outside Lambda, and the X-Ray SDK (a process-wide async hook) is not even loaded', () => {
    expect(process.env.AWS_EXECUTION_ENV).toBeUndefined();
    expect(tracingEnabled).toBe(false);
    const namespaces = (process as unknown as { namespaces?: Record<string, unknown> }).namespaces;
    expect(namespaces?.AWSXRay).toBeUndefined();
  });
});
