/**
 * Operations in the template: X-Ray active tracing and its permissions on every function, the Powertools log
 * sampling from context, the scheduled start's failure path (Lambda's on-failure destination to the schedules DLQ)
 * and the fixed names that keep the deliveries' schedules valid across a stateless-stack replacement.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_QUEUE_PREFIX, SCHEDULE_TARGET_FUNCTION } from '#scripts/redrive.ts';
import { type FunctionName, functionEntries } from '#topology/topology.ts';
import {
  allowing,
  asArray,
  buildTestApp,
  logicalIdOf,
  type Resource,
  resourcesOf,
  roleStatements,
  type Synthesized,
  synthesize,
} from './build.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const functionResource = (built: Synthesized, name: FunctionName): Resource =>
  resourcesOf(built.statelessTemplate, 'AWS::Lambda::Function')[
    logicalIdOf(built.stateless.functions[name].function)
  ]!;

describe('tracing', () => {
  it.each(functionEntries())('%s: X-Ray active tracing, allowed by a policy of its own', (name) => {
    const fn = functionResource(s, name);
    expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    const policyId = logicalIdOf(s.stateless.functions[name].tracingPolicy);
    const policy = resourcesOf(s.statelessTemplate, 'AWS::IAM::Policy')[policyId];
    expect(policy?.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
      ],
    });
    expect(policy?.Properties.Roles).toEqual([{ Ref: logicalIdOf(s.stateless.functions[name].role) }]);
    // The function is created once the policy is attached: its first invocation can already send traces.
    expect(asArray(fn.DependsOn as string | string[])).toContain(policyId);
  });

  it('grants X-Ray actions nowhere else', () => {
    for (const [name] of functionEntries()) {
      const statements = roleStatements(s.statelessTemplate, s.stateless.functions[name].role);
      expect(allowing(statements, 'xray:PutTraceSegments'), name).toHaveLength(1);
    }
  });
});

describe('Powertools log sampling', () => {
  it('takes logSampleRate from context (default 0.01) and refuses a value outside 0 to 1', () => {
    const sampled = synthesize({ logSampleRate: '0.5' });
    for (const [name] of functionEntries()) {
      const env = (
        functionResource(sampled, name).Properties.Environment as { Variables: Record<string, string> }
      ).Variables;
      expect(env.POWERTOOLS_LOGGER_SAMPLE_RATE, name).toBe('0.5');
    }
    expect(() => buildTestApp({ logSampleRate: '2' })).toThrow(/logSampleRate/);
  });
});

describe('the scheduled start failure path', () => {
  const targets = functionEntries().filter(([, spec]) => spec.trigger.kind === 'schedule-target');

  it('has one schedule target', () => {
    expect(targets.map(([name]) => name)).toEqual(['scheduledStart']);
  });

  it('sends the invocations Lambda gave up on (2 retries, an hour at most) to the schedules DLQ', () => {
    const configs = Object.values(resourcesOf(s.statelessTemplate, 'AWS::Lambda::EventInvokeConfig')).filter(
      (c) =>
        JSON.stringify(c.Properties.FunctionName) ===
        JSON.stringify({ Ref: logicalIdOf(s.stateless.functions.scheduledStart.function) }),
    );
    expect(configs).toHaveLength(1);
    expect(configs[0]!.Properties).toMatchObject({
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: {
        OnFailure: { Destination: s.stateless.resolve(s.stateful.scheduleDeadLetterQueue.queueArn) },
      },
    });
    // Its role may send there (Lambda delivers the record with the function's role).
    const statements = roleStatements(s.statelessTemplate, s.stateless.functions.scheduledStart.role);
    expect(allowing(statements, 'sqs:SendMessage').flatMap((st) => asArray(st.Resource))).toContainEqual(
      s.stateless.resolve(s.stateful.scheduleDeadLetterQueue.queueArn),
    );
  });

  it('refuses a schedule target without an on-failure destination', async () => {
    const { ProjectFunction } = await import('#infra/constructs/project-function.ts');
    const { stateless } = buildTestApp();
    const [, spec] = targets[0]!;
    expect(
      () =>
        new ProjectFunction(stateless, 'Careless', {
          spec,
          tables: {} as never,
          logLevel: 'INFO',
          logRetention: 30,
          queues: {} as never,
          settings: {},
        }),
    ).toThrow(/on-failure destination/);
  });
});

describe('fixed names: the schedules survive a replacement of the stateless stack', () => {
  it('names the schedule target confirm-and-send-scheduled-start, as npm run redrive -- schedules invokes it', () => {
    expect(functionResource(s, 'scheduledStart').Properties.FunctionName).toBe(
      'confirm-and-send-scheduled-start',
    );
    expect(SCHEDULE_TARGET_FUNCTION).toBe('confirm-and-send-scheduled-start');
    expect(SCHEDULE_TARGET_FUNCTION.startsWith(`${AWS_QUEUE_PREFIX}-`)).toBe(true);
  });

  it('names the scheduler role confirm-and-send-scheduler-<region> (IAM names are account-wide)', () => {
    const role = resourcesOf(s.statelessTemplate, 'AWS::IAM::Role')[logicalIdOf(s.stateless.schedulerRole)];
    expect(role?.Properties.RoleName).toBe('confirm-and-send-scheduler-eu-west-1');
    const other = synthesize({ region: 'us-east-2' });
    const otherRole = resourcesOf(other.statelessTemplate, 'AWS::IAM::Role')[
      logicalIdOf(other.stateless.schedulerRole)
    ];
    expect(otherRole?.Properties.RoleName).toBe('confirm-and-send-scheduler-us-east-2');
  });

  it('leaves every other function (but those operators invoke by name) and role its generated name', () => {
    const named = Object.values(resourcesOf(s.statelessTemplate, 'AWS::Lambda::Function')).filter(
      (f) => f.Properties.FunctionName !== undefined,
    );
    expect(named.map((f) => f.Properties.FunctionName).sort()).toEqual([
      'confirm-and-send-compute-stats',
      'confirm-and-send-scheduled-start',
    ]);
    const namedRoles = Object.values(resourcesOf(s.statelessTemplate, 'AWS::IAM::Role')).filter(
      (r) => r.Properties.RoleName !== undefined,
    );
    expect(namedRoles).toHaveLength(1);
  });
});
