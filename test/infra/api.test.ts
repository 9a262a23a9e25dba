import type { CfnResource } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { corsAllowHeaders } from '#infra/stacks/stateless.ts';
import { functionEntries, httpRoutes } from '#topology/topology.ts';
import { logicalIdOf, resourcesOf, type Synthesized, synthesize } from './build.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const routes = httpRoutes();

describe('HTTP API', () => {
  it('has one route per topology route, including the ones with a colon', () => {
    const keys = Object.values(resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey,
    );
    expect(keys.sort()).toEqual(routes.map((r) => r.routeKey).sort());
    expect(keys).toContain('POST /profiles:batch');
    expect(keys).toContain('POST /audiences/{id}/members:batch');
  });

  it('has one JWT authorizer: Cognito issuer of the user pool, audience the console client', () => {
    s.statelessTemplate.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    s.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [s.stateless.resolve(s.stateful.consoleClient.userPoolClientId)],
        Issuer: {
          'Fn::Join': [
            '',
            [
              'https://cognito-idp.eu-west-1.amazonaws.com/',
              s.stateless.resolve(s.stateful.userPool.userPoolId),
            ],
          ],
        },
      },
    });
  });

  it('puts the JWT authorizer on every route but the public unsubscribe ones, which have none', () => {
    const [authorizerId] = Object.keys(resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Authorizer'));
    const found = Object.values(resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Route'));
    expect(found).toHaveLength(routes.length);
    const open = found
      .filter((r) => r.Properties.AuthorizationType !== 'JWT')
      .map((r) => r.Properties.RouteKey);
    expect(open.sort()).toEqual(['GET /unsubscribe/{token}', 'POST /unsubscribe/{token}']);
    expect(
      routes
        .filter((r) => r.auth === 'none')
        .map((r) => r.routeKey)
        .sort(),
    ).toEqual(open.sort());
    for (const route of found) {
      const key = String(route.Properties.RouteKey);
      if (open.includes(key)) {
        expect(route.Properties.AuthorizationType, key).toBe('NONE');
        expect(route.Properties.AuthorizerId, key).toBeUndefined();
      } else {
        expect(route.Properties.AuthorizationType, key).toBe('JWT');
        expect(route.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
      }
    }
  });

  it('throttles the public routes on their own, below the stage default, after they exist', () => {
    const [stageId, stage] = Object.entries(resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Stage'))[0]!;
    const throttle = { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 };
    expect(stage.Properties.RouteSettings).toEqual({
      'GET /unsubscribe/{token}': throttle,
      'POST /unsubscribe/{token}': throttle,
    });
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
    const routeIds = Object.entries(resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Route'))
      .filter(([, r]) => r.Properties.AuthorizationType === 'NONE')
      .map(([id]) => id);
    const dependsOn = (s.statelessTemplate.toJSON().Resources[stageId].DependsOn ?? []) as string[];
    for (const id of routeIds) expect(dependsOn).toContain(id);
  });

  it('makes the unsubscribe signing key at deploy time and lets only the signing and verifying functions read it', () => {
    const secrets = resourcesOf(s.statefulTemplate, 'AWS::SecretsManager::Secret');
    const [secretId, secret] = Object.entries(secrets)[0]!;
    expect(Object.keys(secrets)).toHaveLength(1);
    // A generated value: nothing in the template, nothing in the repository.
    expect(secret.Properties.GenerateSecretString).toEqual({
      PasswordLength: 64,
      ExcludePunctuation: true,
      IncludeSpace: false,
    });
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(s.statefulTemplate.toJSON().Resources[secretId].DeletionPolicy).toBe('Retain');
    const readers = functionEntries()
      .filter(([, spec]) => spec.secrets?.includes('unsubscribeKey'))
      .map(([name]) => name)
      .sort();
    expect(readers).toEqual(['proofs', 'sender', 'sweeper', 'unsubscribe']);
    const secretArn = s.stateless.resolve(s.stateful.secrets.unsubscribeKey.secretArn);
    const policies = Object.entries(resourcesOf(s.statelessTemplate, 'AWS::IAM::Policy'));
    const granted = policies
      .filter(([, p]) =>
        (
          p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }
        ).Statement.some(
          (st) =>
            JSON.stringify(st.Resource) === JSON.stringify(secretArn) &&
            ([] as unknown[]).concat(st.Action).includes('secretsmanager:GetSecretValue'),
        ),
      )
      .map(([, p]) => JSON.stringify(p.Properties.Roles));
    expect(granted).toHaveLength(readers.length);
    for (const name of readers) {
      const role = s.stateless.resolve(s.stateless.functions[name].role.roleName);
      expect(granted).toContain(JSON.stringify([role]));
    }
    // The functions get the secret's ARN, never its value.
    for (const name of readers) {
      const fn = s.stateless.functions[name].function.node.defaultChild as CfnResource;
      const env = s.statelessTemplate.toJSON().Resources[logicalIdOf(fn)].Properties.Environment
        .Variables as Record<string, unknown>;
      expect(env.UNSUBSCRIBE_KEY_SECRET).toEqual(secretArn);
    }
  });

  it('sends each route to the function the topology names', () => {
    const integrations = resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Integration');
    const byKey = new Map(
      Object.values(resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Route')).map((r) => [
        r.Properties.RouteKey as string,
        r.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] },
      ]),
    );
    for (const route of routes) {
      const target = byKey.get(route.routeKey);
      const integrationId = target?.['Fn::Join'][1][1].Ref ?? '';
      const uri = integrations[integrationId]?.Properties.IntegrationUri;
      const fn = s.stateless.functions[route.functionName].function.node.defaultChild as CfnResource;
      expect(uri, route.routeKey).toEqual({ 'Fn::GetAtt': [s.stateless.getLogicalId(fn), 'Arn'] });
    }
  });

  it('allows the console origin with the Authorization, Content-Type and Idempotency-Key headers', () => {
    // The origin itself (the console distribution's, or context consoleOrigin): console.test.ts.
    s.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: [Match.anyValue()],
        AllowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
        AllowMethods: Match.arrayWith(['GET', 'POST', 'PATCH', 'OPTIONS']),
      }),
    });
    expect(corsAllowHeaders).toEqual(['Authorization', 'Content-Type', 'Idempotency-Key']);
    const other = synthesize({ consoleOrigin: 'https://console.example.com' });
    other.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://console.example.com'] }),
    });
  });

  it('has a $default stage with auto-deploy, throttling and JSON access logs to a retained log group', () => {
    s.statelessTemplate.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const stage = Object.values(resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Stage'))[0]!.Properties;
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    const settings = stage.AccessLogSettings as {
      DestinationArn: { 'Fn::GetAtt': [string, string] };
      Format: string;
    };
    const [logGroupId] = settings.DestinationArn['Fn::GetAtt'];
    expect(
      resourcesOf(s.statelessTemplate, 'AWS::Logs::LogGroup')[logGroupId]?.Properties.RetentionInDays,
    ).toBe(90);
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      authorizerError: '$context.authorizer.error',
    });
  });

  it('lets API Gateway invoke each function only from this API (and EventBridge only a periodic function, from its rule)', () => {
    const permissions = Object.values(resourcesOf(s.statelessTemplate, 'AWS::Lambda::Permission'));
    expect(permissions.length).toBeGreaterThan(0);
    const periodic = functionEntries()
      .filter(([, spec]) => spec.trigger.kind === 'every')
      .map(([name]) => s.stateless.functions[name]);
    for (const p of permissions) {
      if (p.Properties.Principal === 'events.amazonaws.com') {
        const fn = periodic.find(
          (f) =>
            JSON.stringify(p.Properties.FunctionName) ===
            JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(f.function), 'Arn'] }),
        );
        expect(fn, JSON.stringify(p.Properties.FunctionName)).toBeDefined();
        expect(p.Properties.SourceArn).toEqual({
          'Fn::GetAtt': [logicalIdOf(fn!.periodicRule!.rule), 'Arn'],
        });
        continue;
      }
      expect(p.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(p.Properties.SourceArn)).toContain(
        s.stateless.getLogicalId(s.stateless.api.node.defaultChild as CfnResource),
      );
    }
  });
});
