import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { pascal } from '#infra/stacks/stateful.ts';
import { tables, functionEntries } from '#topology/topology.ts';
import { buildTestApp } from './build.ts';

interface ValidationReport {
  pluginReports: Array<{
    summary: { pluginName: string; status: string };
    violations: Array<{
      ruleName: string;
      severity: string;
      violatingResources: Array<{ resourceLogicalId?: string }>;
    }>;
  }>;
}

/** Synthesizes with the cdk-nag plugin; returns whether synth failed and the validation report. */
function synthWithNag(app: App): { failed: boolean; error: unknown; report: ValidationReport } {
  let error: unknown;
  try {
    app.synth();
  } catch (e) {
    error = e;
  }
  const path = join(app.outdir, 'validation-report.json');
  expect(existsSync(path), 'validation-report.json written').toBe(true);
  return {
    failed: error !== undefined,
    error,
    report: JSON.parse(readFileSync(path, 'utf8')) as ValidationReport,
  };
}

/** Rule ids acknowledged anywhere in the tree, with their reasons (construct metadata written by acknowledge()). */
function acknowledgements(app: App): Array<{ path: string; id: string; reason: string }> {
  return app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged finding: synth succeeds and the report has no violations', () => {
    const { app } = buildTestApp();
    const { failed, error, report } = synthWithNag(app);
    const violations = report.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName));
    expect(violations).toEqual([]);
    expect(failed, String(error)).toBe(false);
  });

  it('acknowledges only the listed findings, each on its resource and with a reason', () => {
    const { app } = buildTestApp();
    synthWithNag(app);
    const acks = acknowledgements(app);
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(40);
    const entries = functionEntries();

    expect(acks.filter((a) => a.id.includes('COG2')).map((a) => a.path)).toEqual([
      'ConfirmAndSend-Stateful/UserPool',
    ]);

    // SQS: the job queues and their DLQs pass SQS2/SQS3/SQS4; only the schedule DLQ (a DLQ named by schedules
    // created at run time) and the periodic rules' DLQ (named by rule targets in the other stack) are
    // acknowledged, for SQS3. The SES events topic and its key pass SNS2/SNS3 and KMS5 without acknowledgement.
    expect(acks.filter((a) => /SQS|SNS|KMS/.test(a.id)).map((a) => [a.path, a.id])).toEqual([
      ['ConfirmAndSend-Stateful/ScheduleDeadLetterQueue', 'Annotation::AwsSolutions-SQS3'],
      ['ConfirmAndSend-Stateful/RuleDeadLetterQueue', 'Annotation::AwsSolutions-SQS3'],
    ]);

    const iam5 = acks.filter((a) => a.id.includes('AwsSolutions-IAM5'));
    const indexAcks = iam5.filter((a) => a.id.endsWith('/index/*]'));
    const expectedIndex = entries.flatMap(([name, spec]) =>
      Object.keys(spec.tables)
        .filter((t) => tables[t as keyof typeof tables].indexes.length > 0)
        .map((t) => `${name}:${t}`),
    );
    expect(indexAcks).toHaveLength(expectedIndex.length);
    for (const ack of indexAcks)
      expect(ack.id).toMatch(/^Annotation::AwsSolutions-IAM5\[Resource::.*\/index\/\*\]$/);

    // `*` only on one-statement policies: ses:GetAccount of each `ses: ['account']` function, and the X-Ray
    // actions of every function (active tracing); and the console deployment's CloudFront invalidations (below).
    expect(
      iam5
        .filter((a) => a.id === 'Annotation::AwsSolutions-IAM5[Resource::*]')
        .map((a) => a.path)
        .filter((path) => !path.endsWith('/ConsoleContent/DeploymentRole'))
        .sort(),
    ).toEqual(
      [
        ...entries
          .filter(([, spec]) => spec.ses?.includes('account'))
          .map(([name]) => `ConfirmAndSend-Stateless/${pascal(name)}/Role/SesAccountPolicy`),
        ...entries.map(([name]) => `ConfirmAndSend-Stateless/${pascal(name)}/Role/TracingPolicy`),
      ].sort(),
    );

    // The schedules of the app's group: only for `schedules: true` functions, on their role.
    expect(
      iam5
        .filter((a) => a.id.includes(':schedule/'))
        .map((a) => [a.path, a.id])
        .sort(),
    ).toEqual(
      entries
        .filter(([, spec]) => spec.schedules)
        .map(([name]) => [
          `ConfirmAndSend-Stateless/${pascal(name)}/Role`,
          'Annotation::AwsSolutions-IAM5[Resource::arn:aws:scheduler:eu-west-1:<AWS::AccountId>:schedule/confirm-and-send-deliveries/*]',
        ])
        .sort(),
    );

    // The console deployment's role (aws-cdk-lib's BucketDeployment grants): exactly these, on that role only.
    const deploymentRole = 'ConfirmAndSend-Stateless/ConsoleContent/DeploymentRole';
    const deploymentAcks = iam5.filter((a) => a.path === deploymentRole);
    expect(deploymentAcks.map((a) => a.id.replace(/^Annotation::/, '')).sort()).toEqual(
      [
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-eu-west-1/*]',
        expect.stringMatching(/^AwsSolutions-IAM5\[Resource::\{"Fn::GetStackOutput".*SiteBucket.*\}\/\*\]$/),
      ].sort(),
    );

    const accountFunctions = entries.filter(([, spec]) => spec.ses?.includes('account')).length;
    const schedulingFunctions = entries.filter(([, spec]) => spec.schedules).length;
    expect(iam5).toHaveLength(
      expectedIndex.length + accountFunctions + entries.length + schedulingFunctions + deploymentAcks.length,
    );
    // The unsubscribe signing key is not rotated (links already sent must keep working), and the public
    // one-click unsubscribe routes have no authorizer (a signed token instead): on exactly those resources.
    expect(acks.filter((a) => /SMG4|APIG4/.test(a.id)).map((a) => [a.path, a.id])).toEqual([
      ['ConfirmAndSend-Stateful/UnsubscribeKeySecret', 'Annotation::AwsSolutions-SMG4'],
      ['ConfirmAndSend-Stateless/HttpApi/GET--unsubscribe--{token}', 'Annotation::AwsSolutions-APIG4'],
      ['ConfirmAndSend-Stateless/HttpApi/POST--unsubscribe--{token}', 'Annotation::AwsSolutions-APIG4'],
    ]);
    // The console's distribution (no geo restriction, no WAF, the default certificate's TLS floor) and the
    // runtime of the console deployment's handler (aws-cdk-lib's BucketDeployment).
    expect(acks.filter((a) => /CFR|L1/.test(a.id)).map((a) => [a.path, a.id])).toEqual([
      ['ConfirmAndSend-Console/Distribution', 'Annotation::AwsSolutions-CFR1'],
      ['ConfirmAndSend-Console/Distribution', 'Annotation::AwsSolutions-CFR2'],
      ['ConfirmAndSend-Console/Distribution', 'Annotation::AwsSolutions-CFR4'],
      [
        expect.stringMatching(/^ConfirmAndSend-Stateless\/Custom::CDKBucketDeployment[0-9A-F]+$/),
        'Annotation::AwsSolutions-L1',
      ],
    ]);
    expect(acks).toHaveLength(1 + 2 + 3 + iam5.length + 4);
  });

  it('fails synth on an unencrypted queue without DLQ or TLS policy (SQS2, SQS3, SQS4 are live)', () => {
    const { app, stateful } = buildTestApp();
    new sqs.Queue(stateful, 'Careless', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const { failed, report } = synthWithNag(app);
    expect(failed).toBe(true);
    const rules = report.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName));
    expect(rules).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
  });

  it('fails synth on a new finding (the plugin is really active)', () => {
    const { app, stateless } = buildTestApp();
    const role = stateless.functions.logs.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
    const { failed, report } = synthWithNag(app);
    expect(failed).toBe(true);
    const rules = report.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName));
    expect(rules).toContain('AwsSolutions-IAM5[Action::dynamodb:*]');
    expect(rules).toContain('AwsSolutions-IAM5[Resource::*]');
  });
});
