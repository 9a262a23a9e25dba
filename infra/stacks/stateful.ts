import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { type TableName, type TableSpec, tables } from '../topology.ts';

/** The Cognito groups that carry the roles (DESIGN section 3); handlers read them from `cognito:groups`. */
export const roleGroups = ['start-deliveries', 'prepare-deliveries', 'administration', 'workflow'] as const;

/**
 * Everything that holds data or identity and must outlive a redeploy of the code: the DynamoDB tables
 * (built from `topology.tables`) and the Cognito user pool with its console app client and role groups.
 * Termination protection is on; tables and the user pool are retained and deletion-protected.
 */
export class StatefulStack extends Stack {
  readonly tables: Record<TableName, dynamodb.TableV2>;
  readonly userPool: cognito.UserPool;
  readonly consoleClient: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, { terminationProtection: true, ...props });

    // TableV2 (AWS::DynamoDB::GlobalTable), chosen once: it is the current L2, it can gain replicas in other
    // regions later without replacing the table, and its settings (PITR, deletion protection) are per replica.
    // Switching to `Table` later would replace every table, so this choice is final.
    const built: Partial<Record<TableName, dynamodb.TableV2>> = {};
    for (const [name, spec] of Object.entries(tables) as Array<[TableName, TableSpec]>) {
      built[name] = new dynamodb.TableV2(this, `${pascal(name)}Table`, {
        partitionKey: stringKey(spec.partitionKey),
        ...(spec.sortKey ? { sortKey: stringKey(spec.sortKey) } : {}),
        globalSecondaryIndexes: spec.indexes.map((index) => ({
          indexName: index.name,
          partitionKey: stringKey(index.partitionKey),
          ...(index.sortKey ? { sortKey: stringKey(index.sortKey) } : {}),
          projectionType: dynamodb.ProjectionType.ALL,
        })),
        ...(spec.ttlAttribute ? { timeToLiveAttribute: spec.ttlAttribute } : {}),
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    this.tables = built as Record<TableName, dynamodb.TableV2>;

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Operators are invited by an administrator; nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Optional TOTP MFA; see the AwsSolutions-COG2 acknowledgement in infra/nag.ts.
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // Plus feature plan with threat protection enforcing (AwsSolutions-COG8): adaptive authentication and
      // compromised-credential checks on the accounts that can start mass sends.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The web console: a public client (no secret), SRP or password sign-in, no hosted-UI OAuth flows.
    // It sends the ID token to the HTTP API, whose JWT authorizer checks this client id as the audience.
    this.consoleClient = this.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    for (const groupName of roleGroups) {
      new cognito.UserPoolGroup(this, `${pascal(groupName)}Group`, { userPool: this.userPool, groupName });
    }

    // What the console needs to sign in.
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'ConsoleClientId', { value: this.consoleClient.userPoolClientId });
  }
}

const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

/** `start-deliveries` → `StartDeliveries`, `deliveryControl` → `DeliveryControl` (construct ids). */
export const pascal = (name: string): string =>
  name
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
