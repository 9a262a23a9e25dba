/**
 * Builds the CDK app exactly as `cdk synth` does (same `buildApp`, same cdk.json context and feature flags),
 * but with asset bundling skipped by default. `new App()` does not read cdk.json, so its context is passed here.
 * The infra vitest project sets CDK_VALIDATION=false (skips the slow built-in CloudFormation validation;
 * plugins such as cdk-nag still run).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Template } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { buildApp, type ConfirmAndSendStacks } from '#infra/app.ts';
import { repoRoot } from '#infra/constructs/project-function.ts';
import { type QueueName, queues, type TableName, tables } from '#topology/topology.ts';

export const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
  app: string;
  context: Record<string, unknown>;
};

export interface BuiltApp extends ConfirmAndSendStacks {
  app: App;
}

/**
 * A stand-in for console/dist (index.html, a public file and one hashed script): the templates depend on the
 * build only through its asset hash, so the infra tests neither need nor wait for a Vite build.
 */
export const fixtureConsoleDist = (() => {
  let dir: string | undefined;
  return (): string => {
    if (dir) return dir;
    dir = mkdtempSync(join(tmpdir(), 'console-dist-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><script type="module" src="/assets/index-abc.js"></script>',
    );
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'export {};');
    return dir;
  };
})();

export function buildTestApp(extraContext: Record<string, unknown> = {}): BuiltApp {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'cdk-test-')),
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...extraContext },
  });
  return { app, ...buildApp(app, { consoleDist: fixtureConsoleDist() }) };
}

export interface Synthesized extends BuiltApp {
  stateful: ConfirmAndSendStacks['stateful'];
  stateless: ConfirmAndSendStacks['stateless'];
  statefulTemplate: Template;
  statelessTemplate: Template;
  consoleTemplate: Template;
}

export function synthesize(extraContext: Record<string, unknown> = {}): Synthesized {
  const built = buildTestApp(extraContext);
  return {
    ...built,
    statefulTemplate: Template.fromStack(built.stateful),
    statelessTemplate: Template.fromStack(built.stateless),
    consoleTemplate: Template.fromStack(built.console),
  };
}

/** `Resources` of a template, typed loosely for inspection. */
export type Resource = { Type: string; Properties: Record<string, unknown> } & Record<string, unknown>;
export const resourcesOf = (template: Template, type: string): Record<string, Resource> =>
  template.findResources(type) as Record<string, Resource>;

/** One IAM policy statement, typed loosely. */
export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** Structural equality of CloudFormation values (references included). */
export const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every statement of every `AWS::IAM::Policy` attached to `role` (default policy and any other). */
export function roleStatements(template: Template, role: IRole): Statement[] {
  const stack = Stack.of(role);
  const ref = { Ref: stack.getLogicalId(role.node.defaultChild as CfnElement) };
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => same(r, ref)))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The statements of `statements` that allow `action` (exact name), with their resources. */
export const allowing = (statements: Statement[], action: string): Statement[] =>
  statements.filter((st) => st.Effect === 'Allow' && asArray(st.Action).includes(action));

/** The logical id of a construct's CloudFormation resource in its own stack. */
export const logicalIdOf = (construct: IConstruct): string =>
  Stack.of(construct).getLogicalId(
    (construct instanceof CfnElement ? construct : construct.node.defaultChild) as CfnElement,
  );

/**
 * An empty stack to build one ProjectFunction in, with references to every table and queue of the topology (by
 * name and ARN): what a construct test needs to see what a spec alone makes.
 */
export const probeStack = () => {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Probe', { env: { region: 'eu-west-1' } });
  const tableRefs = Object.fromEntries(
    Object.keys(tables).map((t) => [t, dynamodb.TableV2.fromTableName(stack, `T${t}`, t)]),
  ) as Record<TableName, dynamodb.ITableV2>;
  const queueRefs = Object.fromEntries(
    Object.keys(queues).map((q) => [
      q,
      sqs.Queue.fromQueueArn(stack, `Q${q}`, `arn:aws:sqs:eu-west-1:1:${q}`),
    ]),
  ) as Record<QueueName, sqs.IQueue>;
  return { app, stack, tableRefs, queueRefs };
};
