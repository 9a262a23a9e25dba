/**
 * The operations dashboard `confirm-and-send-operations` (infra/constructs/dashboard.ts): its widgets, in order,
 * and what each one draws: the app's metrics in their namespace, every queue, DLQ and function, the SES account's
 * reputation against the alarm levels, the pacing target.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DIMENSION_VALUES } from '#ports/metrics.ts';
import { functionEntries, queueEntries } from '#topology/topology.ts';
import { resourcesOf, type Synthesized, synthesize } from './build.ts';

interface Widget {
  type: string;
  width: number;
  height: number;
  properties: {
    title?: string;
    markdown?: string;
    metrics?: unknown[][];
    annotations?: { horizontal?: Array<{ value: number; label: string; yAxis?: string }> };
  };
}

/** The dashboard body with every CloudFormation reference written as `{{...}}`, parsed. */
const dashboardOf = (built: Synthesized): { name: string; widgets: Widget[] } => {
  const dashboards = Object.values(resourcesOf(built.statelessTemplate, 'AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const { DashboardName, DashboardBody } = dashboards[0]!.Properties as {
    DashboardName: string;
    DashboardBody: { 'Fn::Join': [string, unknown[]] } | string;
  };
  const parts = typeof DashboardBody === 'string' ? [DashboardBody] : DashboardBody['Fn::Join'][1];
  const text = parts
    .map((p) => (typeof p === 'string' ? p : `{{${JSON.stringify(p).replace(/"/g, "'")}}}`))
    .join('');
  return { name: DashboardName, ...(JSON.parse(text) as { widgets: Widget[] }) };
};

let s: Synthesized;
let widgets: Widget[];
beforeAll(() => {
  s = synthesize();
  widgets = dashboardOf(s).widgets;
});

const widget = (title: string): Widget => {
  const found = widgets.filter((w) => w.properties.title === title);
  expect(found, title).toHaveLength(1);
  return found[0]!;
};
/** `[namespace, metric, ...dimensions]` rows of a widget (expressions and options left out). */
const metricRows = (title: string): string[][] =>
  (widget(title).properties.metrics ?? [])
    .map((row) => row.filter((cell) => typeof cell === 'string') as string[])
    .filter((row) => row.length >= 2);
const labels = (title: string): string[] =>
  (widget(title).properties.metrics ?? []).map((row) => (row.at(-1) as { label?: string }).label ?? '');

describe('the operations dashboard', () => {
  it('is named confirm-and-send-operations and has these widgets, in this order', () => {
    expect(dashboardOf(s).name).toBe('confirm-and-send-operations');
    expect(widgets.map((w) => w.properties.title ?? w.type)).toEqual([
      'text',
      'Sends per second against the pacing target',
      'SES throttles and send errors',
      'Outcomes',
      'SES events ingested',
      'Queue depth (visible messages)',
      'Age of the oldest message (seconds)',
      'Dead-letter queues (messages)',
      'Scheduled starts',
      'Function errors',
      'Function throttles',
      'SES account reputation',
      'Sweeper and KPI repairs',
      'HTTP API',
      'HTTP API latency (ms)',
    ]);
  });

  it('draws sends per second (the senders and SES) against the pacing target, and the sendRateLimit', () => {
    const rows = widget('Sends per second against the pacing target').properties.metrics!;
    const expressions = rows.map((row) => (row[0] as { expression?: string }).expression).filter(Boolean);
    expect(expressions).toEqual(['sent / PERIOD(sent)', 'ses / PERIOD(ses)']);
    expect(metricRows('Sends per second against the pacing target')).toEqual([
      ['ConfirmAndSend', 'EmailsSent', 'service', 'confirm-and-send'],
      ['AWS/SES', 'Send'],
      ['ConfirmAndSend', 'SendRateTarget', 'service', 'confirm-and-send'],
    ]);
    expect(widget('Sends per second against the pacing target').properties.annotations).toBeUndefined();
    const limited = dashboardOf(synthesize({ sendRateLimit: '14' })).widgets.find(
      (w) => w.properties.title === 'Sends per second against the pacing target',
    );
    expect(limited?.properties.annotations?.horizontal).toEqual([
      expect.objectContaining({ value: 14, label: 'sendRateLimit' }),
    ]);
  });

  it('draws SES throttles, errors by kind, outcomes with failures by type, and every SES event type', () => {
    expect(metricRows('SES throttles and send errors').map((r) => r.slice(1).join(' '))).toEqual([
      'SesThrottles service confirm-and-send',
      ...DIMENSION_VALUES.SesError.map((e) => `SesSendErrors SesError ${e} service confirm-and-send`),
    ]);
    expect(labels('Outcomes')).toEqual([
      'Sent',
      'Failed: hard',
      'Failed: soft',
      'Failed: error',
      'In doubt',
      'In doubt, reconciled',
      'In doubt, expired (failed)',
      'In doubt, resent once',
      'In doubt, resend withheld (alarm)',
    ]);
    const events = metricRows('SES events ingested');
    for (const type of DIMENSION_VALUES.EventType) {
      expect(events).toContainEqual([
        'ConfirmAndSend',
        'SesEvents',
        'EventType',
        type,
        'service',
        'confirm-and-send',
      ]);
    }
    expect(events.filter((r) => r[1] === 'SesEventsSkipped')).toHaveLength(
      DIMENSION_VALUES.SkipReason.length,
    );
    expect(events.filter((r) => r[1] === 'SesEventsRefused')).toHaveLength(1);
  });

  it('draws every queue (depth and age), every dead-letter queue and every function (errors and throttles)', () => {
    const queues = queueEntries().map(([name]) => name);
    expect(labels('Queue depth (visible messages)')).toEqual(queues);
    expect(
      metricRows('Queue depth (visible messages)').every(
        (r) => r[1] === 'ApproximateNumberOfMessagesVisible',
      ),
    ).toBe(true);
    expect(labels('Age of the oldest message (seconds)')).toEqual(queues);
    expect(labels('Dead-letter queues (messages)')).toEqual([...queues, 'schedules', 'rules']);
    const functions = functionEntries().map(([name]) => name);
    expect(labels('Function errors')).toEqual(functions);
    expect(metricRows('Function errors').every((r) => r[0] === 'AWS/Lambda' && r[1] === 'Errors')).toBe(true);
    expect(labels('Function throttles')).toEqual(functions);
    expect(metricRows('Function throttles').every((r) => r[1] === 'Throttles')).toBe(true);
  });

  it('draws the SES reputation against the alarm levels', () => {
    expect(metricRows('SES account reputation')).toEqual([
      ['AWS/SES', 'Reputation.BounceRate'],
      ['AWS/SES', 'Reputation.ComplaintRate'],
    ]);
    const levels = widget('SES account reputation').properties.annotations?.horizontal?.map((a) => [
      a.value,
      a.yAxis ?? 'left',
    ]);
    expect(levels).toEqual([
      [0.05, 'left'],
      [0.025, 'left'],
      [0.001, 'right'],
      [0.0005, 'right'],
    ]);
  });

  it('draws the scheduled starts with the scheduler group metrics, the sweeper and the API', () => {
    const scheduled = metricRows('Scheduled starts');
    expect(scheduled.filter((r) => r[1] === 'ScheduledStarts')).toHaveLength(DIMENSION_VALUES.Result.length);
    expect(scheduled.filter((r) => r[0] === 'AWS/Scheduler').map((r) => r.slice(1))).toEqual([
      ['TargetErrorCount', 'ScheduleGroup', 'confirm-and-send-deliveries'],
      ['InvocationsSentToDeadLetterCount', 'ScheduleGroup', 'confirm-and-send-deliveries'],
      ['InvocationDroppedCount', 'ScheduleGroup', 'confirm-and-send-deliveries'],
    ]);
    expect(metricRows('Sweeper and KPI repairs').map((r) => r[1])).toEqual([
      'SendsRedriven',
      'SweepErrors',
      'KpiRepairs',
    ]);
    expect(metricRows('HTTP API').map((r) => r[1])).toEqual(['Count', '4xx', '5xx']);
  });
});
