import type { CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectFunction } from '#infra/constructs/project-function.ts';
import {
  type FunctionName,
  type FunctionSpec,
  functions,
  type QueueName,
  queues,
  functionEntries,
  queueEntries,
} from '#topology/topology.ts';
import {
  allowing,
  asArray,
  logicalIdOf,
  type Resource,
  resourcesOf,
  roleStatements,
  same,
  type Synthesized,
  synthesize,
  probeStack,
} from './build.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

type QueueTrigger = Extract<FunctionSpec['trigger'], { kind: 'queue' }>;
const consumers = functionEntries().filter(([, spec]) => spec.trigger.kind === 'queue') as Array<
  [FunctionName, FunctionSpec & { trigger: QueueTrigger }]
>;
const consumerOf = (queue: QueueName) => {
  const found = consumers.filter(([, spec]) => spec.trigger.queue === queue);
  expect(found, `consumers of ${queue}`).toHaveLength(1);
  return found[0]!;
};

const statefulQueue = (id: string): Resource => {
  const found = resourcesOf(s.statefulTemplate, 'AWS::SQS::Queue')[id];
  if (!found) throw new Error(`no queue ${id}`);
  return found;
};

/** A queue's ARN as the stateless stack sees it (a cross-stack reference). */
const queueArnInStateless = (name: QueueName) => s.stateless.resolve(s.stateful.queues[name].queue.queueArn);
/** Its dead-letter queue's ARN, as the stateless stack sees it. */
const dlqArnInStateless = (name: QueueName) =>
  s.stateless.resolve(s.stateful.queues[name].deadLetterQueue.queueArn);

describe('queues: one standard queue and one DLQ per topology queue', () => {
  it('has the topology queues, their DLQs, the schedule DLQ and the periodic rules DLQ, and no other queue', () => {
    const names = Object.values(resourcesOf(s.statefulTemplate, 'AWS::SQS::Queue')).map(
      (q) => q.Properties.QueueName,
    );
    expect(names.sort()).toEqual(
      [
        ...queueEntries().flatMap(([name]) => [`confirm-and-send-${name}`, `confirm-and-send-${name}-dlq`]),
        'confirm-and-send-schedules-dlq',
        'confirm-and-send-rules-dlq',
      ].sort(),
    );
    s.statelessTemplate.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it.each(queueEntries())(
    '%s: redrive to its DLQ after maxReceiveCount (>= 5), VT >= 6 x its consumer timeout, DLQ kept 14 days',
    (name, spec) => {
      const jobQueue = s.stateful.queues[name];
      const queue = statefulQueue(logicalIdOf(jobQueue.queue)).Properties;
      const dlq = statefulQueue(logicalIdOf(jobQueue.deadLetterQueue)).Properties;
      expect(queue.QueueName).toBe(`confirm-and-send-${name}`);
      expect(dlq.QueueName).toBe(`confirm-and-send-${name}-dlq`);
      expect(queue.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(jobQueue.deadLetterQueue), 'Arn'] },
        maxReceiveCount: spec.maxReceiveCount,
      });
      expect(spec.maxReceiveCount).toBeGreaterThanOrEqual(5);
      expect(dlq.RedrivePolicy).toBeUndefined();

      const [consumer, consumerSpec] = consumerOf(name);
      expect(queue.VisibilityTimeout).toBe(spec.visibilityTimeoutSeconds);
      expect(queue.VisibilityTimeout as number, `${name} VT vs ${consumer} timeout`).toBeGreaterThanOrEqual(
        6 * consumerSpec.timeoutSeconds,
      );
      // Against the synthesized function too, not only the topology.
      const fnTimeout = resourcesOf(s.statelessTemplate, 'AWS::Lambda::Function')[
        logicalIdOf(s.stateless.functions[consumer].function)
      ]?.Properties.Timeout as number;
      expect(queue.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * fnTimeout);

      expect(queue.MessageRetentionPeriod).toBe(spec.retentionDays * 86_400);
      expect(dlq.MessageRetentionPeriod).toBe(14 * 86_400);
      expect(dlq.MessageRetentionPeriod as number).toBeGreaterThan(queue.MessageRetentionPeriod as number);
    },
  );

  it('encrypts every queue (SSE-SQS) and denies every non-TLS request to it', () => {
    const policies = Object.values(resourcesOf(s.statefulTemplate, 'AWS::SQS::QueuePolicy'));
    for (const [id, queue] of Object.entries(resourcesOf(s.statefulTemplate, 'AWS::SQS::Queue'))) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      const tlsOnly = policies.some(
        (p) =>
          (p.Properties.Queues as unknown[]).some((q) => same(q, { Ref: id })) &&
          (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement.some(
            (st) =>
              st.Effect === 'Deny' &&
              same(st.Principal, { AWS: '*' }) &&
              same(st.Action, 'sqs:*') &&
              same(st.Condition, { Bool: { 'aws:SecureTransport': 'false' } }),
          ),
      );
      expect(tlsOnly, `${id} TLS only`).toBe(true);
    }
  });
});

