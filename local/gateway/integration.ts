/**
 * One API route served as the HTTP API serves it in AWS: the JWT authorizer (bearer token verified against the local
 * identity), then the Lambda proxy integration (payload v2.0 event with the stringified claims, invoked in-process,
 * the result turned into the HTTP answer); 401, 413 and 500 answered with API Gateway's bodies.
 */
import type { IncomingMessage } from 'node:http';
import type { FunctionName } from '#topology/topology.ts';
import type { Identity } from '#local/cognito/identity.ts';
import { buildContext, invoke, type LoadedFunction } from '#local/lambda/invoke.ts';
import { type Answer, apiGatewayError, MAX_REQUEST_BYTES, readBody } from './answers.ts';
import { apiGatewayRequestId, buildHttpEvent, stringifyClaims, toHttpResponse } from './http-api.ts';

/** Lambda's synchronous invocation payload limit. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;

export interface ApiRoute {
  functionName: FunctionName;
  routeKey: string;
  /** A route with no JWT authorizer (topology `auth: 'none'`): no token is asked for, no claims handed over. */
  public?: boolean;
}

export interface IntegrationContext {
  identity: Identity;
  functions: ReadonlyMap<FunctionName, LoadedFunction>;
  /** The front's host, for `requestContext.domainName` when the request names no Host. */
  host: string;
  onFunctionError?: (
    functionName: string,
    error: { errorType: string; errorMessage: string; trace: string[] },
  ) => void;
}

const bearerToken = (header: string | undefined): string | null => {
  if (!header) return null;
  const value = header.trim();
  const token = /^bearer\s+/i.test(value) ? value.replace(/^bearer\s+/i, '') : value;
  return token.length > 0 ? token : null;
};

export const serveApiRoute = async (
  req: IncomingMessage,
  route: ApiRoute,
  params: Record<string, string>,
  context: IntegrationContext,
): Promise<Answer> => {
  const requestId = apiGatewayRequestId();
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > MAX_REQUEST_BYTES) {
    req.resume();
    return apiGatewayError(413, 'Request Entity Too Large');
  }
  // The JWT authorizer runs before the body matters.
  const token = route.public ? null : bearerToken(req.headers.authorization);
  const claims = token ? await context.identity.verify(token) : null;
  const body = await readBody(req, MAX_REQUEST_BYTES);
  if (body === null) return apiGatewayError(413, 'Request Entity Too Large');
  if (!claims && !route.public)
    return {
      ...apiGatewayError(401, 'Unauthorized'),
      headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
    };

  const fn = context.functions.get(route.functionName);
  if (!fn) return apiGatewayError(500, 'Internal Server Error');
  const socket = req.socket;
  const event = buildHttpEvent(
    {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: (socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      protocol: `HTTP/${req.httpVersion}`,
      domainName: req.headers.host?.split(':')[0] ?? context.host,
      port: socket.localPort ?? 0,
    },
    { routeKey: route.routeKey, pathParameters: params },
    claims ? stringifyClaims(claims) : null,
    new Date(),
    requestId,
  );
  if (Buffer.byteLength(JSON.stringify(event)) > MAX_EVENT_BYTES)
    return apiGatewayError(413, 'Request Entity Too Large');
  const outcome = await invoke(fn, event, buildContext(fn));
  if (!outcome.ok) {
    context.onFunctionError?.(fn.name, outcome);
    return {
      ...apiGatewayError(500, 'Internal Server Error'),
      headers: { 'content-type': 'application/json', 'apigw-requestid': requestId },
    };
  }
  const response = toHttpResponse(outcome.result);
  return {
    status: response.statusCode,
    headers: { ...response.headers, 'apigw-requestid': requestId },
    body: response.body,
    cookies: response.cookies,
  };
};
