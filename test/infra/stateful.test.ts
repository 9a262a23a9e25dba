import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { roleGroups } from '#infra/stacks/stateful.ts';
import { projectionOf, type TableName, type TableSpec, tables } from '#topology/topology.ts';
import { resourcesOf, type Synthesized, synthesize } from './build.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const tableEntries = Object.entries(tables) as Array<[TableName, TableSpec]>;

const keySchema = (partitionKey: string, sortKey?: string) => [
  { AttributeName: partitionKey, KeyType: 'HASH' },
  ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' }] : []),
];

describe('stateful stack: DynamoDB tables from topology.tables', () => {
  it('has exactly one table per topology entry, retained on delete and replace', () => {
    const found = resourcesOf(s.statefulTemplate, 'AWS::DynamoDB::GlobalTable');
    expect(Object.keys(found)).toHaveLength(tableEntries.length);
    for (const resource of Object.values(found)) {
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it.each(tableEntries)(
    '%s: keys, string attributes, GSIs with their projections, TTL, on-demand, PITR, deletion protection',
    (name, spec) => {
      const logicalId = s.stateful.getLogicalId(s.stateful.tables[name].node.defaultChild as never);
      const props = resourcesOf(s.statefulTemplate, 'AWS::DynamoDB::GlobalTable')[logicalId]?.Properties;
      expect(props, `table ${name}`).toBeDefined();
      expect(props).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: keySchema(spec.partitionKey, spec.sortKey),
        Replicas: [
          {
            Region: 'eu-west-1',
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          },
        ],
      });
      const attributes = props?.AttributeDefinitions as Array<{
        AttributeName: string;
        AttributeType: string;
      }>;
      const keyNames = new Set([
        spec.partitionKey,
        ...(spec.sortKey ? [spec.sortKey] : []),
        ...spec.indexes.flatMap((i) => [i.partitionKey, ...(i.sortKey ? [i.sortKey] : [])]),
      ]);
      expect(new Set(attributes.map((a) => a.AttributeName))).toEqual(keyNames);
      for (const attribute of attributes) expect(attribute.AttributeType).toBe('S');

      const gsis = (props?.GlobalSecondaryIndexes ?? []) as Array<Record<string, unknown>>;
      expect(gsis).toHaveLength(spec.indexes.length);
      for (const index of spec.indexes) {
        const projection = projectionOf(index);
        expect(gsis).toContainEqual({
          IndexName: index.name,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection:
            projection.type === 'INCLUDE'
              ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection.attributes] }
              : { ProjectionType: projection.type },
        });
      }

      if (spec.ttlAttribute) {
        expect(props?.TimeToLiveSpecification).toEqual({ AttributeName: spec.ttlAttribute, Enabled: true });
      } else {
        expect(props?.TimeToLiveSpecification).toBeUndefined();
      }
    },
  );

  it('projects only keys (or the in-doubt time) on the recipients indexes: no later write of an entry rewrites them', () => {
    const props = (name: TableName) =>
      resourcesOf(s.statefulTemplate, 'AWS::DynamoDB::GlobalTable')[
        s.stateful.getLogicalId(s.stateful.tables[name].node.defaultChild as never)
      ]?.Properties;
    const projections = Object.fromEntries(
      (props('recipients')?.GlobalSecondaryIndexes as Array<{ IndexName: string; Projection: unknown }>).map(
        (index) => [index.IndexName, index.Projection],
      ),
    );
    expect(projections).toEqual({
      byProfile: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['sesMessageId'] },
      inDoubt: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['updatedAt'] },
    });
    // A profile by its address (feedback notifications), keys only.
    expect(props('profiles')?.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byEmail',
        KeySchema: [{ AttributeName: 'emailKey', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
    // The delivery lists show whole deliveries: their indexes keep everything (written per transition only).
    for (const index of props('deliveries')?.GlobalSecondaryIndexes as Array<{ Projection: unknown }>) {
      expect(index.Projection).toEqual({ ProjectionType: 'ALL' });
    }
  });

  it('declares TTL on the events and idempotency tables (topology sanity)', () => {
    expect(tables.events.ttlAttribute).toBe('expiresAt');
    expect(tables.idempotency.ttlAttribute).toBe('expiration');
  });
});

describe('stateful stack: Cognito', () => {
  it('has a user pool without self sign-up, with email sign-in and a strong password policy, retained', () => {
    s.statefulTemplate.resourceCountIs('AWS::Cognito::UserPool', 1);
    s.statefulTemplate.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        UsernameAttributes: ['email'],
        DeletionProtection: 'ACTIVE',
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
      }),
    });
  });

  it('has exactly the four role groups', () => {
    const groups = Object.values(resourcesOf(s.statefulTemplate, 'AWS::Cognito::UserPoolGroup')).map(
      (g) => g.Properties.GroupName,
    );
    expect(groups.sort()).toEqual([...roleGroups].sort());
    expect(roleGroups).toEqual(['start-deliveries', 'prepare-deliveries', 'administration', 'workflow']);
  });

  it('has one public console client (no secret) with SRP and password auth (its OAuth flows: console.test.ts)', () => {
    s.statefulTemplate.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    const client = Object.values(resourcesOf(s.statefulTemplate, 'AWS::Cognito::UserPoolClient'))[0]!
      .Properties;
    expect(client.GenerateSecret).not.toBe(true);
    expect(new Set(client.ExplicitAuthFlows as string[])).toEqual(
      new Set(['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
    );
  });

  it('has termination protection; the stateless stack does not need it', () => {
    expect(s.stateful.terminationProtection).toBe(true);
    expect(s.stateless.terminationProtection).toBe(false);
  });

  it('pins the region (default eu-west-1, context `region` overrides)', () => {
    expect(s.stateful.region).toBe('eu-west-1');
    expect(s.stateless.region).toBe('eu-west-1');
    const other = synthesize({ region: 'us-west-2' });
    expect(other.stateless.region).toBe('us-west-2');
    other.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: {
        Issuer: { 'Fn::Join': ['', Match.arrayWith(['https://cognito-idp.us-west-2.amazonaws.com/'])] },
      },
    });
  });
});
