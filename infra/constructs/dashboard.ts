import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { reputationAlarmThresholds } from '#infra/stacks/stateful.ts';
import { DIMENSION_VALUES, type DimensionName, type MetricName } from '#ports/metrics.ts';
import type { FunctionName, QueueName } from '#topology/topology.ts';
import { resourcePrefix } from './job-queue.ts';
import { metricsNamespace, serviceName } from './project-function.ts';

export interface DashboardProps {
  readonly functions: Record<FunctionName, lambda.IFunction>;
  readonly queues: Record<QueueName, sqs.IQueue>;
  /** Every dead-letter queue, by what it holds (the topology queues', the schedules', the periodic rules'). */
  readonly deadLetterQueues: Record<string, sqs.IQueue>;
  readonly api: apigwv2.IHttpApi;
  readonly scheduleGroupName: string;
  /** SEND_RATE_LIMIT, drawn on the send rate graph when set. */
  readonly sendRateLimit?: number | undefined;
}

/** The dashboard's name (operators open it by name: README, "Operations"). */
export const dashboardName = `${resourcePrefix}-operations`;

/** Period of the dashboard's graphs: the app's metrics and Lambda's, SQS's and API Gateway's are per minute. */
export const dashboardPeriod = Duration.minutes(1);

const WIDTH = 12;
const HEIGHT = 6;

/** A metric of the app (shared/ports/metrics.ts), with the `service` dimension Powertools adds. */
export const appMetric = (
  name: MetricName,
  dimensions: Partial<Record<DimensionName, string>> = {},
  statistic: string = cloudwatch.Stats.SUM,
): cloudwatch.Metric =>
  new cloudwatch.Metric({
    namespace: metricsNamespace,
    metricName: name,
    dimensionsMap: { service: serviceName, ...dimensions },
    statistic,
    period: dashboardPeriod,
    label: Object.values(dimensions)[0] ?? name,
  });

/** The metric once per value of its dimension (declared lists: shared/ports/metrics.ts). */
const byDimension = (name: MetricName, dimension: DimensionName): cloudwatch.Metric[] =>
  DIMENSION_VALUES[dimension].map((value) => appMetric(name, { [dimension]: value }));

/**
 * The operations dashboard `confirm-and-send-operations`: sends per second against the pacing target, SES
 * throttles and errors, outcomes, SES events ingested, queue depths and ages, dead-letter queues, function errors
 * and throttles, the SES account's reputation (with the alarm levels), the scheduler, the sweeper and the API.
 * Every widget reads a metric the alarms or the functions publish; README "Operations" says what each one means.
 */