describe('event sources: one SQS event source per queue consumer', () => {
  it('has exactly one event source mapping per queue-triggered function', () => {
    s.statelessTemplate.resourceCountIs('AWS::Lambda::EventSourceMapping', consumers.length);
  });

  it.each(consumers)(
    '%s: its queue, ReportBatchItemFailures, batch size and maximum concurrency of the topology',
    (name, spec) => {
      const fnRef = { Ref: logicalIdOf(s.stateless.functions[name].function) };
      const mappings = Object.values(
        resourcesOf(s.statelessTemplate, 'AWS::Lambda::EventSourceMapping'),
      ).filter((m) => same(m.Properties.FunctionName, fnRef));
      expect(mappings).toHaveLength(1);
      const props = mappings[0]!.Properties;
      expect(props.EventSourceArn).toEqual(queueArnInStateless(spec.trigger.queue));
      expect(props.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(props.BatchSize).toBe(spec.trigger.batchSize);
      expect(props.ScalingConfig).toEqual({ MaximumConcurrency: spec.trigger.maxConcurrency });
      expect(props.MaximumBatchingWindowInSeconds).toBe(spec.trigger.maxBatchingWindowSeconds);
    },
  );

  it('maps maxBatchingWindowSeconds to the event source when the topology sets it', () => {
    const { stack, tableRefs, queueRefs } = probeStack();
    const spec: FunctionSpec = {
      ...functions.preparer,
      trigger: { ...functions.preparer.trigger, batchSize: 50, maxBatchingWindowSeconds: 20 },
    };
    new ProjectFunction(stack, 'Probe', {
      spec,
      tables: tableRefs,
      logLevel: 'INFO',
      logRetention: logs.RetentionDays.ONE_DAY,
      queues: queueRefs,
      settings: {},
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 20,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('IAM: queues', () => {
  it.each(functionEntries())(
    '%s: sqs:SendMessage exactly on its sendsTo queues and the DLQs of its refusesTo queues',
    (name, spec) => {
      const statements = roleStatements(s.statelessTemplate, s.stateless.functions[name].role);
      const sendTargets = allowing(statements, 'sqs:SendMessage').flatMap((st) => asArray(st.Resource));
      const expected = [
        ...(spec.sendsTo ?? []).map(queueArnInStateless),
        ...(spec.refusesTo ?? []).map(dlqArnInStateless),
        // The schedule target's on-failure destination: Lambda sends its failed invocations with its role.
        ...(spec.trigger.kind === 'schedule-target'
          ? [s.stateless.resolve(s.stateful.scheduleDeadLetterQueue.queueArn)]
          : []),
      ];
      expect(sendTargets).toHaveLength(expected.length);
      for (const arn of expected) expect(sendTargets).toContainEqual(arn);
    },
  );

  it.each(functionEntries())('%s: receives and deletes only from its trigger queue', (name, spec) => {
    const statements = roleStatements(s.statelessTemplate, s.stateless.functions[name].role);
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
      const resources = allowing(statements, action).flatMap((st) => asArray(st.Resource));
      expect(resources, `${name} ${action}`).toEqual(
        spec.trigger.kind === 'queue' ? [queueArnInStateless(spec.trigger.queue)] : [],
      );
    }
  });

  it('no statement grants sqs:* to a function, nor any SQS action on a DLQ but sending to those it refuses to', () => {
    // grantSendMessages: SendMessage plus the two reads the SDK may call before sending; never receive or delete.
    const sendOnly = new Set(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']);
    for (const [name, spec] of functionEntries()) {
      for (const st of roleStatements(s.statelessTemplate, s.stateless.functions[name].role)) {
        const actions = asArray(st.Action);
        expect(actions, name).not.toContain('sqs:*');
        if (!actions.some((a) => a.startsWith('sqs:'))) continue;
        for (const queue of Object.keys(s.stateful.queues) as QueueName[]) {
          if (!asArray(st.Resource).some((r) => same(r, dlqArnInStateless(queue)))) continue;
          expect(spec.refusesTo ?? [], `${name} acts on the ${queue} DLQ`).toContain(queue);
          for (const action of actions) expect(sendOnly.has(action), `${name}: ${action}`).toBe(true);
        }
      }
    }
  });

  it('receivesMore is generic: a function taking more jobs from its trigger queue gets its URL and consumes it', () => {
    const { stack, tableRefs, queueRefs } = probeStack();
    const probe = (id: string, receivesMore: boolean) =>
      new ProjectFunction(stack, id, {
        spec: {
          ...functions.preparer,
          sendsTo: [],
          trigger: { ...functions.preparer.trigger, receivesMore },
        },
        tables: tableRefs,
        logLevel: 'INFO',
        logRetention: logs.RetentionDays.ONE_DAY,
        queues: queueRefs,
        settings: {},
      });
    const more = probe('More', true);
    const batches = probe('Batches', false);
    const template = Template.fromStack(stack);
    const env = (fn: ProjectFunction) =>
      (
        template.toJSON().Resources[stack.getLogicalId(fn.function.node.defaultChild as CfnResource)]
          .Properties.Environment as { Variables: Record<string, unknown> }
      ).Variables;
    expect(env(more).QUEUE_URL_PREPARE).toEqual(stack.resolve(queueRefs.prepare.queueUrl));
    expect(env(batches)).not.toHaveProperty('QUEUE_URL_PREPARE');
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
      expect(
        allowing(roleStatements(template, more.role), action).flatMap((st) => asArray(st.Resource)),
      ).toEqual(['arn:aws:sqs:eu-west-1:1:prepare']);
    }
  });

  it('refusesTo is generic: any function refusing to any queue gets its DLQ URL and may send there only', () => {
    const { stack, tableRefs, queueRefs } = probeStack();
    const ref = (id: string, arn: string) => sqs.Queue.fromQueueArn(stack, id, arn);
    const dlqRefs = Object.fromEntries(
      Object.keys(queues).map((q) => [q, ref(`D${q}`, `arn:aws:sqs:eu-west-1:1:${q}-dlq`)]),
    ) as Record<QueueName, sqs.IQueue>;
    const spec: FunctionSpec = { ...functions.preparer, sendsTo: [], refusesTo: ['prepare'] };
    const props = {
      spec,
      tables: tableRefs,
      logLevel: 'INFO',
      logRetention: logs.RetentionDays.ONE_DAY,
      queues: queueRefs,
      settings: {},
    };
    const fn = new ProjectFunction(stack, 'Probe', { ...props, deadLetterQueues: dlqRefs });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ DLQ_URL_PREPARE: stack.resolve(dlqRefs.prepare.queueUrl) }),
      },
    });
    const sendTargets = allowing(roleStatements(template, fn.role), 'sqs:SendMessage').flatMap((st) =>
      asArray(st.Resource),
    );
    expect(sendTargets).toEqual(['arn:aws:sqs:eu-west-1:1:prepare-dlq']);
    // Without the dead-letter queues, the construct refuses to build rather than drop the grant.
    expect(() => new ProjectFunction(stack, 'Probe2', props)).toThrow(/refusesTo prepare/);
  });
});
