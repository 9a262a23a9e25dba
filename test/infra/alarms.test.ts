import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '#infra/constructs/project-function.ts';
import {
  type FunctionName,
  type QueueName,
  queues,
  functionEntries,
  SES_EVENTS_QUEUE,
} from '#topology/topology.ts';
import {
  buildTestApp,
  logicalIdOf,
  type Resource,
  resourcesOf,
  same,
  type Synthesized,
  synthesize,
} from './build.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const queueNames = Object.keys(queues) as QueueName[];

const alarms = (template: Template): Resource[] =>
  Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
const allAlarms = (): Resource[] => [...alarms(s.statefulTemplate), ...alarms(s.statelessTemplate)];
const topicRef = () => ({ Ref: logicalIdOf(s.stateful.alarmTopic.topic) });

/** Alarms on `metric` whose dimensions are exactly `dimensions`. */
const alarmsOn = (template: Template, namespace: string, metric: string, dimensions: unknown): Resource[] =>
  alarms(template).filter(
    (a) =>
      a.Properties.Namespace === namespace &&
      a.Properties.MetricName === metric &&
      same(a.Properties.Dimensions, dimensions),
  );
const dlqDepthAlarms = (queue: sqs.IQueue): Resource[] =>
  alarmsOn(s.statefulTemplate, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', [
    { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(queue), 'QueueName'] } },
  ]);
const functionAlarms = (name: FunctionName, metric: string): Resource[] =>
  alarmsOn(s.statelessTemplate, 'AWS/Lambda', metric, [
    { Name: 'FunctionName', Value: { Ref: logicalIdOf(s.stateless.functions[name].function) } },
  ]);

/** `metric > threshold` (or >=), one 5-minute period of `statistic`, missing data not breaching. */
const expectAlarm = (
  found: Resource[],
  threshold: number,
  statistic: string,
  period = 300,
  comparison = 'GreaterThanThreshold',
) => {
  expect(found).toHaveLength(1);
  expect(found[0]!.Properties).toMatchObject({
    ComparisonOperator: comparison,
    Threshold: threshold,
    Statistic: statistic,
    Period: period,
    EvaluationPeriods: 1,
    TreatMissingData: 'notBreaching',
  });
};

describe('alarm topic', () => {
  it('is encrypted with a rotated customer managed key and accepts publishing over TLS only', () => {
    const topic = resourcesOf(s.statefulTemplate, 'AWS::SNS::Topic')[
      logicalIdOf(s.stateful.alarmTopic.topic)
    ];
    const keyId = logicalIdOf(s.stateful.alarmTopic.key);
    expect(topic?.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(resourcesOf(s.statefulTemplate, 'AWS::KMS::Key')[keyId]?.Properties.EnableKeyRotation).toBe(true);
    s.statefulTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef()],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: topicRef(),
            Sid: 'AllowPublishThroughSSLOnly',
          },
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topicRef(),
            Sid: 'CloudWatchAlarmsPublish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    ['arn:aws:cloudwatch:eu-west-1:', { Ref: 'AWS::AccountId' }, ':alarm:confirm-and-send-*'],
                  ],
                },
              },
            },
          },
        ],
        Version: '2012-10-17',
      },
    });
  });

  it('lets CloudWatch use the key for confirm-and-send alarms of this account only', () => {
    const key = resourcesOf(s.statefulTemplate, 'AWS::KMS::Key')[logicalIdOf(s.stateful.alarmTopic.key)];
    const statements = (key?.Properties.KeyPolicy as { Statement: Array<Record<string, unknown>> }).Statement;
    const cloudwatch = statements.filter((st) => same(st.Principal, { Service: 'cloudwatch.amazonaws.com' }));
    expect(cloudwatch).toHaveLength(1);
    expect(cloudwatch[0]).toMatchObject({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: { 'aws:SourceArn': expect.anything() as unknown },
      },
    });
  });

  it('subscribes the alarmEmail context address, and nobody without it', () => {
    const alarmSubscriptions = (built: Synthesized): Resource[] =>
      Object.values(resourcesOf(built.statefulTemplate, 'AWS::SNS::Subscription')).filter((sub) =>
        same(sub.Properties.TopicArn, { Ref: logicalIdOf(built.stateful.alarmTopic.topic) }),
      );
    expect(alarmSubscriptions(s)).toEqual([]);
    const withEmail = synthesize({ alarmEmail: 'ops@example.com' });
    expect(alarmSubscriptions(withEmail).map((sub) => sub.Properties)).toEqual([
      {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: { Ref: logicalIdOf(withEmail.stateful.alarmTopic.topic) },
      },
    ]);
  });

  it('every alarm notifies the topic on ALARM and OK, and is named so the topic policy accepts it', () => {
    const found = allAlarms();
    expect(found.length).toBeGreaterThan(0);
    const inStateless = s.stateless.resolve(s.stateful.alarmTopic.topic.topicArn);
    for (const alarm of alarms(s.statefulTemplate)) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef()]);
      expect(alarm.Properties.OKActions).toEqual([topicRef()]);
    }
    for (const alarm of alarms(s.statelessTemplate)) {
      expect(alarm.Properties.AlarmActions).toEqual([inStateless]);
      expect(alarm.Properties.OKActions).toEqual([inStateless]);
    }
    for (const alarm of found) expect(alarm.Properties.AlarmName).toMatch(/^confirm-and-send-/);
  });
});

