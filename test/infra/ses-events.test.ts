import { beforeAll, describe, expect, it } from 'vitest';
import { sesEventTypes } from '#infra/constructs/ses-events.ts';
import {
  deadLetterEnv,
  functionEntries,
  functions,
  type QueueName,
  queueEnv,
  SES_EVENTS_QUEUE,
} from '#topology/topology.ts';
import {
  allowing,
  asArray,
  logicalIdOf,
  type Resource,
  resourcesOf,
  roleStatements,
  same,
  type Statement,
  type Synthesized,
  synthesize,
} from './build.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const accountRef = { Ref: 'AWS::AccountId' };
const topicRef = () => ({ Ref: logicalIdOf(s.stateful.sesEvents.topic) });
const eventsQueue = () => s.stateful.queues[SES_EVENTS_QUEUE];
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const one = (template: typeof s.statefulTemplate, type: string, id: string): Resource => {
  const found = resourcesOf(template, type)[id];
  if (!found) throw new Error(`no ${type} ${id}`);
  return found;
};
const keyStatements = (): Statement[] =>
  (
    one(s.statefulTemplate, 'AWS::KMS::Key', logicalIdOf(s.stateful.sesEvents.key)).Properties.KeyPolicy as {
      Statement: Statement[];
    }
  ).Statement;
const topicPolicyStatements = (): Statement[] =>
  Object.values(resourcesOf(s.statefulTemplate, 'AWS::SNS::TopicPolicy'))
    .filter((p) => (p.Properties.Topics as unknown[]).some((t) => same(t, topicRef())))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
const queuePolicyStatements = (queueId: string): Statement[] =>
  Object.values(resourcesOf(s.statefulTemplate, 'AWS::SQS::QueuePolicy'))
    .filter((p) => (p.Properties.Queues as unknown[]).some((q) => same(q, { Ref: queueId })))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

describe('SES events: configuration set → SNS topic → events queue', () => {
  it('the topology names an existing queue for SES events, consumed by exactly one function', () => {
    expect(SES_EVENTS_QUEUE).toBe('events');
    const consumers = functionEntries().filter(
      ([, spec]) => spec.trigger.kind === 'queue' && spec.trigger.queue === SES_EVENTS_QUEUE,
    );
    expect(consumers.map(([name]) => name)).toEqual(['ingester']);
  });

  it('has one SES events topic, encrypted with its own rotated customer managed key', () => {
    const topic = one(s.statefulTemplate, 'AWS::SNS::Topic', logicalIdOf(s.stateful.sesEvents.topic));
    const keyId = logicalIdOf(s.stateful.sesEvents.key);
    expect(topic.Properties.TopicName).toBe('confirm-and-send-ses-events');
    expect(topic.Properties.KmsMasterKeyId).toEqual(arnOf(keyId));
    expect(one(s.statefulTemplate, 'AWS::KMS::Key', keyId).Properties.EnableKeyRotation).toBe(true);
    // Not the alarm topic's key: each topic has its own key and key policy.
    expect(keyId).not.toBe(logicalIdOf(s.stateful.alarmTopic.key));
  });

  it('the topic refuses publishing without TLS', () => {
    expect(topicPolicyStatements()).toContainEqual({
      Sid: 'AllowPublishThroughSSLOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:Publish',
      Resource: topicRef(),
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it('only SES may publish, only for this account and this configuration set', () => {
    const allows = topicPolicyStatements().filter((st) => st.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Principal: { Service: 'ses.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: topicRef(),
      Condition: {
        StringEquals: {
          'AWS:SourceAccount': accountRef,
          'AWS:SourceArn': {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':ses:eu-west-1:',
                accountRef,
                ':configuration-set/',
                { Ref: logicalIdOf(s.stateful.configurationSet) },
              ],
            ],
          },
        },
      },
    });
  });

  it('the key policy lets SES use the key for this account only, and no other service', () => {
    const services = keyStatements().filter(
      (st) => typeof st.Principal === 'object' && st.Principal !== null && 'Service' in st.Principal,
    );
    expect(services).toEqual([
      {
        Sid: 'SesPublishesToTheEncryptedTopic',
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': accountRef } },
      },
    ]);
    // Besides SES, only the account itself (the default administration statement, through IAM).
    const others = keyStatements().filter((st) => !services.includes(st));
    expect(others).toHaveLength(1);
    expect(others[0]?.Principal).toEqual({
      AWS: { 'Fn::Join': ['', ['arn:aws:iam::', accountRef, ':root']] },
    });
  });

  it('the configuration set publishes exactly the 10 SES event types to the topic, enabled', () => {
    const destinations = Object.values(
      resourcesOf(s.statefulTemplate, 'AWS::SES::ConfigurationSetEventDestination'),
    );
    expect(destinations).toHaveLength(1);
    const props = destinations[0]!.Properties;
    expect(props.ConfigurationSetName).toEqual({ Ref: logicalIdOf(s.stateful.configurationSet) });
    const destination = props.EventDestination as Record<string, unknown>;
    expect(destination.Enabled).toBe(true);
    expect(destination.SnsDestination).toEqual({ TopicARN: topicRef() });
    // Only the SNS destination (no CloudWatch, EventBridge or Firehose one).
    expect(Object.keys(destination).sort()).toEqual([
      'Enabled',
      'MatchingEventTypes',
      'Name',
      'SnsDestination',
    ]);
    const types = destination.MatchingEventTypes as string[];
    expect(types).toHaveLength(10);
    expect([...types].sort()).toEqual(
      [
        'bounce',
        'click',
        'complaint',
        'delivery',
        'deliveryDelay',
        'open',
        'reject',
        'renderingFailure',
        'send',
        'subscription',
      ].sort(),
    );
    expect(new Set(sesEventTypes)).toEqual(new Set(types));
  });

  it('the destination is created after the topic policy that lets SES publish', () => {
    const id = logicalIdOf(s.stateful.sesEvents.destination);
    const destination = s.statefulTemplate.toJSON().Resources[id] as { DependsOn?: string[] };
    const policyIds = Object.keys(resourcesOf(s.statefulTemplate, 'AWS::SNS::TopicPolicy')).filter((pid) =>
      (one(s.statefulTemplate, 'AWS::SNS::TopicPolicy', pid).Properties.Topics as unknown[]).some((t) =>
        same(t, topicRef()),
      ),
    );
    expect(policyIds).toHaveLength(1);
    expect(destination.DependsOn).toContain(policyIds[0]);
  });

  it('the events queue subscribes with raw message delivery off, undeliverable messages to its DLQ', () => {
    const subscriptions = Object.values(resourcesOf(s.statefulTemplate, 'AWS::SNS::Subscription')).filter(
      (sub) => same(sub.Properties.TopicArn, topicRef()),
    );
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]!.Properties).toEqual({
      TopicArn: topicRef(),
      Protocol: 'sqs',
      Endpoint: arnOf(logicalIdOf(eventsQueue().queue)),
      RawMessageDelivery: false,
      RedrivePolicy: { deadLetterTargetArn: arnOf(logicalIdOf(eventsQueue().deadLetterQueue)) },
    });
  });

  it.each([
    ['queue', () => eventsQueue().queue],
    ['DLQ', () => eventsQueue().deadLetterQueue],
  ] as const)('the events %s accepts messages from SNS for this topic only', (_, queue) => {
    const id = logicalIdOf(queue());
    const allows = queuePolicyStatements(id).filter((st) => st.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: arnOf(id),
        Condition: { ArnEquals: { 'aws:SourceArn': topicRef() } },
      },
    ]);
  });

  it('no other queue lets SNS or SES send to it', () => {
    const eventsIds = [logicalIdOf(eventsQueue().queue), logicalIdOf(eventsQueue().deadLetterQueue)];
    for (const [id] of Object.entries(resourcesOf(s.statefulTemplate, 'AWS::SQS::Queue'))) {
      if (eventsIds.includes(id)) continue;
      for (const st of queuePolicyStatements(id).filter((x) => x.Effect === 'Allow')) {
        expect(JSON.stringify(st.Principal), id).not.toMatch(/sns\.amazonaws\.com|ses\.amazonaws\.com/);
      }
    }
  });

  it('outputs the topic ARN', () => {
    s.statefulTemplate.hasOutput('SesEventsTopicArn', { Value: topicRef() });
  });
});

