/**
 * The console's files in its bucket (ConsoleStack), deployed with the code: the build of `console/` (console/dist,
 * which `cdk synth` builds first when it is missing or stale: infra/app.ts) and `config.json`, written at deploy
 * time with the API's URL and the Cognito settings, in the shape the console reads (console/src/config.ts).
 *
 * Two deployments: the hashed files under assets/ (cached for a year, never pruned, so a page opened before a
 * deploy can still load its lazy screens), then the pages and config.json (revalidated on every load), after
 * which the distribution's cache is invalidated. The pages go second: a new index.html never names a file that
 * is not there yet.
 */
import { join } from 'node:path';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/** `config.json` as deployed: the console's `ConsoleConfig` in its `cognito` mode. */
export interface CognitoConsoleConfig {
  /** The HTTP API's URL (no trailing slash). */
  apiUrl: string;
  auth: {
    mode: 'cognito';
    /** The user pool's issuer, https://cognito-idp.<region>.amazonaws.com/<userPoolId> (OIDC discovery). */
    authority: string;
    clientId: string;
    /** The managed-login domain, https://<prefix>.auth.<region>.amazoncognito.com (its /logout). */
    domain: string;
    scope: string;
    /** The callback URL the app client allows (authorization code + PKCE). */
    redirectUri: string;
    /** The sign-out URL the app client allows. */
    signOutUri: string;
  };
}

export interface ConsoleContentProps {
  readonly bucket: s3.IBucket;
  readonly distribution: cloudfront.IDistribution;
  /** The built console (console/dist). */
  readonly distDir: string;
  readonly config: CognitoConsoleConfig;
  /** How long the deployment handler's logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

export const ASSETS_PREFIX = 'assets/';
/** Cache-Control of the hashed build files and of everything else (pages, config.json). */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

export class ConsoleContent extends Construct {
  readonly assets: s3deploy.BucketDeployment;
  readonly pages: s3deploy.BucketDeployment;
  readonly logGroup: logs.LogGroup;
  /** The deployment handler's role: its own (logs to its log group only), not AWSLambdaBasicExecutionRole. */
  readonly role: iam.Role;
  /** The build, staged as assets in the bootstrap bucket (the deployment handler reads them there). */
  readonly build: { assets: s3assets.Asset; pages: s3assets.Asset };

  constructor(scope: Construct, id: string, props: ConsoleContentProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'DeploymentLogs', { retention: props.logRetention });
    this.role = new iam.Role(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        "Deploys the console's build and config.json to its bucket and invalidates its distribution",
    });
    this.logGroup.grantWrite(this.role);
    this.build = {
      assets: new s3assets.Asset(this, 'BuildAssets', { path: join(props.distDir, ASSETS_PREFIX) }),
      pages: new s3assets.Asset(this, 'BuildPages', {
        path: props.distDir,
        exclude: ['assets', 'assets/**'],
      }),
    };

    this.assets = new s3deploy.BucketDeployment(this, 'Assets', {
      sources: [s3deploy.Source.bucket(this.build.assets.bucket, this.build.assets.s3ObjectKey)],
      destinationBucket: props.bucket,
      destinationKeyPrefix: ASSETS_PREFIX,
      prune: false,
      cacheControl: [s3deploy.CacheControl.fromString(IMMUTABLE)],
      role: this.role,
      logGroup: this.logGroup,
    });

    this.pages = new s3deploy.BucketDeployment(this, 'Pages', {
      sources: [
        s3deploy.Source.bucket(this.build.pages.bucket, this.build.pages.s3ObjectKey),
        s3deploy.Source.jsonData('config.json', props.config),
      ],
      destinationBucket: props.bucket,
      // Pruning here would delete assets/ (outside this deployment's sources).
      prune: false,
      cacheControl: [s3deploy.CacheControl.fromString(REVALIDATE)],
      distribution: props.distribution,
      distributionPaths: ['/*'],
      role: this.role,
      logGroup: this.logGroup,
    });
    this.pages.node.addDependency(this.assets);
  }
}
