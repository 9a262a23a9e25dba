/**
 * Metrics port: what the use cases and handlers count, by name, for the dashboard and the alarms. The functions
 * publish them with Powertools Metrics (CloudWatch embedded metric format, one namespace: functions/lib/
 * observability.ts); unit tests use test/helpers/fake-metrics.ts.
 *
 * Every metric is declared once in METRICS with the dimensions it may carry, and each dimension with its closed
 * list of values. A dimension is never an id, an address or anything else with many values (a delivery id, a
 * recipient, an SES message id): CloudWatch bills every distinct combination as a metric of its own, and those
 * belong in the logs. The types make an unknown dimension a compile error; the Powertools adapter also refuses a
 * value outside its list at run time (it is published as `Other`).
 *
 * To add a metric: declare it here (name, unit, dimensions and their values, what it counts and who emits it),
 * count it where it happens, and add it to the dashboard (infra/constructs/dashboard.ts) if operators should see it.
 */
import type { FailureType } from '#domain/kpis.ts';
import type { SesRecord } from '#domain/ses-events.ts';

/** The values each dimension may take. */
export const DIMENSION_VALUES = {
  /** How a recipient failed (the sending log's failure type). */
  FailureType: ['hard', 'soft', 'error'] satisfies FailureType[],
  /** What SES answered a send that it did not accept (the SendOutcome kinds but `accepted` and `throttled`). */
  SesError: ['rejected', 'daily-quota', 'paused', 'unknown'],
  /** The SES event type, as SES spells it. */
  EventType: [
    'Send',
    'Delivery',
    'Bounce',
    'Complaint',
    'Reject',
    'Rendering Failure',
    'DeliveryDelay',
    'Open',
    'Click',
    'Subscription',
  ] satisfies SesRecord['eventType'][],
  /** Why an event changed nothing for a recipient it names (shared/use-cases/ingest.ts RecipientOutcome). */
  SkipReason: ['unattributed', 'not-this-message', 'duplicate-outcome', 'nothing-to-ingest'],
  /** What a scheduled start did (shared/use-cases/scheduled-start.ts). */
  Result: ['started', 'failed', 'execution-created', 'ignored', 'invalid'],
  /** Which rate made the reputation guard pause a delivery (shared/domain/reputation.ts). */
  GuardRule: ['bounce-rate', 'complaint-rate'],
} as const;

export type DimensionName = keyof typeof DIMENSION_VALUES;
export type DimensionValue<D extends DimensionName> = (typeof DIMENSION_VALUES)[D][number];

export type MetricUnit = 'Count' | 'Count/Second';

export interface MetricSpec {
  unit: MetricUnit;
  dimensions: readonly DimensionName[];
  /** What one unit counts, and who emits it. */
  description: string;
}