describe('alarms', () => {
  it.each(queueNames)('%s: its DLQ holding any message', (name) => {
    expectAlarm(dlqDepthAlarms(s.stateful.queues[name].deadLetterQueue), 0, 'Maximum');
  });

  it('the schedule DLQ holding any message', () => {
    expectAlarm(dlqDepthAlarms(s.stateful.scheduleDeadLetterQueue), 0, 'Maximum');
  });

  it('the periodic rules DLQ holding any message', () => {
    expect(s.stateful.ruleDeadLetterQueue).toBeDefined();
    expectAlarm(dlqDepthAlarms(s.stateful.ruleDeadLetterQueue!), 0, 'Maximum');
  });

  it('every DLQ in the app has a depth alarm', () => {
    const dlqs = Object.entries(resourcesOf(s.statefulTemplate, 'AWS::SQS::Queue')).filter(([, q]) =>
      String(q.Properties.QueueName).endsWith('-dlq'),
    );
    // The topology queues' DLQs, the schedules' DLQ and the periodic rules' DLQ.
    expect(dlqs).toHaveLength(queueNames.length + 2);
    for (const [id] of dlqs) {
      const found = alarmsOn(s.statefulTemplate, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } },
      ]);
      expect(found, id).toHaveLength(1);
    }
  });

  const ageAlarms = (built: Synthesized, name: QueueName): Resource[] =>
    alarmsOn(built.statefulTemplate, 'AWS/SQS', 'ApproximateAgeOfOldestMessage', [
      {
        Name: 'QueueName',
        Value: { 'Fn::GetAtt': [logicalIdOf(built.stateful.queues[name].queue), 'QueueName'] },
      },
    ]);

  it.each([
    ['prepare', 30],
    ['start', 30],
    ['send', 120],
    ['events', 30],
  ] as const)('%s: the oldest message older than %i minutes', (name, minutes) => {
    expectAlarm(ageAlarms(s, name), minutes * 60, 'Maximum');
  });

  it('every queue has an age alarm; the send queue takes its threshold from context', () => {
    expect(queueNames.every((name) => ageAlarms(s, name).length === 1)).toBe(true);
    const tuned = synthesize({ sendQueueAlarmMinutes: '360' });
    expect(ageAlarms(tuned, 'send')[0]!.Properties.Threshold).toBe(360 * 60);
    expect(() => buildTestApp({ sendQueueAlarmMinutes: '0' })).toThrow(/sendQueueAlarmMinutes/);
  });

  it.each(functionEntries())('%s: errors and throttles', (name) => {
    expectAlarm(functionAlarms(name, 'Errors'), 0, 'Sum');
    expectAlarm(functionAlarms(name, 'Throttles'), 0, 'Sum');
  });

  it('the schedule target failing to reach its on-failure destination (the start would be lost)', () => {
    expectAlarm(functionAlarms('scheduledStart', 'DestinationDeliveryFailures'), 0, 'Sum');
  });

  it.each([
    ['TargetErrorCount', 'scheduler-target-errors'],
    ['InvocationDroppedCount', 'scheduler-dropped'],
    ['InvocationsFailedToBeSentToDeadLetterCount', 'scheduler-dlq-failures'],
  ])("EventBridge Scheduler's %s in the deliveries' group", (metric, name) => {
    const found = alarmsOn(s.statefulTemplate, 'AWS/Scheduler', metric, [
      { Name: 'ScheduleGroup', Value: 'confirm-and-send-deliveries' },
    ]);
    expectAlarm(found, 0, 'Sum');
    expect(found[0]!.Properties.AlarmName).toBe(`confirm-and-send-${name}`);
  });

  it('5xx answers of the HTTP API', () => {
    const found = alarms(s.statelessTemplate).filter(
      (a) => a.Properties.Namespace === 'AWS/ApiGateway' && a.Properties.MetricName === '5xx',
    );
    expectAlarm(found, 0, 'Sum');
    expect(found[0]!.Properties.Dimensions).toEqual([
      { Name: 'ApiId', Value: { Ref: logicalIdOf(s.stateless.api) } },
    ]);
  });

  it('the events DLQ alarm says what lands there: failed receives, refusals, SNS delivery failures', () => {
    const found = dlqDepthAlarms(s.stateful.queues[SES_EVENTS_QUEUE].deadLetterQueue);
    expect(found).toHaveLength(1);
    const description = String(found[0]!.Properties.AlarmDescription);
    expect(description).toContain(`failed ${queues[SES_EVENTS_QUEUE].maxReceiveCount} times`);
    for (const [name, spec] of functionEntries()) {
      if (spec.refusesTo?.includes(SES_EVENTS_QUEUE)) expect(description).toContain(`refused by ${name}`);
    }
    expect(description).toContain('SNS');
  });

  it('errors of the schedule target (every failed attempt, before Lambda gives up and uses its destination)', () => {
    expectAlarm(functionAlarms('scheduledStart', 'Errors'), 0, 'Sum');
  });

  it("SES account reputation at AWS's warning levels (5 % bounces, 0.1 % complaints) and at half of them", () => {
    const reputation = (metric: string, threshold: number) =>
      alarmsOn(s.statefulTemplate, 'AWS/SES', metric, undefined).filter(
        (a) => a.Properties.Threshold === threshold,
      );
    for (const [metric, threshold] of [
      ['Reputation.BounceRate', 0.05],
      ['Reputation.BounceRate', 0.025],
      ['Reputation.ComplaintRate', 0.001],
      ['Reputation.ComplaintRate', 0.0005],
    ] as const) {
      expectAlarm(reputation(metric, threshold), threshold, 'Maximum', 3600, 'GreaterThanOrEqualToThreshold');
    }
    expect(alarmsOn(s.statefulTemplate, 'AWS/SES', 'Reputation.BounceRate', undefined)).toHaveLength(2);
    expect(alarmsOn(s.statefulTemplate, 'AWS/SES', 'Reputation.ComplaintRate', undefined)).toHaveLength(2);
  });

  it('the reputation guard paused a delivery: its pauses of either rule, summed over 5 minutes, above 0', () => {
    const alarms = allAlarms().filter(
      (a) => a.Properties.AlarmName === 'confirm-and-send-reputation-guard-paused',
    );
    expect(alarms).toHaveLength(1);
    const [alarm] = alarms;
    expect(alarm!.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    const metrics = alarm!.Properties.Metrics as Array<{
      Id: string;
      Expression?: string;
      MetricStat?: {
        Metric: { Namespace: string; MetricName: string; Dimensions: unknown };
        Period: number;
        Stat: string;
      };
    }>;
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('FILL(bounces, 0) + FILL(complaints, 0)');
    for (const [id, rule] of [
      ['bounces', 'bounce-rate'],
      ['complaints', 'complaint-rate'],
    ]) {
      expect(metrics.find((m) => m.Id === id)?.MetricStat).toEqual({
        Metric: {
          Namespace: 'ConfirmAndSend',
          MetricName: 'ReputationGuardPauses',
          Dimensions: [
            { Name: 'GuardRule', Value: rule },
            { Name: 'service', Value: 'confirm-and-send' },
          ],
        },
        Period: 300,
        Stat: 'Sum',
      });
    }
  });

  it('in-doubt recipients failed instead of resent (the event path not healthy): their sum over 5 minutes, above 0', () => {
    const alarms = allAlarms().filter(
      (a) => a.Properties.AlarmName === 'confirm-and-send-in-doubt-resend-withheld',
    );
    expect(alarms).toHaveLength(1);
    const props = alarms[0]!.Properties;
    expect(props).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    const [metric] = props.Metrics as Array<{ MetricStat?: unknown }>;
    expect(metric?.MetricStat).toEqual({
      Metric: {
        Namespace: 'ConfirmAndSend',
        MetricName: 'InDoubtResendWithheld',
        Dimensions: [{ Name: 'service', Value: 'confirm-and-send' }],
      },
      Period: 300,
      Stat: 'Sum',
    });
  });

  it('has exactly these alarms, no more', () => {
    const names = allAlarms().map((a) => String(a.Properties.AlarmName).replace(/^confirm-and-send-/, ''));
    const fnNames = functionEntries().map(([name]) => name);
    expect(names.sort()).toEqual(
      [
        ...queueNames.flatMap((q) => [`${q}-dlq-not-empty`, `${q}-queue-age`]),
        'schedules-dlq-not-empty',
        'rules-dlq-not-empty',
        ...fnNames.flatMap((f) => [`${f}-errors`, `${f}-throttles`]),
        'scheduledStart-destination-failures',
        'scheduler-target-errors',
        'scheduler-dropped',
        'scheduler-dlq-failures',
        'ses-bounce-rate',
        'ses-bounce-rate-early',
        'ses-complaint-rate',
        'ses-complaint-rate-early',
        'api-5xx',
        'reputation-guard-paused',
        'in-doubt-resend-withheld',
      ].sort(),
    );
  });
});

describe('the runbook', () => {
  it('has a line in the README for every alarm', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const runbook = readme.slice(readme.indexOf('## Operations'));
    const functionNames = new Set(functionEntries().map(([name]) => name));
    const missing = allAlarms()
      .map((a) => String(a.Properties.AlarmName).replace(/^confirm-and-send-/, ''))
      .filter((name) => {
        const perFunction = /^(.+)-(errors|throttles)$/.exec(name);
        if (perFunction && functionNames.has(perFunction[1] as FunctionName))
          return !runbook.includes(`| \`<function>-${perFunction[2]}\` (every function) |`);
        return !new RegExp(`^\\| [^|]*\`${name}\``, 'm').test(runbook);
      });
    expect(missing).toEqual([]);
  });
});
