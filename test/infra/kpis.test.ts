/**
 * The KPI functions in the stacks (issue #9): the hourly stats aggregation (its rule, target, dead-letter queue and
 * grants) and compute-stats, which operators invoke by name and nothing else triggers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { periodicRuleName, periodicRuleRetryAttempts } from '#infra/constructs/periodic-run.ts';
import { functions, type TableName, tableNameList } from '#topology/topology.ts';
import {
  asArray,
  logicalIdOf,
  resourcesOf,
  roleStatements,
  same,
  type Synthesized,
  synthesize,
} from './build.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const fnArn = (name: 'statsAggregation' | 'computeStats') => ({
  'Fn::GetAtt': [logicalIdOf(s.stateless.functions[name].function), 'Arn'],
});
const tableArn = (t: TableName) => s.stateless.resolve(s.stateful.tables[t].tableArn);

/** The services a function's role may call, and the tables its DynamoDB statements name. */
const grants = (name: 'statsAggregation' | 'computeStats') => {
  const statements = roleStatements(s.statelessTemplate, s.stateless.functions[name].role).filter(
    (st) => st.Effect === 'Allow',
  );
  const services = new Set(statements.flatMap((st) => asArray(st.Action).map((a) => a.split(':')[0])));
  const tablesWith = (action: string) =>
    tableNameList().filter((t) =>
      statements.some(
        (st) => asArray(st.Action).includes(action) && asArray(st.Resource).some((r) => same(r, tableArn(t))),
      ),
    );
  return { services, tablesWith };
};

describe('stats-aggregation: every hour', () => {
  it('is an every-60-minutes function in the topology', () => {
    expect(functions.statsAggregation.trigger).toEqual({ kind: 'every', minutes: 60 });
  });

  it('has its rule rate(1 hour), targeting the function with retries, an event age of an hour and the rules DLQ', () => {
    const rule = resourcesOf(s.statelessTemplate, 'AWS::Events::Rule')[
      logicalIdOf(s.stateless.functions.statsAggregation.periodicRule!.rule)
    ];
    expect(rule?.Properties).toMatchObject({
      Name: periodicRuleName('statsAggregation'),
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
    });
    expect(periodicRuleName('statsAggregation')).toBe('confirm-and-send-stats-aggregation');
    expect(rule?.Properties.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: fnArn('statsAggregation'),
        RetryPolicy: { MaximumRetryAttempts: periodicRuleRetryAttempts, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: s.stateless.resolve(s.stateful.ruleDeadLetterQueue!.queueArn) },
      },
    ]);
  });

  it('may read and write the deliveries and events tables only; no queue, SES, scheduler or Lambda action', () => {
    const { services, tablesWith } = grants('statsAggregation');
    expect([...services].sort()).toEqual(['dynamodb', 'logs', 'xray']);
    expect(tablesWith('dynamodb:Query')).toEqual(['deliveries', 'events']);
    expect(tablesWith('dynamodb:PutItem')).toEqual(['deliveries', 'events']);
  });
});

describe('compute-stats: invoked directly', () => {
  it('has a fixed name operators invoke (aws lambda invoke --function-name confirm-and-send-compute-stats)', () => {
    const fn = resourcesOf(s.statelessTemplate, 'AWS::Lambda::Function')[
      logicalIdOf(s.stateless.functions.computeStats.function)
    ];
    expect(fn?.Properties.FunctionName).toBe('confirm-and-send-compute-stats');
  });

  it('has no trigger: no event source, no rule, no schedule, no resource policy letting a service invoke it', () => {
    expect(functions.computeStats.trigger).toEqual({ kind: 'direct' });
    const ref = { Ref: logicalIdOf(s.stateless.functions.computeStats.function) };
    const mappings = Object.values(resourcesOf(s.statelessTemplate, 'AWS::Lambda::EventSourceMapping'));
    expect(mappings.filter((m) => same(m.Properties.FunctionName, ref))).toEqual([]);
    expect(s.stateless.functions.computeStats.periodicRule).toBeUndefined();
    const permissions = Object.values(resourcesOf(s.statelessTemplate, 'AWS::Lambda::Permission')).filter(
      (p) => same(p.Properties.FunctionName, fnArn('computeStats')) || same(p.Properties.FunctionName, ref),
    );
    expect(permissions).toEqual([]);
    const invokeConfigs = Object.values(resourcesOf(s.statelessTemplate, 'AWS::Lambda::EventInvokeConfig'));
    expect(invokeConfigs.filter((c) => same(c.Properties.FunctionName, ref))).toEqual([]);
  });

  it('has no HTTP route (the API keeps POST /deliveries/{id}/compute-stats on the deliveries function)', () => {
    const integrations = Object.values(resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Integration'));
    expect(JSON.stringify(integrations)).not.toContain(
      logicalIdOf(s.stateless.functions.computeStats.function),
    );
    const keys = Object.values(resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey,
    );
    expect(keys).toContain('POST /deliveries/{id}/compute-stats');
  });

  it('reads the sending log and tracking log, writes only the deliveries table; no queue, SES or Lambda action', () => {
    const { services, tablesWith } = grants('computeStats');
    expect([...services].sort()).toEqual(['dynamodb', 'logs', 'xray']);
    expect(tablesWith('dynamodb:Query')).toEqual(['deliveries', 'recipients', 'events']);
    expect(tablesWith('dynamodb:UpdateItem')).toEqual(['deliveries']);
  });
});
