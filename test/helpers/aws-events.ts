/**
 * Events built from the payloads AWS published (the team folder's fixtures/aws-events), with only the fields a
 * test needs replaced: handlers are tested against AWS's shapes, not against shapes we imagine.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import type { Role } from '#domain/roles.ts';

/**
 * The team folder: `SHARED_DIR` when set (.ci/run sets it for a clone made away from the team folder), else
 * `../shared` beside the repository.
 */
export const SHARED_DIR = resolve(
  process.env.SHARED_DIR ?? fileURLToPath(new URL('../../../shared', import.meta.url)),
);
const FIXTURES_DIR = join(SHARED_DIR, 'fixtures', 'aws-events');

export const fixture = <T = unknown>(path: string): T =>
  JSON.parse(readFileSync(join(FIXTURES_DIR, path), 'utf8')) as T;

/** The names of the JSON fixtures in a fixture folder (`ses/bare`), without `.json`. */
export const fixtureNames = (folder: string): string[] =>
  readdirSync(join(FIXTURES_DIR, folder))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));

export interface HttpCall {
  routeKey: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  /** The signed-in user: claims are stringified as API Gateway hands them over ("[a b]"). */
  user?: { username: string; groups: Role[] } | null;
}

/** An HTTP API payload v2.0 event, from AWS's published example, for one route. */
export const httpEvent = (call: HttpCall): APIGatewayProxyEventV2WithJWTAuthorizer => {
  const event = structuredClone(
    fixture<APIGatewayProxyEventV2WithJWTAuthorizer>('lambda/apigw-http-v2-jwt.json'),
  );
  const [method, template] = call.routeKey.split(' ') as [string, string];
  const rawPath = template.replace(/\{(\w+)\}/g, (_, name: string) => call.pathParameters?.[name] ?? '');
  const query = call.query ?? {};
  event.routeKey = call.routeKey;
  event.rawPath = rawPath;
  event.rawQueryString = new URLSearchParams(query).toString();
  delete event.cookies;
  delete event.stageVariables;
  event.headers = {
    'content-type': 'application/json',
    ...(call.headers ?? {}),
  };
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  else delete event.queryStringParameters;
  if (call.pathParameters) event.pathParameters = call.pathParameters;
  else delete event.pathParameters;
  if (call.body === undefined) delete event.body;
  else event.body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  event.requestContext.routeKey = call.routeKey;
  event.requestContext.http = { ...event.requestContext.http, method, path: rawPath };
  event.requestContext.requestId = randomUUID();
  const user =
    call.user === undefined ? { username: 'stella', groups: ['start-deliveries'] as Role[] } : call.user;
  event.requestContext.authorizer = {
    ...event.requestContext.authorizer,
    jwt: {
      claims: user
        ? {
            sub: `sub-${user.username}`,
            'cognito:username': user.username,
            ...(user.groups.length > 0 ? { 'cognito:groups': `[${user.groups.join(' ')}]` } : {}),
            token_use: 'id',
          }
        : {},
      scopes: [],
    },
  } as APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer'];
  return event;
};

export const lambdaContext = (functionName: string): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 29_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/**
 * An SES record in the SNS envelope AWS publishes (sns/http-notification.json): what the ingestion queue receives
 * with raw message delivery off.
 */
export const snsEnvelope = (record: unknown, messageId: string = randomUUID()) => ({
  ...fixture<Record<string, unknown>>('sns/http-notification.json'),
  MessageId: messageId,
  Message: JSON.stringify(record),
});

const REPO_FIXTURES_DIR = fileURLToPath(new URL('../fixtures/aws-ses', import.meta.url));

/** An SES example AWS published, kept in the repository (test/fixtures/aws-ses/<name>.json; sources in its README). */
export const sesExample = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(join(REPO_FIXTURES_DIR, `${name}.json`), 'utf8')) as T;

/** The feedback notifications AWS published, by file name (notification-*.json). */
export const notificationExamples = (): string[] =>
  readdirSync(REPO_FIXTURES_DIR)
    .filter((f) => f.startsWith('notification-') && f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));

/**
 * A Bounce notification with AWS's bounce object example (one `failed` 5.0.0 entry, one `delayed` 4.0.0 entry) and
 * the mail object example of the same page: AWS publishes the two objects, not the notification around them.
 */
export const failedAndDelayedBounce = () => ({
  notificationType: 'Bounce',
  bounce: sesExample('bounce-object-failed-and-delayed'),
  mail: sesExample('mail-object'),
});

/** An SES event record as AWS published it (ses/bare/<name>.json), with a fresh deep copy per call. */
export const sesFixture = (name: string): Record<string, unknown> & { mail: Record<string, unknown> } =>
  structuredClone(fixture(`ses/bare/${name}.json`));
