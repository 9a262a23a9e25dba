import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { periodicRuleName, periodicRuleRetryAttempts } from '#infra/constructs/periodic-run.ts';
import { ProjectFunction } from '#infra/constructs/project-function.ts';
import { type FunctionName, type FunctionSpec, functionEntries, functions } from '#topology/topology.ts';
import {
  buildTestApp,
  logicalIdOf,
  type Resource,
  resourcesOf,
  same,
  type Statement,
  type Synthesized,
  synthesize,
  probeStack,
} from './build.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

type Every = Extract<FunctionSpec['trigger'], { kind: 'every' }>;
const periodic = functionEntries().filter(([, spec]) => spec.trigger.kind === 'every') as Array<
  [FunctionName, FunctionSpec & { trigger: Every }]
>;

const rules = (): Resource[] => Object.values(resourcesOf(s.statelessTemplate, 'AWS::Events::Rule'));
const fnArn = (name: FunctionName) => ({
  'Fn::GetAtt': [logicalIdOf(s.stateless.functions[name].function), 'Arn'],
});
const envOf = (built: Synthesized, name: FunctionName): Record<string, unknown> =>
  (
    resourcesOf(built.statelessTemplate, 'AWS::Lambda::Function')[
      logicalIdOf(built.stateless.functions[name].function)
    ]?.Properties.Environment as { Variables: Record<string, unknown> }
  ).Variables;

describe('periodic functions: one EventBridge rule per `every` trigger', () => {
  it('the sweeper runs every 5 minutes (topology)', () => {
    expect(functions.sweeper.trigger).toEqual({ kind: 'every', minutes: 5 });
    expect(periodic.map(([name]) => name)).toContain('sweeper');
  });

  it('has exactly one rule per periodic function and no other rule', () => {
    expect(rules()).toHaveLength(periodic.length);
    s.statefulTemplate.resourceCountIs('AWS::Events::Rule', 0);
  });

  it.each(periodic)(
    '%s: rule rate(N minutes), enabled, fixed name, targeting the function with a retry policy and the DLQ',
    (name, spec) => {
      const rule = resourcesOf(s.statelessTemplate, 'AWS::Events::Rule')[
        logicalIdOf(s.stateless.functions[name].periodicRule!.rule)
      ];
      const minutes = spec.trigger.minutes;
      const expression =
        minutes === 1
          ? 'rate(1 minute)'
          : minutes === 60
            ? 'rate(1 hour)'
            : minutes % 60 === 0
              ? `rate(${minutes / 60} hours)`
              : `rate(${minutes} minutes)`;
      expect(rule?.Properties).toMatchObject({
        Name: periodicRuleName(name),
        ScheduleExpression: expression,
        State: 'ENABLED',
      });
      expect(rule?.Properties.EventPattern).toBeUndefined();
      expect(rule?.Properties.Targets).toEqual([
        {
          Id: 'Target0',
          Arn: fnArn(name),
          RetryPolicy: {
            MaximumRetryAttempts: periodicRuleRetryAttempts,
            MaximumEventAgeInSeconds: minutes * 60,
          },
          DeadLetterConfig: { Arn: s.stateless.resolve(s.stateful.ruleDeadLetterQueue!.queueArn) },
        },
      ]);
    },
  );

  it('the sweeper rule is named confirm-and-send-sweeper and runs rate(5 minutes)', () => {
    s.statelessTemplate.hasResourceProperties('AWS::Events::Rule', {
      Name: 'confirm-and-send-sweeper',
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [{ Arn: fnArn('sweeper') }],
    });
  });

  it.each(periodic)('%s: only its rule may invoke it (resource policy)', (name) => {
    const permissions = Object.values(resourcesOf(s.statelessTemplate, 'AWS::Lambda::Permission')).filter(
      (p) => same(p.Properties.FunctionName, fnArn(name)),
    );
    expect(permissions.map((p) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: fnArn(name),
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalIdOf(s.stateless.functions[name].periodicRule!.rule), 'Arn'] },
      },
    ]);
  });

  it.each(periodic)(
    '%s: asynchronous invocations are not retried by Lambda and expire after one period',
    (name, spec) => {
      const configs = Object.values(
        resourcesOf(s.statelessTemplate, 'AWS::Lambda::EventInvokeConfig'),
      ).filter((c) =>
        same(c.Properties.FunctionName, { Ref: logicalIdOf(s.stateless.functions[name].function) }),
      );
      expect(configs.map((c) => c.Properties)).toEqual([
        {
          FunctionName: { Ref: logicalIdOf(s.stateless.functions[name].function) },
          Qualifier: '$LATEST',
          MaximumRetryAttempts: 0,
          MaximumEventAgeInSeconds: spec.trigger.minutes * 60,
        },
      ]);
    },
  );

  it('no function without an every trigger has a rule, nor an async invoke config but the schedule target', () => {
    for (const [name, spec] of functionEntries()) {
      if (spec.trigger.kind === 'every') continue;
      expect(s.stateless.functions[name].periodicRule, name).toBeUndefined();
    }
    const targets = functionEntries().filter(([, spec]) => spec.trigger.kind === 'schedule-target');
    s.statelessTemplate.resourceCountIs('AWS::Lambda::EventInvokeConfig', periodic.length + targets.length);
  });
});

