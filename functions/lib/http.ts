/**
 * The HTTP middy stack, defined once and used by every route-group function:
 *   observability (Powertools logger, tracer, metrics: functions/lib/observability.ts) → header normalizer →
 *   error responses → route dispatch.
 * Route handlers get a parsed request (actor from the JWT claims, path parameters, query, a typed body) and
 * return a result; they never build error bodies: they throw domain errors, mapped in functions/lib/errors.ts.
 *
 * Bodies are parsed here rather than with @middy/http-json-body-parser: route groups mix GET and POST in one
 * function, and the contract wants 415 only where a body is expected and 400 (not 422) for malformed JSON.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { type ZodType, z } from 'zod';
import { DomainError, type FieldError, invalid } from '#domain/errors.ts';
import { type Action, type Actor, assertCan, parseGroups } from '#domain/roles.ts';
import type { PageRequest } from '#ports/index.ts';
import { dynamoDb } from './clients.ts';
import { errorResponse, type HttpResult, JSON_HEADERS, toErrorResponse } from './errors.ts';
import { logger, observe } from './observability.ts';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type { HttpResult };

/** The functions' logger (functions/lib/observability.ts), here too for the handlers that import it from here. */
export { logger };

/** Largest JSON body a route accepts (a 1,000-profile batch is about 200 KB). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpRequest {
  event: HttpEvent;
  context: Context;
  actor: Actor;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** The JSON body validated against `schema` (415 without a JSON content type, 400 if malformed or invalid). */
  body<T>(schema: ZodType<T>): T;
  /** `?cursor=&limit=` (limit 1–100, default 50). */
  page(): PageRequest;
}

export type RouteHandler = (request: HttpRequest) => Promise<HttpResult>;

/** A route only a role granting `action` may call (see `requires`). */
type GuardedRoute = RouteHandler & { readonly action?: Action };

/**
 * A route only users whose role grants `action` may call: the 403 comes before anything of the request is read
 * (path, body, headers), so checks run 401 → 403 → 400 → 404 → 409 whatever the input. The use case checks the
 * role again: this only moves the refusal ahead of input validation.
 */
export const requires = (action: Action, handle: RouteHandler): RouteHandler =>
  Object.assign((request: HttpRequest) => handle(request), { action });

export const json = (statusCode: number, value: unknown): HttpResult => ({
  statusCode,
  headers: JSON_HEADERS,
  body: JSON.stringify(value),
});

const unauthorized = (): HttpResult => ({
  statusCode: 401,
  headers: JSON_HEADERS,
  body: JSON.stringify({ message: 'Unauthorized' }),
});

/** Zod issues as the `details.fields` of a 400. */
export const zodFields = (error: z.ZodError): FieldError[] =>
  error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));

const actorOf = (event: HttpEvent): Actor | null => {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0) return null;
  const username = claims['cognito:username'] ?? claims.username ?? sub;
  return { sub, username: String(username), roles: parseGroups(claims['cognito:groups']) };
};

