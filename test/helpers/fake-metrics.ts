/**
 * The Metrics port in memory, for use-case unit tests: every count and gauge as emitted, in order, and the sum
 * of a metric (optionally with given dimensions). The Powertools adapter (functions/lib/observability.ts) is held
 * to the same calls by test/unit/functions/observability.test.ts.
 */
import type { MetricName, Metrics } from '#ports/metrics.ts';

export interface EmittedMetric {
  kind: 'count' | 'gauge';
  name: MetricName;
  value: number;
  dimensions: Record<string, string>;
}

export class FakeMetrics implements Metrics {
  readonly emitted: EmittedMetric[] = [];

  count(name: MetricName, value: number, dimensions?: Record<string, string>): void {
    this.emitted.push({ kind: 'count', name, value, dimensions: { ...dimensions } });
  }

  gauge(name: MetricName, value: number, dimensions?: Record<string, string>): void {
    this.emitted.push({ kind: 'gauge', name, value, dimensions: { ...dimensions } });
  }

  /** The sum of the counts of `name` whose dimensions include `dimensions`. */
  total(name: MetricName, dimensions: Record<string, string> = {}): number {
    return this.emitted
      .filter((m) => m.kind === 'count' && m.name === name)
      .filter((m) => Object.entries(dimensions).every(([k, v]) => m.dimensions[k] === v))
      .reduce((sum, m) => sum + m.value, 0);
  }

  /** Sums by metric name and dimensions, e.g. `{"SesEvents EventType=Delivery": 2}`: what a test compares whole. */
  totals(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.emitted.filter((e) => e.kind === 'count')) {
      const dims = Object.entries(m.dimensions)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => ` ${k}=${v}`)
        .join('');
      out[`${m.name}${dims}`] = (out[`${m.name}${dims}`] ?? 0) + m.value;
    }
    return out;
  }
}
