import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type Access, type FunctionSpec, functionEnvironment, type TableName } from '../topology.ts';

/** Repository root: entries in the topology are relative to it. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The one Lambda runtime of the project (DESIGN section 3); the bundles target the same Node major. */
export const projectRuntime = lambda.Runtime.NODEJS_24_X;

/** Powertools service name shared by every function; the function name is in every log line anyway. */
export const serviceName = 'confirm-and-send';

export interface ProjectFunctionProps {
  /** The function's entry in `topology.functions`. */
  readonly spec: FunctionSpec;
  /** Every table of the topology; the function is granted (and told about) only those its spec names. */
  readonly tables: Record<TableName, ITableV2>;
  /** Powertools log level (`LOG_LEVEL`). */
  readonly logLevel: string;
  /** CloudWatch Logs retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The function defaults of the project, in one place: Node 24 on arm64, an ESM bundle built locally by
 * esbuild, source maps, its own log group with a retention, Powertools settings, the environment and the
 * table grants its topology entry declares, and a role that holds nothing else.
 */
export class ProjectFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    super(scope, id);
    const { spec } = props;

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });

    // Our own role instead of the default one: the default attaches the AWSLambdaBasicExecutionRole managed
    // policy (logs:CreateLogGroup and PutLogEvents on every log group). This role may only write to the
    // function's own log group, plus the table grants below.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${id}: ${spec.description}`,
    });
    this.logGroup.grantWrite(this.role);

    const tableNames = Object.fromEntries(
      Object.entries(props.tables).map(([name, table]) => [name, table.tableName]),
    ) as Record<TableName, string>;

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(repoRoot, spec.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      description: spec.description,
      runtime: projectRuntime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName,
        LOG_LEVEL: props.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
        ...functionEnvironment(spec, tableNames),
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        // ESM output: dependencies that still call require() (CommonJS inside the bundle) need one.
        banner: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Ship the exact AWS SDK versions pinned in package-lock.json (the ones the tests and the local
        // runtime run) instead of whatever SDK the managed runtime carries that day. Costs some bundle size.
        bundleAwsSDK: true,
      },
    });

    // Least privilege: exactly the access the topology declares, table by table (indexes included).
    for (const [name, access] of Object.entries(spec.tables) as Array<[TableName, Access]>) {
      const table = props.tables[name];
      if (access === 'read') table.grantReadData(this.role);
      else if (access === 'write') table.grantWriteData(this.role);
      else table.grantReadWriteData(this.role);
    }
  }
}
