import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, functions, functionEntries } from '#topology/topology.ts';
import {
  allowing,
  asArray,
  buildTestApp,
  logicalIdOf,
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

const statementsOf = (name: FunctionName): Statement[] =>
  roleStatements(s.statelessTemplate, s.stateless.functions[name].role);
/** Every statement of every policy in the stateless stack (function roles and the scheduler role). */
const allStatements = (): Statement[] =>
  Object.values(resourcesOf(s.statelessTemplate, 'AWS::IAM::Policy')).flatMap(
    (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );

const accountRef = { Ref: 'AWS::AccountId' };
const dkimOutputs = (template: Template): string[] =>
  Object.keys(template.findOutputs('*')).filter((id) => /^DkimRecord\d$/.test(id));
const identityArn = () => ({
  'Fn::Join': [
    '',
    [
      'arn:aws:ses:eu-west-1:',
      accountRef,
      ':identity/',
      s.stateless.resolve(s.stateful.emailIdentity.emailIdentityName),
    ],
  ],
});
const configurationSetArn = () => ({
  'Fn::Join': [
    '',
    [
      'arn:aws:ses:eu-west-1:',
      accountRef,
      ':configuration-set/',
      s.stateless.resolve(s.stateful.configurationSet.configurationSetName),
    ],
  ],
});
const schedulesArn = {
  'Fn::Join': ['', ['arn:aws:scheduler:eu-west-1:', accountRef, ':schedule/confirm-and-send-deliveries/*']],
};
const schedulerRoleArn = () => ({ 'Fn::GetAtt': [logicalIdOf(s.stateless.schedulerRole), 'Arn'] });
const targetArn = () => ({
  'Fn::GetAtt': [logicalIdOf(s.stateless.functions.scheduledStart.function), 'Arn'],
});

describe('SES: sender identity and configuration set', () => {
  it('has a configuration set with reputation metrics and suppression of bounces and complaints', () => {
    s.statefulTemplate.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    s.statefulTemplate.hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: 'confirm-and-send',
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    s.statefulTemplate.hasOutput('ConfigurationSetName', {
      Value: { Ref: logicalIdOf(s.stateful.configurationSet) },
    });
  });

  it('has the sender identity from context (default example.com), sending through the configuration set', () => {
    s.statefulTemplate.resourceCountIs('AWS::SES::EmailIdentity', 1);
    s.statefulTemplate.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'example.com',
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: logicalIdOf(s.stateful.configurationSet) } },
    });
    // A domain: the three Easy DKIM records are outputs.
    expect(dkimOutputs(s.statefulTemplate)).toHaveLength(3);

    const address = synthesize({ senderIdentity: 'news@example.org' });
    address.statefulTemplate.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'news@example.org',
    });
    expect(dkimOutputs(address.statefulTemplate)).toHaveLength(0);
  });

  it.each(functionEntries())(
    "%s: ses:SendEmail and SendRawEmail only with ses: ['send'], on exactly the identity and configuration-set ARNs",
    (name, spec) => {
      const statements = statementsOf(name);
      for (const action of ['ses:SendEmail', 'ses:SendRawEmail']) {
        const resources = allowing(statements, action).flatMap((st) => asArray(st.Resource));
        if (spec.ses?.includes('send')) {
          expect(resources, `${name} ${action}`).toHaveLength(2);
          expect(resources).toContainEqual(identityArn());
          expect(resources).toContainEqual(configurationSetArn());
        } else {
          expect(resources, `${name} ${action}`).toEqual([]);
        }
      }
    },
  );

  it.each(functionEntries())(
    "%s: ses:GetAccount only with ses: ['account'], alone in a policy of its own",
    (name, spec) => {
      const getAccount = allowing(statementsOf(name), 'ses:GetAccount');
      const fn = s.stateless.functions[name];
      if (spec.ses?.includes('account')) {
        expect(getAccount).toEqual([{ Effect: 'Allow', Action: 'ses:GetAccount', Resource: '*' }]);
        const policy = resourcesOf(s.statelessTemplate, 'AWS::IAM::Policy')[
          logicalIdOf(fn.sesAccountPolicy!)
        ];
        expect((policy?.Properties.PolicyDocument as { Statement: Statement[] }).Statement).toEqual(
          getAccount,
        );
      } else {
        expect(getAccount).toEqual([]);
        expect(fn.sesAccountPolicy).toBeUndefined();
      }
    },
  );

  it('grants no other SES action, and no SES action on * but GetAccount', () => {
    const granted = allStatements().flatMap((st) =>
      asArray(st.Action)
        .filter((a) => a.startsWith('ses:'))
        .map((a) => [a, asArray(st.Resource)] as const),
    );
    expect(granted.length).toBeGreaterThan(0);
    for (const [action, resources] of granted) {
      expect(['ses:SendEmail', 'ses:SendRawEmail', 'ses:GetAccount']).toContain(action);
      if (action !== 'ses:GetAccount') expect(resources).not.toContain('*');
    }
  });
});

