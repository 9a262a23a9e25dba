import type { Template } from 'aws-cdk-lib/assertions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FunctionName,
  type QueueName,
  queues,
  functionEntries,
  SES_EVENTS_QUEUE,
} from '#topology/topology.ts';
import { logicalIdOf, type Resource, resourcesOf, same, type Synthesized, synthesize } from './build.ts';

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

/** `metric > threshold`, one 5-minute period of `statistic`, missing data not breaching. */
const expectAlarm = (found: Resource[], threshold: number, statistic: string, period = 300) => {
  expect(found).toHaveLength(1);
  expect(found[0]!.Properties).toMatchObject({
    ComparisonOperator: 'GreaterThanThreshold',
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

  it('the oldest message on the send queue older than 15 minutes', () => {
    const found = alarmsOn(s.statefulTemplate, 'AWS/SQS', 'ApproximateAgeOfOldestMessage', [
      {
        Name: 'QueueName',
        Value: { 'Fn::GetAtt': [logicalIdOf(s.stateful.queues.send.queue), 'QueueName'] },
      },
    ]);
    expectAlarm(found, 15 * 60, 'Maximum');
  });

  it('throttles of the sender', () => {
    expectAlarm(functionAlarms('sender', 'Throttles'), 0, 'Sum');
  });

  it.each(
    functionEntries().filter(([, spec]) => spec.trigger.kind === 'queue' || spec.trigger.kind === 'every'),
  )('%s: errors of the queue consumer or periodic function', (name) => {
    expectAlarm(functionAlarms(name, 'Errors'), 0, 'Sum');
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

  it('errors of the schedule target (its async invocations are not in the schedule DLQ)', () => {
    expectAlarm(functionAlarms('scheduledStart', 'Errors'), 0, 'Sum');
  });

  it('SES account reputation: bounce rate above 5 %, complaint rate above 0.1 %', () => {
    expectAlarm(
      alarmsOn(s.statefulTemplate, 'AWS/SES', 'Reputation.BounceRate', undefined),
      0.05,
      'Maximum',
      3600,
    );
    expectAlarm(
      alarmsOn(s.statefulTemplate, 'AWS/SES', 'Reputation.ComplaintRate', undefined),
      0.001,
      'Maximum',
      3600,
    );
  });
});