describe('ingester: the events consumer', () => {
  const statements = () => roleStatements(s.statelessTemplate, s.stateless.functions.ingester.role);
  const dlqArnInStateless = (q: QueueName) =>
    s.stateless.resolve(s.stateful.queues[q].deadLetterQueue.queueArn);

  it('the topology: refuses to the events DLQ, sends to no queue, calls no SES API', () => {
    const spec = functions.ingester;
    expect(spec.refusesTo).toEqual([SES_EVENTS_QUEUE]);
    expect('sendsTo' in spec).toBe(false);
    expect('ses' in spec).toBe(false);
  });

  it('may send to the events DLQ and to no other queue', () => {
    const targets = allowing(statements(), 'sqs:SendMessage').flatMap((st) => asArray(st.Resource));
    expect(targets).toEqual([dlqArnInStateless(SES_EVENTS_QUEUE)]);
  });

  it('holds no SES action at all', () => {
    const ses = statements().flatMap((st) => asArray(st.Action).filter((a) => a.startsWith('ses:')));
    expect(ses).toEqual([]);
  });

  it('gets the events DLQ URL as DLQ_URL_EVENTS, and no queue URL', () => {
    const fn = resourcesOf(s.statelessTemplate, 'AWS::Lambda::Function')[
      logicalIdOf(s.stateless.functions.ingester.function)
    ];
    const env = (fn?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(deadLetterEnv(SES_EVENTS_QUEUE)).toBe('DLQ_URL_EVENTS');
    expect(env.DLQ_URL_EVENTS).toEqual(
      s.stateless.resolve(s.stateful.queues[SES_EVENTS_QUEUE].deadLetterQueue.queueUrl),
    );
    expect(env).not.toHaveProperty(queueEnv(SES_EVENTS_QUEUE));
  });

  it('consumes the events queue: batch 100 (one counter ADD per delivery per batch), maximum concurrency 5, batching window 1 s, partial failures', () => {
    const mappings = Object.values(
      resourcesOf(s.statelessTemplate, 'AWS::Lambda::EventSourceMapping'),
    ).filter((m) =>
      same(m.Properties.FunctionName, { Ref: logicalIdOf(s.stateless.functions.ingester.function) }),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      EventSourceArn: s.stateless.resolve(eventsQueue().queue.queueArn),
      BatchSize: 100,
      ScalingConfig: { MaximumConcurrency: 5 },
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});