describe('EventBridge Scheduler', () => {
  it('has the schedule group (retained, name output) and its encrypted, TLS-only DLQ kept 14 days', () => {
    s.statefulTemplate.hasResource('AWS::Scheduler::ScheduleGroup', {
      DeletionPolicy: 'Retain',
      Properties: { Name: 'confirm-and-send-deliveries' },
    });
    s.statefulTemplate.hasOutput('ScheduleGroupName', { Value: 'confirm-and-send-deliveries' });
    s.statefulTemplate.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'confirm-and-send-schedules-dlq',
      MessageRetentionPeriod: 14 * 86_400,
      SqsManagedSseEnabled: true,
    });
  });

  it('has a scheduler role trusted by scheduler.amazonaws.com from this account only', () => {
    const role = resourcesOf(s.statelessTemplate, 'AWS::IAM::Role')[logicalIdOf(s.stateless.schedulerRole)];
    expect(role?.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': accountRef } },
        },
      ],
    });
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('lets the scheduler role invoke only the schedule-target function and write only to the schedule DLQ', () => {
    const statements = roleStatements(s.statelessTemplate, s.stateless.schedulerRole);
    const targets = functionEntries().filter(([, spec]) => spec.trigger.kind === 'schedule-target');
    expect(targets.map(([name]) => name)).toEqual(['scheduledStart']);
    expect(allowing(statements, 'lambda:InvokeFunction')).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: targetArn() },
    ]);
    const dlqArn = s.stateless.resolve(s.stateful.scheduleDeadLetterQueue.queueArn);
    expect(allowing(statements, 'sqs:SendMessage').flatMap((st) => asArray(st.Resource))).toEqual([dlqArn]);
    // Nothing else: every statement is one of those two.
    for (const st of statements) {
      expect(same(st.Resource, targetArn()) || same(st.Resource, dlqArn), JSON.stringify(st)).toBe(true);
      for (const action of asArray(st.Action)) expect(action).toMatch(/^(lambda:InvokeFunction|sqs:\w+)$/);
    }
    // No function role may invoke the target; no resource policy lets anything but API Gateway invoke functions.
    for (const [name] of functionEntries()) {
      expect(allowing(statementsOf(name), 'lambda:InvokeFunction'), name).toEqual([]);
    }
  });

  it.each(functionEntries())(
    '%s: scheduler actions on schedule/<group>/* and PassRole on the scheduler role only with schedules: true',
    (name, spec) => {
      const statements = statementsOf(name);
      const schedulerStatements = statements.filter((st) =>
        asArray(st.Action).some((a) => a.startsWith('scheduler:')),
      );
      const passRole = allowing(statements, 'iam:PassRole');
      if (spec.schedules) {
        expect(schedulerStatements).toEqual([
          {
            Effect: 'Allow',
            Action: [
              'scheduler:CreateSchedule',
              'scheduler:DeleteSchedule',
              'scheduler:GetSchedule',
              'scheduler:UpdateSchedule',
            ],
            Resource: schedulesArn,
          },
        ]);
        expect(passRole).toEqual([
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: schedulerRoleArn(),
            Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
          },
        ]);
      } else {
        expect(schedulerStatements).toEqual([]);
        expect(passRole).toEqual([]);
      }
    },
  );

  it('passes no role but the scheduler role, anywhere', () => {
    const passRole = allStatements().filter((st) => asArray(st.Action).some((a) => a.startsWith('iam:')));
    expect(passRole.length).toBeGreaterThan(0);
    for (const st of passRole) {
      expect(st.Action).toBe('iam:PassRole');
      expect(st.Resource).toEqual(schedulerRoleArn());
      expect(st.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    }
  });

  it('gives the schedule settings to the functions that list them (not the target its own ARN)', () => {
    const env = (name: FunctionName) =>
      (
        resourcesOf(s.statelessTemplate, 'AWS::Lambda::Function')[
          logicalIdOf(s.stateless.functions[name].function)
        ]?.Properties.Environment as { Variables: Record<string, unknown> }
      ).Variables;
    expect(env('deliveryControl')).toMatchObject({
      SCHEDULE_GROUP: 'confirm-and-send-deliveries',
      SCHEDULER_ROLE_ARN: schedulerRoleArn(),
      SCHEDULE_TARGET_ARN: targetArn(),
      SCHEDULE_DLQ_ARN: s.stateless.resolve(s.stateful.scheduleDeadLetterQueue.queueArn),
    });
    expect(env('scheduledStart')).not.toHaveProperty('SCHEDULE_TARGET_ARN');
    expect(env('sender')).toMatchObject({
      SES_CONFIGURATION_SET: s.stateless.resolve(s.stateful.configurationSet.configurationSetName),
      SENDER_MAX_CONCURRENCY: String(functions.sender.trigger.maxConcurrency),
    });
  });
});

describe('SES: custom MAIL FROM and tracking domains (deploy guide)', () => {
  it('sets neither by default', () => {
    const identity = Object.values(resourcesOf(s.statefulTemplate, 'AWS::SES::EmailIdentity'))[0]!;
    expect(identity.Properties.MailFromAttributes).toBeUndefined();
    const set = Object.values(resourcesOf(s.statefulTemplate, 'AWS::SES::ConfigurationSet'))[0]!;
    expect(set.Properties.TrackingOptions).toBeUndefined();
  });

  it('takes mailFromDomain (a subdomain of the sender domain) and trackingDomain (HTTPS required) from context', () => {
    const custom = synthesize({ mailFromDomain: 'mail.example.com', trackingDomain: 'Track.Example.com' });
    custom.statefulTemplate.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'example.com',
      MailFromAttributes: { MailFromDomain: 'mail.example.com', BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
    });
    custom.statefulTemplate.hasResourceProperties('AWS::SES::ConfigurationSet', {
      TrackingOptions: { CustomRedirectDomain: 'track.example.com', HttpsPolicy: 'REQUIRE' },
    });
  });

  it('refuses a MAIL FROM domain outside the sender domain, or with an address identity, and a bad host name', () => {
    expect(() => buildTestApp({ mailFromDomain: 'mail.example.org' })).toThrow(
      /mailFromDomain="mail.example.org" must be a subdomain of the sender identity domain/,
    );
    expect(() =>
      buildTestApp({ senderIdentity: 'news@example.com', mailFromDomain: 'mail.example.com' }),
    ).toThrow(/mailFromDomain/);
    expect(() => buildTestApp({ trackingDomain: 'https://track.example.com' })).toThrow(/trackingDomain/);
  });
});