export class Dashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const period = dashboardPeriod;
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      options: Partial<cloudwatch.GraphWidgetProps> = {},
    ) => new cloudwatch.GraphWidget({ title, left, width: WIDTH, height: HEIGHT, period, ...options });
    const queueEntries = Object.entries(props.queues) as Array<[QueueName, sqs.IQueue]>;
    const functionEntries = Object.entries(props.functions) as Array<[FunctionName, lambda.IFunction]>;
    const perFunction = (metric: 'Errors' | 'Throttles') =>
      functionEntries.map(([name, fn]) =>
        fn.metric(metric, { statistic: cloudwatch.Stats.SUM, period, label: name }),
      );

    const sent = appMetric('EmailsSent');
    const sesSends = new cloudwatch.Metric({
      namespace: 'AWS/SES',
      metricName: 'Send',
      statistic: cloudwatch.Stats.SUM,
      period,
    });
    const reputation = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName,
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.hours(1),
        label,
      });
    const scheduler = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Scheduler',
        metricName,
        dimensionsMap: { ScheduleGroup: props.scheduleGroupName },
        statistic: cloudwatch.Stats.SUM,
        period,
        label: metricName,
      });
    const { bounceRate, complaintRate, earlyBounceRate, earlyComplaintRate } = reputationAlarmThresholds;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown:
              '# Confirm and send\nSends, SES events, queues and functions. Every alarm, what it means and what to ' +
              'do: README, "Operations". Metrics of the app: namespace `' +
              metricsNamespace +
              '`.',
            width: 24,
            height: 2,
          }),
        ],
        [
          graph(
            'Sends per second against the pacing target',
            [
              new cloudwatch.MathExpression({
                expression: 'sent / PERIOD(sent)',
                usingMetrics: { sent },
                label: 'Sent per second (senders)',
                period,
              }),
              new cloudwatch.MathExpression({
                expression: 'ses / PERIOD(ses)',
                usingMetrics: { ses: sesSends },
                label: 'Accepted per second (SES account)',
                period,
              }),
              appMetric('SendRateTarget', {}, cloudwatch.Stats.MAXIMUM).with({ label: 'Pacing target' }),
            ],
            {
              leftYAxis: { label: 'messages/s', min: 0, showUnits: false },
              ...(props.sendRateLimit !== undefined
                ? { leftAnnotations: [{ value: props.sendRateLimit, label: 'sendRateLimit' }] }
                : {}),
            },
          ),
          graph('SES throttles and send errors', [
            appMetric('SesThrottles').with({ label: 'Throttled (retried)' }),
            ...byDimension('SesSendErrors', 'SesError'),
          ]),
        ],
        [
          graph('Outcomes', [
            sent.with({ label: 'Sent' }),
            ...byDimension('RecipientsFailed', 'FailureType').map((m) =>
              m.with({ label: `Failed: ${m.dimensions?.FailureType as string}` }),
            ),
            appMetric('RecipientsInDoubt').with({ label: 'In doubt' }),
            appMetric('InDoubtReconciled').with({ label: 'In doubt, reconciled' }),
            appMetric('InDoubtExpired').with({ label: 'In doubt, expired (failed)' }),
            appMetric('InDoubtResent').with({ label: 'In doubt, resent once' }),
            appMetric('InDoubtResendWithheld').with({ label: 'In doubt, resend withheld (alarm)' }),
          ]),
          graph('SES events ingested', [...byDimension('SesEvents', 'EventType')], {
            right: [
              ...byDimension('SesEventsSkipped', 'SkipReason').map((m) =>
                m.with({ label: `Skipped: ${m.dimensions?.SkipReason as string}` }),
              ),
              appMetric('SesEventsRefused').with({ label: 'Refused (to the DLQ)' }),
            ],
          }),
        ],
        [
          graph(
            'Queue depth (visible messages)',
            queueEntries.map(([name, queue]) =>
              queue.metricApproximateNumberOfMessagesVisible({ period, label: name, statistic: 'Maximum' }),
            ),
          ),
          graph(
            'Age of the oldest message (seconds)',
            queueEntries.map(([name, queue]) =>
              queue.metricApproximateAgeOfOldestMessage({ period, label: name, statistic: 'Maximum' }),
            ),
          ),
        ],
        [
          graph(
            'Dead-letter queues (messages)',
            Object.entries(props.deadLetterQueues).map(([name, queue]) =>
              queue.metricApproximateNumberOfMessagesVisible({ period, label: name, statistic: 'Maximum' }),
            ),
          ),
          graph('Scheduled starts', byDimension('ScheduledStarts', 'Result'), {
            right: [
              scheduler('TargetErrorCount'),
              scheduler('InvocationsSentToDeadLetterCount'),
              scheduler('InvocationDroppedCount'),
            ],
          }),
        ],
        [
          graph('Function errors', perFunction('Errors')),
          graph('Function throttles', perFunction('Throttles')),
        ],
        [
          graph('SES account reputation', [reputation('Reputation.BounceRate', 'Bounce rate')], {
            right: [reputation('Reputation.ComplaintRate', 'Complaint rate')],
            leftYAxis: { min: 0, max: bounceRate * 2, showUnits: false },
            rightYAxis: { min: 0, max: complaintRate * 2, showUnits: false },
            leftAnnotations: [
              { value: bounceRate, label: 'Bounce: AWS review level', color: cloudwatch.Color.RED },
              { value: earlyBounceRate, label: 'Bounce: early alarm', color: cloudwatch.Color.ORANGE },
            ],
            rightAnnotations: [
              { value: complaintRate, label: 'Complaint: AWS review level', color: cloudwatch.Color.RED },
              { value: earlyComplaintRate, label: 'Complaint: early alarm', color: cloudwatch.Color.ORANGE },
            ],
            period: Duration.hours(1),
          }),
          graph('Sweeper and KPI repairs', [
            appMetric('SendsRedriven').with({ label: 'Sends re-driven' }),
            appMetric('SweepErrors').with({ label: 'Sweep errors' }),
            appMetric('KpiRepairs').with({ label: 'KPI repairs' }),
          ]),
        ],
        [
          graph('HTTP API', [
            props.api.metricCount({ period, label: 'Requests' }),
            props.api.metricClientError({ period, label: '4xx' }),
            props.api.metricServerError({ period, label: '5xx' }),
          ]),
          graph('HTTP API latency (ms)', [
            props.api.metricLatency({ period, statistic: 'p50', label: 'p50' }),
            props.api.metricLatency({ period, statistic: 'p99', label: 'p99' }),
          ]),
        ],
      ],
    });
  }
}