const pageSchema = z.object({
  cursor: z.string().min(1).max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

/** Every path parameter of the API is an id: 1 to 128 of the characters the API's ids allow. */
const PATH_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * The path parameters, percent-decoded (as the local front and API Gateway hand them over still encoded), each
 * checked as an id before any AWS call: a malformed encoding or a value no id can have (too long for a key, a
 * character ids never hold) is a 400 naming the parameter, never a URIError or a DynamoDB ValidationException.
 */
const pathParameters = (event: HttpEvent): Record<string, string> => {
  const params: Record<string, string> = {};
  const fields: FieldError[] = [];
  for (const [name, raw] of Object.entries(event.pathParameters ?? {})) {
    let value: string;
    try {
      value = decodeURIComponent(raw ?? '');
    } catch {
      fields.push({ field: name, message: 'malformed percent-encoding' });
      continue;
    }
    if (PATH_ID.test(value)) params[name] = value;
    else fields.push({ field: name, message: 'an id: 1 to 128 letters, digits or _ . : -' });
  }
  if (fields.length > 0) throw invalid('The path is not valid.', fields);
  return params;
};

const request = (event: HttpEvent, actor: Actor, context: Context): HttpRequest => ({
  event,
  context,
  actor,
  params: pathParameters(event),
  query: event.queryStringParameters ?? {},
  body<T>(schema: ZodType<T>): T {
    const type = event.headers['content-type'] ?? '';
    if (!/^application\/(.+\+)?json(\s*;|$)/i.test(type)) {
      throw new DomainError(
        'unsupported-media-type',
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the body as application/json.',
      );
    }
    const raw =
      event.body === undefined
        ? ''
        : event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body;
    if (Buffer.byteLength(raw) > MAX_BODY_BYTES) {
      throw new DomainError(
        'too-large',
        'PAYLOAD_TOO_LARGE',
        `The body is larger than ${MAX_BODY_BYTES} bytes.`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw invalid('The body is not valid JSON.', [{ field: '(body)', message: 'malformed JSON' }]);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) throw invalid('The request body is not valid.', zodFields(result.error));
    return result.data;
  },
  page() {
    const result = pageSchema.safeParse({ cursor: this.query.cursor, limit: this.query.limit });
    if (!result.success) throw invalid('The paging parameters are not valid.', zodFields(result.error));
    return result.data;
  },
});

/** Maps any error to the contract's error body (one place), logging the unexpected ones. */
const errorResponses = (): MiddlewareObj<HttpEvent, HttpResult, Error, Context> => ({
  onError: async (req) => {
    const { result, unexpected } = toErrorResponse(req.error, req.context.awsRequestId);
    if (unexpected) logger.error('Unhandled error', req.error as Error);
    req.response = result;
  },
});

/** The Lambda handler of a route group: dispatches on the HTTP API `routeKey` ("POST /deliveries/{id}/confirm"). */
export const httpApi = (routes: Record<string, RouteHandler>) =>
  middy<HttpEvent, HttpResult, Error, Context>()
    .use(observe())
    .use(httpHeaderNormalizer())
    .use(errorResponses())
    .handler(async (event, context) => {
      const route = routes[event.routeKey];
      if (!route) return errorResponse(404, 'NOT_FOUND', `No route ${event.routeKey}.`);
      const actor = actorOf(event);
      if (!actor) return unauthorized();
      logger.appendKeys({ routeKey: event.routeKey, user: actor.username });
      logger.debug('Request', { routeKey: event.routeKey, pathParameters: event.pathParameters });
      const { action } = route as GuardedRoute;
      if (action) assertCan(actor, action);
      return route(request(event, actor, context));
    });

let idempotencyStore: DynamoDBPersistenceLayer | undefined;

/**
 * Idempotency-Key on creating POSTs, with Powertools idempotency: a retry with the same key (same user, route and
 * path) replays the first answer; the same key with another body is a 409. Errors are not stored, so a refused
 * request can be retried with the same key once fixed. Without the header, the route runs as usual.
 */
export const idempotent = (tableName: string, route: RouteHandler): RouteHandler => {
  idempotencyStore ??= new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamoDb() });
  const config = new IdempotencyConfig({
    eventKeyJmesPath:
      '[requestContext.authorizer.jwt.claims.sub, routeKey, rawPath, headers."idempotency-key"]',
    payloadValidationJmesPath: 'body',
    expiresAfterSeconds: 24 * 60 * 60,
    responseHook: (response) => {
      const r = response as unknown as HttpResult;
      return { ...r, headers: { ...r.headers, 'idempotent-replayed': 'true' } } as never;
    },
  });
  const run = makeIdempotent(
    async (event: HttpEvent, actor: Actor, context: Context) => route(request(event, actor, context)),
    {
      persistenceStore: idempotencyStore,
      config,
    },
  );
  return async (req) => {
    const key = req.event.headers['idempotency-key'];
    if (key === undefined) return route(req);
    if (key.length === 0 || key.length > 255) {
      throw invalid('The Idempotency-Key header is not valid.', [
        { field: 'Idempotency-Key', message: 'must be 1 to 255 characters' },
      ]);
    }
    config.registerLambdaContext(req.context);
    return run(req.event, req.actor, req.context);
  };
};

/** A request to a public route: no JWT authorizer in front of it, so no actor. */
export interface PublicRequest {
  event: HttpEvent;
  context: Context;
  params: Record<string, string>;
}

export type PublicRouteHandler = (request: PublicRequest) => Promise<HttpResult>;

/**
 * The Lambda handler of public routes (topology `auth: 'none'`, e.g. the one-click unsubscribe links): the same
 * stack as httpApi, without the actor. The route authenticates what it needs itself (a signed token).
 */
export const publicHttpApi = (routes: Record<string, PublicRouteHandler>) =>
  middy<HttpEvent, HttpResult, Error, Context>()
    .use(observe())
    .use(httpHeaderNormalizer())
    .use(errorResponses())
    .handler(async (event, context) => {
      const route = routes[event.routeKey];
      if (!route) return errorResponse(404, 'NOT_FOUND', `No route ${event.routeKey}.`);
      logger.appendKeys({ routeKey: event.routeKey });
      // A malformed percent-encoding is a link nobody signed: handed over as it came, the route refuses it.
      const decodeSafely = (value: string) => {
        try {
          return decodeURIComponent(value);
        } catch {
          return value;
        }
      };
      const params = Object.fromEntries(
        Object.entries(event.pathParameters ?? {}).map(([k, v]) => [k, decodeSafely(v ?? '')]),
      );
      return route({ event, context, params });
    });
