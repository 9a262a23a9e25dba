/**
 * The web console in AWS: its site (ConsoleStack: a private, TLS-only, versioned, encrypted, logged S3 bucket
 * behind CloudFront with origin access control, the console's routing and security headers), its content
 * (the stateless stack's deployment of the build and config.json), the HTTP API's CORS origin, and the Cognito
 * app client's managed login (authorization code from a public client, the console's callback and sign-out URLs).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ASSETS_PREFIX, IMMUTABLE, REVALIDATE } from '#infra/constructs/console-content.ts';
import { SPA_ROUTING_CODE, signInDomainPrefix } from '#infra/stacks/console.ts';
import { type Resource, resourcesOf, type Synthesized, same, synthesize } from './build.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const one = (template: Synthesized['consoleTemplate'], type: string): [string, Resource] => {
  const found = Object.entries(resourcesOf(template, type));
  expect(found, type).toHaveLength(1);
  return found[0]!;
};

const siteBucketId = () => s.console.getLogicalId(s.console.bucket.node.defaultChild as never);
const logsBucketId = () => s.console.getLogicalId(s.console.logsBucket.node.defaultChild as never);

describe('console site: the S3 bucket', () => {
  it('is private (all four public-access blocks), versioned, encrypted and logs its access to the logs bucket', () => {
    const bucket = resourcesOf(s.consoleTemplate, 'AWS::S3::Bucket')[siteBucketId()]!;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: logsBucketId() }, LogFilePrefix: 's3/' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    // Build output only: deleted (and emptied) with the stack; the logs are kept.
    expect(bucket.DeletionPolicy).toBe('Delete');
    expect(resourcesOf(s.consoleTemplate, 'AWS::S3::Bucket')[logsBucketId()]!.DeletionPolicy).toBe('Retain');
  });

  it('refuses every request without TLS, on both buckets', () => {
    for (const id of [siteBucketId(), logsBucketId()]) {
      const policy = Object.values(resourcesOf(s.consoleTemplate, 'AWS::S3::BucketPolicy')).find((p) =>
        same(p.Properties.Bucket, { Ref: id }),
      )!;
      const statements = (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> })
        .Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('lets only this distribution read it, through its origin access control (no OAI)', () => {
    const policy = Object.values(resourcesOf(s.consoleTemplate, 'AWS::S3::BucketPolicy')).find((p) =>
      same(p.Properties.Bucket, { Ref: siteBucketId() }),
    )!;
    const statements = (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> })
      .Statement;
    const [distributionId] = one(s.consoleTemplate, 'AWS::CloudFront::Distribution');
    const cloudfront = statements.filter((st) => same(st.Principal, { Service: 'cloudfront.amazonaws.com' }));
    expect(cloudfront).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [siteBucketId(), 'Arn'] }, '/*']] },
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudfront::',
                  { Ref: 'AWS::AccountId' },
                  ':distribution/',
                  { Ref: distributionId },
                ],
              ],
            },
          },
        },
      },
    ]);
    // Nobody else is allowed anything but the stack's own object cleaner (emptying the bucket on delete).
    const others = statements.filter(
      (st) => st.Effect === 'Allow' && !same(st.Principal, { Service: 'cloudfront.amazonaws.com' }),
    );
    expect(others.map((st) => JSON.stringify(st.Principal))).toEqual([
      expect.stringContaining('CustomS3AutoDeleteObjectsCustomResourceProviderRole'),
    ]);
    s.consoleTemplate.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
  });
});

describe('console site: the distribution', () => {
  it('reads the bucket through an origin access control that signs every request (SigV4)', () => {
    const [oacId, oac] = one(s.consoleTemplate, 'AWS::CloudFront::OriginAccessControl');
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const [, distribution] = one(s.consoleTemplate, 'AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig as Record<string, unknown>;
    expect(config.Origins).toEqual([
      expect.objectContaining({
        DomainName: { 'Fn::GetAtt': [siteBucketId(), 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      }),
    ]);
  });

  it('serves HTTPS only (HTTP redirected), GET and HEAD, compressed, with its headers policy and logs', () => {
    const [, distribution] = one(s.consoleTemplate, 'AWS::CloudFront::Distribution');
    const [policyId] = one(s.consoleTemplate, 'AWS::CloudFront::ResponseHeadersPolicy');
    const [functionId] = one(s.consoleTemplate, 'AWS::CloudFront::Function');
    expect(distribution.Properties.DistributionConfig).toMatchObject({
      Enabled: true,
      DefaultRootObject: 'index.html',
      DefaultCacheBehavior: {
        ViewerProtocolPolicy: 'redirect-to-https',
        AllowedMethods: ['GET', 'HEAD'],
        Compress: true,
        ResponseHeadersPolicyId: { Ref: policyId },
        FunctionAssociations: [
          { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
        ],
      },
      Logging: { Bucket: { 'Fn::GetAtt': [logsBucketId(), 'RegionalDomainName'] }, Prefix: 'cloudfront/' },
      // A missing file (S3 answers 403 without ListBucket) is a 404 with the console's page.
      CustomErrorResponses: [
        { ErrorCode: 403, ResponseCode: 404, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 10 },
        { ErrorCode: 404, ResponseCode: 404, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 10 },
      ],
    });
  });

  it("routes the console's pages to index.html and leaves files alone (the embedded runtime's URLs)", () => {
    const [, fn] = one(s.consoleTemplate, 'AWS::CloudFront::Function');
    expect(fn.Properties.FunctionCode).toBe(SPA_ROUTING_CODE);
    expect(fn.Properties.FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
    const handler = runInNewContext(`${SPA_ROUTING_CODE}\nhandler`) as (event: {
      request: { uri: string };
    }) => { uri: string };
    const routed = (uri: string) => handler({ request: { uri } }).uri;
    for (const page of [
      '/',
      '/console',
      '/console/',
      '/console/deliveries',
      '/console/deliveries/d-1/edit',
      '/console/profiles/p.with.dots',
      '/console/auth/callback',
      '/console/sign-in',
    ]) {
      expect(routed(page), page).toBe('/index.html');
    }
    for (const file of ['/config.json', '/favicon.svg', '/assets/index-abc.js', '/index.html', '/consoles'])
      expect(routed(file), file).toBe(file);
  });

  it('sends a CSP naming the API and Cognito hosts of the region, HSTS, nosniff, DENY framing, same-origin referrer', () => {
    const [, policy] = one(s.consoleTemplate, 'AWS::CloudFront::ResponseHeadersPolicy');
    const config = policy.Properties.ResponseHeadersPolicyConfig as {
      SecurityHeadersConfig: Record<string, Record<string, unknown>>;
    };
    const headers = config.SecurityHeadersConfig;
    expect(headers.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: 730 * 24 * 3600,
      IncludeSubdomains: true,
      Override: true,
    });
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
    expect(headers.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(headers.ReferrerPolicy).toEqual({ ReferrerPolicy: 'same-origin', Override: true });
    const csp = s.console.resolve(headers.ContentSecurityPolicy!.ContentSecurityPolicy) as {
      'Fn::Join': [string, unknown[]];
    };
    const text = csp['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<account>')).join('');
    const directives = Object.fromEntries(
      text.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)] as const),
    );
    expect(directives['upgrade-insecure-requests']).toEqual([]);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual([
      "'self'",
      'https://*.execute-api.eu-west-1.amazonaws.com',
      'https://cognito-idp.eu-west-1.amazonaws.com',
      `https://${signInDomainPrefix('<account>')}.auth.eu-west-1.amazoncognito.com`,
    ]);
  });
});

describe('console content: the build and config.json, deployed with the code', () => {
  const deployments = () =>
    Object.entries(resourcesOf(s.statelessTemplate, 'Custom::CDKBucketDeployment')).map(([id, r]) => ({
      id,
      ...r,
    }));
  const assets = () => deployments().find((d) => d.Properties.DestinationBucketKeyPrefix === ASSETS_PREFIX)!;
  const pages = () => deployments().find((d) => d.Properties.DestinationBucketKeyPrefix === undefined)!;

  it('writes the hashed files (cached a year, never pruned), then the pages (revalidated) and invalidates the cache', () => {
    expect(deployments()).toHaveLength(2);
    const bucket = s.stateless.resolve(s.console.bucket.bucketName);
    expect(assets().Properties).toMatchObject({
      DestinationBucketName: bucket,
      Prune: false,
      SystemMetadata: { 'cache-control': IMMUTABLE },
    });
    expect(pages().Properties).toMatchObject({
      DestinationBucketName: bucket,
      Prune: false,
      SystemMetadata: { 'cache-control': REVALIDATE },
      DistributionId: s.stateless.resolve(s.console.distribution.distributionId),
      DistributionPaths: ['/*'],
    });
    // A new index.html never names a file that is not there yet.
    expect((pages() as Record<string, unknown>).DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ConsoleContentAssets/)]),
    );
  });

  it('writes config.json: the API URL, Cognito managed login for the console client, its URLs on the console origin', () => {
    const { SourceObjectKeys, SourceMarkers } = pages().Properties as {
      SourceObjectKeys: string[];
      SourceMarkers: Array<Record<string, unknown>>;
    };
    // The second source is config.json (Source.jsonData), staged in the cloud assembly with deploy-time markers.
    const hash = SourceObjectKeys[1]!.replace(/\.zip$/, '');
    let text = readFileSync(join(s.app.outdir, `asset.${hash}`, 'config.json'), 'utf8');
    const values = new Map<string, string>();
    for (const [marker, value] of Object.entries(SourceMarkers[1]!)) {
      const placeholder = `{{${values.size}}}`;
      values.set(placeholder, JSON.stringify(value));
      text = text.replaceAll(marker, placeholder);
    }
    const config = JSON.parse(text) as Record<string, unknown>;
    const resolved = (token: string) => JSON.stringify(s.stateless.resolve(token));
    const marker = (value: unknown) => values.get(String(value).replace(/^.*?(\{\{\d+\}\}).*$/, '$1'));
    const auth = config.auth as Record<string, string>;
    expect(Object.keys(config).sort()).toEqual(['apiUrl', 'auth']);
    expect(marker(config.apiUrl)).toBe(resolved(s.stateless.api.apiEndpoint));
    expect(auth.mode).toBe('cognito');
    expect(auth.scope).toBe('openid email profile');
    expect(auth.authority).toMatch(/^https:\/\/cognito-idp\.eu-west-1\.amazonaws\.com\/\{\{\d+\}\}$/);
    expect(marker(auth.authority)).toBe(resolved(s.stateful.userPool.userPoolId));
    expect(marker(auth.clientId)).toBe(resolved(s.stateful.consoleClient.userPoolClientId));
    expect(auth.domain).toMatch(/^https:\/\/\{\{\d+\}\}\.auth\.eu-west-1\.amazoncognito\.com$/);
    expect(marker(auth.domain)).toBe(resolved(s.stateful.signInDomain.domainName));
    expect(auth.redirectUri).toMatch(/^https:\/\/\{\{\d+\}\}\/console\/auth\/callback$/);
    expect(auth.signOutUri).toMatch(/^https:\/\/\{\{\d+\}\}\/console\/sign-in$/);
    const distributionDomain = resolved(s.console.distribution.distributionDomainName);
    expect(marker(auth.redirectUri)).toBe(distributionDomain);
    expect(marker(auth.signOutUri)).toBe(distributionDomain);
  });
});

describe('the console origin: CORS and the Cognito client', () => {
  it("allows CORS from the distribution's origin only, by default", () => {
    s.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: [s.stateless.resolve(s.console.origin)] }),
    });
    expect(JSON.stringify(s.stateless.resolve(s.console.origin))).toContain('DomainName');
  });

  it('has a console client for managed login: the authorization code flow from a public client, the console URLs', () => {
    const [, client] = one(s.statefulTemplate, 'AWS::Cognito::UserPoolClient');
    const origin = s.stateful.resolve(s.console.origin) as { 'Fn::Join': [string, unknown[]] };
    const at = (path: string) => ({ 'Fn::Join': ['', [...origin['Fn::Join'][1], path]] });
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: [at('/console/auth/callback')],
      LogoutURLs: [at('/console/sign-in')],
    });
    // No implicit grant and no client credentials: a browser app, PKCE protects its code.
    expect(client.Properties.AllowedOAuthFlows).not.toContain('implicit');
  });

  it("has the managed-login domain (the newer pages) and Cognito's own style for the console client", () => {
    const [, domain] = one(s.statefulTemplate, 'AWS::Cognito::UserPoolDomain');
    expect(domain.Properties).toMatchObject({
      ManagedLoginVersion: 2,
      Domain: { 'Fn::Join': ['', ['confirm-and-send-', { Ref: 'AWS::AccountId' }]] },
    });
    const [clientId] = one(s.statefulTemplate, 'AWS::Cognito::UserPoolClient');
    const [, branding] = one(s.statefulTemplate, 'AWS::Cognito::ManagedLoginBranding');
    expect(branding.Properties).toMatchObject({
      ClientId: { Ref: clientId },
      UseCognitoProvidedValues: true,
    });
  });

  it('takes context consoleOrigin instead, for CORS, the client URLs and config.json alike', () => {
    const other = synthesize({ consoleOrigin: 'https://console.example.com' });
    other.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://console.example.com'] }),
    });
    other.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: ['https://console.example.com/console/auth/callback'],
      LogoutURLs: ['https://console.example.com/console/sign-in'],
    });
    const pages = Object.values(resourcesOf(other.statelessTemplate, 'Custom::CDKBucketDeployment')).find(
      (d) => d.Properties.DestinationBucketKeyPrefix === undefined,
    )!;
    const hash = (pages.Properties.SourceObjectKeys as string[])[1]!.replace(/\.zip$/, '');
    const config = JSON.parse(
      readFileSync(join(other.app.outdir, `asset.${hash}`, 'config.json'), 'utf8'),
    ) as {
      auth: Record<string, string>;
    };
    expect(config.auth.redirectUri).toBe('https://console.example.com/console/auth/callback');
    expect(config.auth.signOutUri).toBe('https://console.example.com/console/sign-in');
  });

  it('deploys the console site first: it depends on no stack; the stateful and stateless stacks name it', () => {
    expect(s.console.dependencies).toEqual([]);
    expect(s.stateful.dependencies).toContain(s.console);
    expect(s.stateless.dependencies).toEqual(expect.arrayContaining([s.console, s.stateful]));
  });
});