describe('the periodic rules dead-letter queue', () => {
  it('is an encrypted queue of the stateful stack, kept 14 days, without a DLQ of its own', () => {
    const queue = resourcesOf(s.statefulTemplate, 'AWS::SQS::Queue')[
      logicalIdOf(s.stateful.ruleDeadLetterQueue!)
    ];
    expect(queue?.Properties).toMatchObject({
      QueueName: 'confirm-and-send-rules-dlq',
      MessageRetentionPeriod: 14 * 86_400,
      SqsManagedSseEnabled: true,
    });
    expect(queue?.Properties.RedrivePolicy).toBeUndefined();
  });

  it('accepts messages only from EventBridge rules named confirm-and-send-* of this account, over TLS', () => {
    const id = logicalIdOf(s.stateful.ruleDeadLetterQueue!);
    const statements = Object.values(resourcesOf(s.statefulTemplate, 'AWS::SQS::QueuePolicy'))
      .filter((p) => (p.Properties.Queues as unknown[]).some((q) => same(q, { Ref: id })))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements.filter((st) => st.Effect === 'Allow')).toEqual([
      {
        Sid: 'PeriodicRulesDeadLetters',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [id, 'Arn'] },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                ['arn:aws:events:eu-west-1:', { Ref: 'AWS::AccountId' }, ':rule/confirm-and-send-*'],
              ],
            },
          },
        },
      },
    ]);
    // Every rule name falls under that pattern.
    for (const rule of rules()) expect(String(rule.Properties.Name)).toMatch(/^confirm-and-send-/);
    expect(statements.some((st) => st.Effect === 'Deny')).toBe(true);
  });

  it('no function role may touch it', () => {
    const arn = JSON.stringify(s.stateless.resolve(s.stateful.ruleDeadLetterQueue!.queueArn));
    for (const policy of Object.values(resourcesOf(s.statelessTemplate, 'AWS::IAM::Policy'))) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).not.toContain(arn);
    }
  });
});

describe('IN_DOUBT_WINDOW_MINUTES', () => {
  it('is set from context inDoubtWindowMinutes, default 1440, for the functions that list it', () => {
    const listing = functionEntries().filter(([, spec]) =>
      spec.settings?.includes('IN_DOUBT_WINDOW_MINUTES'),
    );
    expect(listing.map(([name]) => name)).toContain('sweeper');
    for (const [name] of listing) expect(envOf(s, name).IN_DOUBT_WINDOW_MINUTES).toBe('1440');
    for (const [name, spec] of functionEntries()) {
      if (!spec.settings?.includes('IN_DOUBT_WINDOW_MINUTES')) {
        expect(envOf(s, name), name).not.toHaveProperty('IN_DOUBT_WINDOW_MINUTES');
      }
    }
    const tuned = synthesize({ inDoubtWindowMinutes: '90' });
    expect(envOf(tuned, 'sweeper').IN_DOUBT_WINDOW_MINUTES).toBe('90');
  });

  it.each(['0', '-5', '1.5', 'a day'])('refuses inDoubtWindowMinutes=%s', (value) => {
    expect(() => buildTestApp({ inDoubtWindowMinutes: value })).toThrow(/inDoubtWindowMinutes/);
  });
});

describe('ProjectFunction: the every trigger is generic', () => {
  const probe = (spec: FunctionSpec, periodicProps?: { ruleName: string }) => {
    const { stack, tableRefs, queueRefs } = probeStack();
    const rulesDlq = sqs.Queue.fromQueueArn(stack, 'RulesDlq', 'arn:aws:sqs:eu-west-1:1:rules-dlq');
    new ProjectFunction(stack, 'Probe', {
      spec,
      tables: tableRefs,
      logLevel: 'INFO',
      logRetention: logs.RetentionDays.ONE_DAY,
      queues: queueRefs,
      settings: {},
      ...(periodicProps ? { periodic: { ...periodicProps, deadLetterQueue: rulesDlq } } : {}),
    });
    return Template.fromStack(stack);
  };
  // The sweeper's trigger without what its resends need (SES, the signing key): the probe has neither.
  const { ses: _ses, secrets: _secrets, ...sweeper } = functions.sweeper;
  const base: FunctionSpec = { ...sweeper, settings: [] };

  it('any function and period: rate(1 minute), one-minute event age', () => {
    const template = probe(
      { ...base, trigger: { kind: 'every', minutes: 1 } },
      { ruleName: 'confirm-and-send-x' },
    );
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'confirm-and-send-x',
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        {
          RetryPolicy: { MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:1:rules-dlq' },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('refuses an every trigger without a rule, a fractional period, or a rule name outside the DLQ policy', () => {
    expect(() => probe(base)).toThrow(/every trigger needs/);
    expect(() =>
      probe({ ...base, trigger: { kind: 'every', minutes: 2.5 } }, { ruleName: 'confirm-and-send-x' }),
    ).toThrow(/whole number/);
    expect(() => probe(base, { ruleName: 'other-x' })).toThrow(/start with confirm-and-send-/);
  });

  it('names rules after the function, in kebab case', () => {
    expect(periodicRuleName('sweeper')).toBe('confirm-and-send-sweeper');
    expect(periodicRuleName('scheduledStart')).toBe('confirm-and-send-scheduled-start');
  });
});
