import type { CfnResource } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { serviceName } from '#infra/constructs/project-function.ts';
import {
  type Access,
  deadLetterEnv,
  type FunctionName,
  functions,
  queueEnv,
  type SettingName,
  type TableName,
  tableEnv,
  tables,
  functionEntries,
  tableNameList,
} from '#topology/topology.ts';
import {
  buildTestApp,
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

const tableNames = tableNameList();

const READ = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:Scan'];
const WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every IAM statement of every policy in the stateless stack. */
const allStatements = (): Statement[] =>
  Object.values(resourcesOf(s.statelessTemplate, 'AWS::IAM::Policy')).flatMap(
    (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );

const logicalId = (resource: CfnResource): string => s.stateless.getLogicalId(resource);
const functionResource = (name: FunctionName): Resource => {
  const cfn = s.stateless.functions[name].function.node.defaultChild as CfnResource;
  const found = resourcesOf(s.statelessTemplate, 'AWS::Lambda::Function')[logicalId(cfn)];
  if (!found) throw new Error(`no function resource for ${name}`);
  return found;
};
const policyStatements = (name: FunctionName): Statement[] => {
  const policy = s.stateless.functions[name].role.node.tryFindChild('DefaultPolicy');
  const cfn = policy?.node.defaultChild as CfnResource | undefined;
  if (!cfn) throw new Error(`no policy for ${name}`);
  const found = resourcesOf(s.statelessTemplate, 'AWS::IAM::Policy')[logicalId(cfn)];
  if (!found) throw new Error(`no policy resource for ${name}`);
  return (found.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
};

/** The table ARN, and its index ARN, as they appear in the stateless stack (cross-stack references). */
const tableArn = (t: TableName) => s.stateless.resolve(s.stateful.tables[t].tableArn);
const indexArn = (t: TableName) => ({ 'Fn::Join': ['', [tableArn(t), '/index/*']] });

/** Actions a function's policy allows on one table (or its indexes). */
const actionsOn = (statements: Statement[], arn: unknown): Set<string> =>
  new Set(
    statements
      .filter((st) => st.Effect === 'Allow' && asArray(st.Resource).some((r) => same(r, arn)))
      .flatMap((st) => asArray(st.Action)),
  );

describe('functions: one per topology entry, with the project defaults', () => {
  it('has exactly one Lambda function per topology function (and the console deployment handler)', () => {
    const functions = Object.keys(resourcesOf(s.statelessTemplate, 'AWS::Lambda::Function'));
    const deployment = functions.filter((id) => id.startsWith('CustomCDKBucketDeployment'));
    expect(deployment).toHaveLength(1);
    expect(functions).toHaveLength(functionEntries().length + 1);
  });

  it.each(functionEntries())(
    '%s: nodejs24.x, arm64, timeout, memory, own log group with retention',
    (name, spec) => {
      const props = functionResource(name).Properties;
      expect(props.Runtime).toBe('nodejs24.x');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.Timeout).toBe(spec.timeoutSeconds);
      expect(props.MemorySize).toBe(spec.memoryMb);
      expect(props.Handler).toBe('index.handler');
      const logGroup = s.stateless.functions[name].logGroup.node.defaultChild as CfnResource;
      expect(props.LoggingConfig).toEqual({ LogGroup: { Ref: logicalId(logGroup) } });
      const group = resourcesOf(s.statelessTemplate, 'AWS::Logs::LogGroup')[logicalId(logGroup)];
      expect(group?.Properties.RetentionInDays).toBe(30);
    },
  );

  it.each(functionEntries())(
    '%s: environment holds exactly its tables, the URLs of the queues it sends to (and of its trigger queue if it receives more from it) and of the DLQs it refuses to, its settings and Powertools',
    (name, spec) => {
      const env = (functionResource(name).Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      const expected: Record<string, unknown> = {
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'ConfirmAndSend',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_ERROR: 'true',
        POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        POWERTOOLS_LOGGER_SAMPLE_RATE: '0.01',
        LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      };
      for (const t of Object.keys(spec.tables) as TableName[]) {
        expected[tableEnv(t)] = s.stateless.resolve(s.stateful.tables[t].tableName);
      }
      const receivesFrom =
        spec.trigger.kind === 'queue' && spec.trigger.receivesMore ? [spec.trigger.queue] : [];
      for (const q of [...receivesFrom, ...(spec.sendsTo ?? [])]) {
        expected[queueEnv(q)] = s.stateless.resolve(s.stateful.queues[q].queue.queueUrl);
      }
      for (const q of spec.refusesTo ?? []) {
        expected[deadLetterEnv(q)] = s.stateless.resolve(s.stateful.queues[q].deadLetterQueue.queueUrl);
      }
      const fn = (n: FunctionName) => s.stateless.functions[n].function.node.defaultChild as CfnResource;
      const settings: Record<SettingName, unknown> = {
        SES_CONFIGURATION_SET: s.stateless.resolve(s.stateful.configurationSet.configurationSetName),
        SEND_RATE_FRACTION: '0.8',
        SEND_RATE_LIMIT: undefined, // no context: not set
        SENDER_MAX_CONCURRENCY: String(functions.sender.trigger.maxConcurrency),
        SCHEDULE_GROUP: 'confirm-and-send-deliveries',
        SCHEDULER_ROLE_ARN: {
          'Fn::GetAtt': [logicalId(s.stateless.schedulerRole.node.defaultChild as CfnResource), 'Arn'],
        },
        SCHEDULE_TARGET_ARN: { 'Fn::GetAtt': [logicalId(fn('scheduledStart')), 'Arn'] },
        SCHEDULE_DLQ_ARN: s.stateless.resolve(s.stateful.scheduleDeadLetterQueue.queueArn),
        IN_DOUBT_WINDOW_MINUTES: '1440',
        EVENTS_VISIBILITY_TIMEOUT_SECONDS: '360', // the events queue's (6 × the ingester's 60 s)
        UNSUBSCRIBE_KEY_SECRET: s.stateless.resolve(s.stateful.secrets.unsubscribeKey.secretArn),
        UNSUBSCRIBE_BASE_URL: s.stateless.resolve(s.stateless.api.apiEndpoint),
        UNSUBSCRIBE_MAILTO: undefined, // no context: not set
        GUARD_BOUNCE_RATE: '0.04',
        GUARD_COMPLAINT_RATE: '0.0008',
        GUARD_MIN_PROCESSED: '200',
      };
      for (const setting of spec.settings ?? []) {
        if (settings[setting] !== undefined) expected[setting] = settings[setting];
      }
      expect(env).toEqual(expected);
    },
  );

  it('takes SEND_RATE_FRACTION and SEND_RATE_LIMIT from context, and refuses values out of range', () => {
    const tuned = synthesize({ sendRateFraction: '0.5', sendRateLimit: '14' });
    const env = (n: FunctionName) =>
      (
        resourcesOf(tuned.statelessTemplate, 'AWS::Lambda::Function')[
          tuned.stateless.getLogicalId(tuned.stateless.functions[n].function.node.defaultChild as CfnResource)
        ]?.Properties.Environment as { Variables: Record<string, unknown> }
      ).Variables;
    expect(env('sender')).toMatchObject({ SEND_RATE_FRACTION: '0.5', SEND_RATE_LIMIT: '14' });
    expect(env('starter').SEND_RATE_LIMIT).toBeUndefined();
    expect(() => buildTestApp({ sesMaxSendRate: '0' })).toThrow(/sesMaxSendRate/);
    expect(() => buildTestApp({ sendRateFraction: '1.5' })).toThrow(/sendRateFraction/);
    expect(() => buildTestApp({ sendRateFraction: '0' })).toThrow(/sendRateFraction/);
    expect(() => buildTestApp({ sendRateLimit: '-1' })).toThrow(/sendRateLimit/);
  });

  it('sizes the send event source for SES_MAX_SEND_RATE: enough invocations for the rate through SES latency', () => {
    const concurrency = (context: Record<string, string>) => {
      const synthesized = synthesize(context);
      const sender = synthesized.stateless.getLogicalId(
        synthesized.stateless.functions.sender.function.node.defaultChild as CfnResource,
      );
      const mapping = Object.values(
        resourcesOf(synthesized.statelessTemplate, 'AWS::Lambda::EventSourceMapping'),
      ).find((m) => (m.Properties.FunctionName as { Ref?: string }).Ref === sender);
      const env = (
        resourcesOf(synthesized.statelessTemplate, 'AWS::Lambda::Function')[sender]?.Properties
          .Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(env.SENDER_MAX_CONCURRENCY).toBe(
        String((mapping?.Properties.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency),
      );
      return Number(env.SENDER_MAX_CONCURRENCY);
    };
    // 1,000/s at 80 %: 800 × 0.25 s (p99) × 1.5 / 32 calls in flight each → 10 invocations; a cap lowers it.
    expect(concurrency({ sesMaxSendRate: '1000' })).toBe(10);
    expect(concurrency({ sesMaxSendRate: '10000' })).toBe(94);
    expect(concurrency({ sesMaxSendRate: '10000', sendRateLimit: '100' })).toBe(2);
  });

  it('sizes the events event source for the events that rate makes SES publish, never below 5', () => {
    const concurrency = (context: Record<string, string>) => {
      const synthesized = synthesize(context);
      const ingester = synthesized.stateless.getLogicalId(
        synthesized.stateless.functions.ingester.function.node.defaultChild as CfnResource,
      );
      const mapping = Object.values(
        resourcesOf(synthesized.statelessTemplate, 'AWS::Lambda::EventSourceMapping'),
      ).find((m) => (m.Properties.FunctionName as { Ref?: string }).Ref === ingester);
      return (mapping?.Properties.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency;
    };
    // 8,000 sends/s at 80 % of 10,000: 16,000 events/s in batches of 100 taking 0.25 s, × 1.5 → 60.
    expect(concurrency({})).toBe(5);
    expect(concurrency({ sesMaxSendRate: '1000' })).toBe(6);
    expect(concurrency({ sesMaxSendRate: '10000' })).toBe(60);
  });

  it('takes LOG_LEVEL from context', () => {
    const debug = synthesize({ logLevel: 'DEBUG' });
    const functions = resourcesOf(debug.statelessTemplate, 'AWS::Lambda::Function');
    for (const fn of Object.entries(functions)
      .filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'))
      .map(([, f]) => f)) {
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.LOG_LEVEL).toBe(
        'DEBUG',
      );
    }
  });
});

describe('IAM: least privilege from the topology', () => {
  it.each(functionEntries())('%s: DynamoDB actions per table match the declared access', (name, spec) => {
    const statements = policyStatements(name);
    for (const t of tableNames) {
      const access: Access | undefined = spec.tables[t];
      const onTable = actionsOn(statements, tableArn(t));
      const onIndexes = actionsOn(statements, indexArn(t));
      const label = `${name} on ${t} (${access ?? 'none'})`;
      if (access === undefined) {
        expect(onTable.size, label).toBe(0);
        expect(onIndexes.size, label).toBe(0);
        continue;
      }
      const canRead = access === 'read' || access === 'read-write';
      const canWrite = access === 'write' || access === 'read-write';
      for (const action of READ) expect(onTable.has(action), `${label}: ${action}`).toBe(canRead);
      for (const action of WRITE) expect(onTable.has(action), `${label}: ${action}`).toBe(canWrite);
      // Indexes: granted with the table when it has any, never anything the table itself does not get.
      if (tables[t].indexes.length > 0) {
        expect(onIndexes, label).toEqual(onTable);
      } else {
        expect(onIndexes.size, label).toBe(0);
      }
    }
  });

  it.each(functionEntries())('%s: no SES action at all unless the topology gives it ses', (name, spec) => {
    // Every policy of the role (ses:GetAccount sits in a policy of its own).
    const sesActions = roleStatements(s.statelessTemplate, s.stateless.functions[name].role)
      .flatMap((st) => asArray(st.Action))
      .filter((a) => a.startsWith('ses:'));
    if (spec.ses === undefined || spec.ses.length === 0) expect(sesActions, name).toEqual([]);
    else expect(sesActions.length, name).toBeGreaterThan(0);
  });

  it('the logs function can only read: no DynamoDB write action at all', () => {
    const actions = new Set(policyStatements('logs').flatMap((st) => asArray(st.Action)));
    for (const action of WRITE) expect(actions.has(action), action).toBe(false);
    expect(actions.has('dynamodb:Query')).toBe(true);
  });

  it('every function role writes only to its own log group and has no managed policy', () => {
    for (const [name] of functionEntries()) {
      const logGroup = s.stateless.functions[name].logGroup.node.defaultChild as CfnResource;
      const logStatements = policyStatements(name).filter((st) =>
        asArray(st.Action).some((a) => a.startsWith('logs:')),
      );
      expect(logStatements, name).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logicalId(logGroup), 'Arn'] },
        },
      ]);
    }
    for (const role of Object.values(resourcesOf(s.statelessTemplate, 'AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('no statement anywhere allows dynamodb:* or any DynamoDB action on Resource "*"', () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(0);
    for (const st of statements) {
      const actions = asArray(st.Action);
      expect(actions).not.toContain('dynamodb:*');
      expect(actions).not.toContain('*');
      if (actions.some((a) => a.startsWith('dynamodb:'))) expect(asArray(st.Resource)).not.toContain('*');
    }
  });

  it('only actions from a known, data-plane list are granted on tables (no admin actions)', () => {
    const allowed = new Set([
      ...READ,
      ...WRITE,
      'dynamodb:ConditionCheckItem',
      'dynamodb:DescribeTable',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
    const granted = allStatements()
      .flatMap((st) => asArray(st.Action))
      .filter((a) => a.startsWith('dynamodb:'));
    for (const action of granted) expect(allowed.has(action), action).toBe(true);
  });
});
