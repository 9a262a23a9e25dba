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

  it('puts the JWT authorizer on every route', () => {
    const [authorizerId] = Object.keys(resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Authorizer'));
    const found = Object.values(resourcesOf(s.statelessTemplate, 'AWS::ApiGatewayV2::Route'));
    expect(found).toHaveLength(routes.length);
    for (const route of found) {
      expect(route.Properties.AuthorizationType, String(route.Properties.RouteKey)).toBe('JWT');
      expect(route.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
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
    s.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['http://localhost:3000'],
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