/** Every metric of the app (namespace: infra/constructs/project-function.ts metricsNamespace). */
export const METRICS = {
  EmailsSent: {
    unit: 'Count',
    dimensions: [],
    description: 'Recipients SES accepted a message for, recorded sent (sender)',
  },
  SesThrottles: {
    unit: 'Count',
    dimensions: [],
    description: 'SES answers "Maximum sending rate exceeded" (429); each is retried with backoff (sender)',
  },
  SesSendErrors: {
    unit: 'Count',
    dimensions: ['SesError'],
    description:
      'Sends SES did not accept: rejected, daily quota exceeded, sending paused, or outcome unknown (sender)',
  },
  SendRateTarget: {
    unit: 'Count/Second',
    dimensions: [],
    description:
      'The pacing target all senders together stay under, in messages per second (each sender invocation)',
  },
  RecipientsFailed: {
    unit: 'Count',
    dimensions: ['FailureType'],
    description:
      'Recipients that became failed: error at send (sender), hard or soft bounce, reject (ingester), in doubt past the window (sweeper)',
  },
  RecipientsInDoubt: {
    unit: 'Count',
    dimensions: [],
    description:
      'Recipients whose SES call may have been accepted with no record of it (an unknown SES answer, or the window of an expired page lease), made in-doubt: not sent again while SES may have accepted it (sender, sweeper)',
  },
  InDoubtReconciled: {
    unit: 'Count',
    dimensions: [],
    description: 'In-doubt recipients an SES event named, now accounted for (ingester)',
  },
  InDoubtExpired: {
    unit: 'Count',
    dimensions: [],
    description:
      'In-doubt recipients no SES event named within the window, failed: resent once already, or not resendable (sweeper)',
  },
  InDoubtResent: {
    unit: 'Count',
    dimensions: [],
    description:
      'In-doubt recipients no SES event named within the window, sent once more while the event path was healthy (sweeper)',
  },
  InDoubtResendWithheld: {
    unit: 'Count',
    dimensions: [],
    description:
      "In-doubt recipients failed instead of resent because the delivery's event path was not demonstrably healthy (its Send events fell short of what it had sent a window before): an alarm (sweeper)",
  },
  SesEvents: {
    unit: 'Count',
    dimensions: ['EventType'],
    description: 'SES events ingested, by type (an exact duplicate too: it changes nothing) (ingester)',
  },
  SesEventsSkipped: {
    unit: 'Count',
    dimensions: ['SkipReason'],
    description:
      'Recipients of an event that changed nothing: no known recipient, another message, an outcome applied before; or a well-formed AWS message with nothing to ingest (ingester)',
  },
  SesEventsRefused: {
    unit: 'Count',
    dimensions: [],
    description: 'Queue records that are not SES events, moved to the events DLQ at once (ingester)',
  },
  SendsRedriven: {
    unit: 'Count',
    dimensions: [],
    description: 'Stalled sends (or stops) re-driven with a new start run (sweeper)',
  },
  SweepErrors: {
    unit: 'Count',
    dimensions: [],
    description: 'Deliveries whose sweep failed; retried at the next run (sweeper)',
  },
  StatsAggregationErrors: {
    unit: 'Count',
    dimensions: [],
    description:
      'Deliveries whose hourly snapshots could not be refreshed; read again at the next run (stats-aggregation)',
  },
  KpiRepairs: {
    unit: 'Count',
    dimensions: [],
    description:
      'Recounts that corrected the real-time counters a crash had left off (compute-stats, sweeper, finishing a send)',
  },
  ScheduledStarts: {
    unit: 'Count',
    dimensions: ['Result'],
    description: "Schedule firings by what they did (scheduled-start, the deliveries' schedules target)",
  },
  ReputationGuardPauses: {
    unit: 'Count',
    dimensions: ['GuardRule'],
    description:
      'Sending deliveries the reputation guard paused, their bounce or complaint rate above its threshold (ingester)',
  },
  OneClickUnsubscribes: {
    unit: 'Count',
    dimensions: [],
    description: 'Profiles opted out through the one-click unsubscribe route (unsubscribe)',
  },
  ProofMessages: {
    unit: 'Count',
    dimensions: [],
    description: 'Proof messages sent or refused; never counted in EmailsSent or any KPI (proofs)',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;

/** The dimensions metric `M` takes, each with a value from its list. */
export type MetricDimensions<M extends MetricName> = {
  [D in (typeof METRICS)[M]['dimensions'][number]]: DimensionValue<D>;
};

type DimensionArgs<M extends MetricName> = (typeof METRICS)[M]['dimensions'] extends readonly []
  ? []
  : [dimensions: MetricDimensions<M>];

export interface Metrics {
  /** Adds `value` to metric `name` with its dimensions; published at the end of the invocation. */
  count<M extends MetricName>(name: M, value: number, ...dimensions: DimensionArgs<M>): void;
  /** Records one sample of a gauge (e.g. SendRateTarget). */
  gauge<M extends MetricName>(name: M, value: number, ...dimensions: DimensionArgs<M>): void;
}
