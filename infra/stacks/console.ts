import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { resourcePrefix } from '#infra/constructs/job-queue.ts';
import { consoleContentSecurityPolicy } from '#local/console/security.ts';

/**
 * The prefix of the user pool's managed-login domain, `https://<prefix>.auth.<region>.amazoncognito.com`: one per
 * account and region (prefixes are unique within a region), known before the pool exists so that the console's
 * Content-Security-Policy can name it exactly.
 */
export const signInDomainPrefix = (account: string): string => `${resourcePrefix}-${account}`;

/** The console's own pages (react-router's paths): every one answers index.html, as local/console/serve.ts does. */
export const CONSOLE_PATH_PREFIX = '/console';

/** Where Cognito's managed login sends the user back with the authorization code (console/src/auth/cognito.ts). */
export const consoleCallbackUrl = (origin: string): string => `${origin}${CONSOLE_PATH_PREFIX}/auth/callback`;
/** Where Cognito's managed login sends the user after signing out. */
export const consoleSignOutUrl = (origin: string): string => `${origin}${CONSOLE_PATH_PREFIX}/sign-in`;
/** The OIDC scopes the console asks for and its app client allows. */
export const CONSOLE_OAUTH_SCOPES = ['openid', 'email', 'profile'] as const;

/**
 * Viewer-request function: `/`, `/console` and `/console/...` are the console's pages and answer index.html, so a
 * reload or a bookmark of any screen works (the same URLs as the embedded runtime: local/console/serve.ts). Every
 * other path is a file of the build or `config.json`; a missing one answers 404 (the distribution's error response).
 */
export const SPA_ROUTING_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/' || uri === '${CONSOLE_PATH_PREFIX}' || uri.indexOf('${CONSOLE_PATH_PREFIX}/') === 0) {
    request.uri = '/index.html';
  }
  return request;
}
`;

/**
 * The console's Content-Security-Policy in AWS: the embedded runtime's (local/console/security.ts, under which the
 * browser tier runs every screen), plus the HTTP API (an execute-api host of the region) and Cognito (the OIDC
 * discovery document on cognito-idp, the token endpoint on the managed-login domain), over HTTPS only.
 */
export const awsContentSecurityPolicy = (region: string, account: string): string =>
  consoleContentSecurityPolicy({
    connectTo: [
      `https://*.execute-api.${region}.amazonaws.com`,
      `https://cognito-idp.${region}.amazonaws.com`,
      `https://${signInDomainPrefix(account)}.auth.${region}.amazoncognito.com`,
    ],
    https: true,
  });

/**
 * The web console's site: a private S3 bucket (block public access, TLS only, versioned, encrypted, access logs)
 * behind a CloudFront distribution that reads it through an origin access control, with the console's routing
 * (a CloudFront function) and security headers (a response headers policy). Its access logs, and the
 * distribution's, go to a logs bucket, kept 90 days and retained when the stack is destroyed.
 *
 * Why a stack of its own, deployed first: the distribution's address is named by the user pool's console client
 * (its callback and sign-out URLs, stateful stack) and by the HTTP API's CORS (stateless stack), and the console's
 * `config.json` names the API's URL and the client. A distribution in the stateless stack would make the stateful
 * stack depend on it (a cycle: the stateless stack already depends on the stateful one). This stack depends on
 * nothing, so both can name its address; and the address stays the same when the code stack is replaced, like the
 * bookmarks users keep. It holds no data: the files are the build of `console/`, deployed with `config.json` by the
 * stateless stack (`ConsoleContent`), so a code deploy ships the console that matches the API.
 */
export class ConsoleStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly logsBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly responseHeadersPolicy: cloudfront.ResponseHeadersPolicy;
  /** `https://<distribution domain>`: where the console is served. */
  readonly origin: string;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    // Server access logs of the site bucket and the distribution's standard logs. CloudFront's standard logs are
    // written with an ACL grant, so ACLs stay enabled with the bucket owner owning every object.
    this.logsBucket = new s3.Bucket(this, 'LogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Build output only: emptied and deleted with the stack. Versioned, so an earlier build can be restored; old
    // versions go after 30 days.
    this.bucket = new s3.Bucket(this, 'SiteBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 's3/',
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    this.responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Confirm-and-send console: CSP, HSTS, no sniffing, no framing, same-origin referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: awsContentSecurityPolicy(this.region, this.account),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          {
            header: 'Permissions-Policy',
            value: 'camera=(), microphone=(), geolocation=(), payment=()',
            override: true,
          },
        ],
      },
    });

    const routing = new cloudfront.Function(this, 'Routing', {
      comment: 'Confirm-and-send console: its pages (/, /console/...) answer index.html',
      code: cloudfront.FunctionCode.fromInline(SPA_ROUTING_CODE),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Confirm-and-send web console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        // Origin access control (SigV4, always signed): the bucket policy admits this distribution only.
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        compress: true,
        functionAssociations: [{ function: routing, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      // S3 answers 403 for a missing object (no ListBucket): a 404 with the console's page, whose router shows
      // "Not found" (a missing file fetched by a script still gets a 404).
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 404,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(10),
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
    });

    this.origin = `https://${this.distribution.distributionDomainName}`;
    new CfnOutput(this, 'ConsoleUrl', { value: `${this.origin}/` });
    new CfnOutput(this, 'ConsoleBucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'DistributionId', { value: this.distribution.distributionId });
  }
}
