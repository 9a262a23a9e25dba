import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { functions, tables } from '../../infra/topology.ts';
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

  it('acknowledges only COG2 on the user pool and IAM5 <table>/index/* per function and indexed table, each with a reason', () => {
    const { app } = buildTestApp();
    synthWithNag(app);
    const acks = acknowledgements(app);
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(40);

    expect(acks.filter((a) => a.id.includes('COG2')).map((a) => a.path)).toEqual([
      'ConfirmAndSend-Stateful/UserPool',
    ]);

    const expectedIam5 = Object.entries(functions).flatMap(([name, spec]) =>
      Object.keys(spec.tables)
        .filter((t) => tables[t as keyof typeof tables].indexes.length > 0)
        .map((t) => `${name}:${t}`),
    );
    const iam5 = acks.filter((a) => a.id.includes('AwsSolutions-IAM5'));
    expect(iam5).toHaveLength(expectedIam5.length);
    for (const ack of iam5)
      expect(ack.id).toMatch(/^Annotation::AwsSolutions-IAM5\[Resource::.*\/index\/\*\]$/);
    expect(acks).toHaveLength(1 + expectedIam5.length);
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
