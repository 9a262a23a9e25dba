import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ProjectFunction } from '../constructs/project-function.ts';
import { type FunctionName, type FunctionSpec, functions, httpRoutes, type TableName } from '../topology.ts';
import { pascal } from './stateful.ts';

export interface StatelessStackProps extends StackProps {
  readonly tables: Record<TableName, ITableV2>;
  readonly userPool: cognito.IUserPool;
  readonly consoleClient: cognito.IUserPoolClient;
  /** Origin of the web console, allowed by CORS. */
  readonly consoleOrigin: string;
  readonly logLevel: string;
  /** Default stage throttling (requests per second, burst). */
  readonly throttle: { rateLimit: number; burstLimit: number };
}

/** Headers the console sends: the ID token, JSON bodies and the idempotency key of creating POSTs. */
export const corsAllowHeaders = ['Authorization', 'Content-Type', 'Idempotency-Key'];

/**
 * The code: one ProjectFunction per `topology.functions` entry and the HTTP API in front of them, every route
 * behind the Cognito JWT authorizer. Safe to destroy and redeploy; holds no data.
 */
export class StatelessStack extends Stack {
  readonly functions: Record<FunctionName, ProjectFunction>;
  readonly api: apigwv2.HttpApi;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);

    const built: Partial<Record<FunctionName, ProjectFunction>> = {};
    for (const [name, spec] of Object.entries(functions) as Array<[FunctionName, FunctionSpec]>) {
      built[name] = new ProjectFunction(this, pascal(name), {
        spec,
        tables: props.tables,
        logLevel: props.logLevel,
        logRetention: logs.RetentionDays.ONE_MONTH,
      });
    }
    this.functions = built as Record<FunctionName, ProjectFunction>;

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: 'confirm-and-send',
      description: 'Confirm-and-send console API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [props.consoleOrigin],
        allowHeaders: corsAllowHeaders,
        allowMethods: [
          apigwv2.CorsHttpMethod.GET,
          apigwv2.CorsHttpMethod.POST,
          apigwv2.CorsHttpMethod.PATCH,
          apigwv2.CorsHttpMethod.PUT,
          apigwv2.CorsHttpMethod.DELETE,
          apigwv2.CorsHttpMethod.OPTIONS,
        ],
        maxAge: Duration.hours(1),
      },
    });

    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
    });
    new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            sub: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });

    // The console sends the Cognito ID token, whose `aud` is the app client id.
    const authorizer = new HttpJwtAuthorizer(
      'CognitoAuthorizer',
      `https://cognito-idp.${this.region}.amazonaws.com/${props.userPool.userPoolId}`,
      {
        authorizerName: 'cognito-id-token',
        jwtAudience: [props.consoleClient.userPoolClientId],
        identitySource: ['$request.header.Authorization'],
      },
    );

    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of httpRoutes()) {
      let integration = integrations.get(route.functionName);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${pascal(route.functionName)}Integration`,
          this.functions[route.functionName].function,
        );
        integrations.set(route.functionName, integration);
      }
      this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
        authorizer,
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
  }
}
