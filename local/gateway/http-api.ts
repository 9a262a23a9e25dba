/**
 * What API Gateway (HTTP API) hands a function and takes back from it: the payload v2.0 event of a matched route,
 * with the JWT authorizer's claims stringified, and the HTTP response a handler's result stands for.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import { LOCAL_ACCOUNT_ID } from '#local/lambda/invoke.ts';

export const LOCAL_API_ID = 'local';

/** An incoming HTTP request as the front saw it; headers as raw name/value pairs (node's `rawHeaders`). */
export interface HttpRequestFacts {
  method: string;
  /** The request target as sent: path and query string. */
  url: string;
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
  protocol: string;
  domainName: string;
  port: number;
}

export interface MatchedRoute {
  routeKey: string;
  pathParameters: Record<string, string>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time` as API Gateway writes it: "12/Mar/2020:19:03:58 +0000". */
export const apiGatewayTime = (date: Date): string => {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
};

/** API Gateway request ids look like "JKJaXmPLvHcESHA=": 10 random bytes in base64. */
export const apiGatewayRequestId = (): string => randomBytes(10).toString('base64');

/** Content types whose bodies API Gateway passes as text; anything else arrives base64-encoded. */
const isTextual = (contentType: string | undefined, body: Buffer): boolean => {
  if (!contentType) return body.length === 0 || Buffer.from(body.toString('utf8'), 'utf8').equals(body);
  return /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)\b|[^;]*\+(json|xml)\b)/i.test(
    contentType.trim(),
  );
};

/**
 * Builds the HTTP API payload v2.0 event for a matched route, as API Gateway does: lower-cased headers (repeats
 * joined with commas), cookies taken out of the headers, query parameters (repeats joined with commas), path
 * parameters, and the JWT authorizer's claims (already stringified) in `requestContext.authorizer.jwt`.
 * Optional members (cookies, queryStringParameters, pathParameters, body) are left out when empty, as AWS does.
 */
export const buildHttpEvent = (
  request: HttpRequestFacts,
  route: MatchedRoute,
  claims: Record<string, string> | null,
  now = new Date(),
  requestId = apiGatewayRequestId(),
): APIGatewayProxyEventV2WithJWTAuthorizer => {
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : request.url.slice(queryAt + 1);

  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const value = request.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-port'] = String(request.port);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] =
    `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  headers['content-length'] ??= String(request.body.length);

  const query: Record<string, string> = {};
  if (rawQueryString) {
    for (const [name, value] of new URLSearchParams(rawQueryString)) {
      query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
    }
  }

  const textual = isTextual(headers['content-type'], request.body);
  const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    // A public route's event has no authorizer; the JWT type is kept, as the handlers take both shapes.
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      // AWS sends only `jwt` here (the types also declare principalId and integrationLatency); an ID token has no
      // scopes, which API Gateway reports as null. A route without an authorizer has no `authorizer` at all.
      ...(claims
        ? {
            authorizer: {
              jwt: { claims, scopes: null },
            } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer'],
          }
        : {}),
      domainName: request.domainName,
      domainPrefix: request.domainName.split('.')[0] ?? request.domainName,
      http: {
        method: request.method,
        path: rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    } as APIGatewayProxyEventV2WithJWTAuthorizer['requestContext'],
    ...(Object.keys(route.pathParameters).length > 0 ? { pathParameters: route.pathParameters } : {}),
    ...(request.body.length > 0
      ? { body: textual ? request.body.toString('utf8') : request.body.toString('base64') }
      : {}),
    isBase64Encoded: request.body.length > 0 && !textual,
  };
  return event;
};

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Turns a handler's result into the HTTP response, with the payload v2.0 rules: a result with a `statusCode` is
 * taken as it is; any other value is "inferred" as a 200 JSON body.
 */
export const toHttpResponse = (result: unknown): HttpResponse => {
  if (result !== null && typeof result === 'object' && 'statusCode' in result) {
    const r = result as {
      statusCode: number;
      headers?: Record<string, string | number | boolean>;
      multiValueHeaders?: Record<string, Array<string | number | boolean>>;
      cookies?: string[];
      body?: string;
      isBase64Encoded?: boolean;
    };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.multiValueHeaders ?? {}))
      headers[k.toLowerCase()] = v.map(String).join(',');
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
    const body =
      r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
    return { statusCode: r.statusCode, headers, cookies: r.cookies ?? [], body };
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(body),
  };
};

/**
 * Claims as the HTTP API JWT authorizer hands them to Lambda: every value a string; arrays as "[a b]" (so
 * `cognito:groups` becomes "[start-deliveries administration]"), numbers as their decimal text.
 */
export const stringifyClaims = (claims: JWTPayload): Record<string, string> =>
  Object.fromEntries(
    Object.entries(claims).map(([name, value]) => {
      if (Array.isArray(value)) return [name, `[${value.map(String).join(' ')}]`];
      if (value !== null && typeof value === 'object') return [name, JSON.stringify(value)];
      return [name, String(value)];
    }),
  );
