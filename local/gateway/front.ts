/**
 * The local HTTP front: what API Gateway (HTTP API, JWT authorizer, CORS) does in AWS, on node:http.
 *
 * For each route of the topology it matches method and path template, verifies the bearer token, builds the
 * payload v2.0 event with the stringified claims and invokes the function in-process (./integration.ts). It answers
 * itself only what API Gateway answers itself, with AWS's bodies: 401 `{"message":"Unauthorized"}`, 404
 * `{"message":"Not Found"}`, 413 `{"message":"Request Entity Too Large"}`, 500 `{"message":"Internal Server
 * Error"}` on a function error, 503 while starting, and CORS preflights. Everything else comes from the handlers.
 * Local-only routes (sign-in, endpoints, invoke...) are served beside them, without a token, on loopback only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FunctionName, httpRoutes } from '#topology/topology.ts';
import type { Identity } from '#local/cognito/identity.ts';
import type { ConsoleHandler } from '#local/console/serve.ts';
import type { LoadedFunction } from '#local/lambda/invoke.ts';
import { type Answer, apiGatewayError, MAX_REQUEST_BYTES, readBody, send } from './answers.ts';
import { type IntegrationContext, serveApiRoute } from './integration.ts';
import {
  type CompiledRoute,
  compileRoutes,
  decodeParams,
  type LocalHandler,
  matchRoute,
  type Route,
} from './routes.ts';

/** As the HTTP API's CORS configuration in infra/stacks/stateless.ts (`corsAllowHeaders`, methods, max age). */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'idempotency-key'];
export const CORS_ALLOW_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'];
const CORS_MAX_AGE_SECONDS = 3600;

export interface FrontApp {
  identity: Identity;
  functions: ReadonlyMap<FunctionName, LoadedFunction>;
  /** Local-only routes, served without a token. */
  localRoutes: ReadonlyArray<Route<LocalHandler>>;
}

export interface HttpFront {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** From now on the front serves the API; until then it answers 503. */
  ready(app: FrontApp): void;
  /** From now on /health answers 200 (503 until then): everything is up, demo data included. */
  healthy(): void;
  stop(): Promise<void>;
}

export interface HttpFrontOptions {
  port: number;
  host?: string;
  /** Origins allowed by CORS; `*` allows any (the default locally). */
  corsOrigins?: readonly string[];
  /** The console (local/console): asked last, for what no API or local route matched. */
  console?: ConsoleHandler;
  /** Called with each function error (the front answers 500 as API Gateway does). */
  onFunctionError?: IntegrationContext['onFunctionError'];
}

/** A local route's answer: JSON unless the handler gave a Buffer or a string. */
const serveLocal = async (
  req: IncomingMessage,
  url: URL,
  match: { route: CompiledRoute<LocalHandler>; params: Record<string, string> },
): Promise<Answer> => {
  const body = await readBody(req, MAX_REQUEST_BYTES);
  if (body === null) return apiGatewayError(413, 'Request Entity Too Large');
  const params = decodeParams(match.params);
  const answer = params.ok
    ? await match.route.value({
        params: params.params,
        query: url.searchParams,
        body,
        headers: req.headers,
      })
    : params.response;
  const isRaw = Buffer.isBuffer(answer.body) || typeof answer.body === 'string';
  return {
    status: answer.status,
    headers: { ...(isRaw ? {} : { 'content-type': 'application/json' }), ...answer.headers },
    body:
      answer.body === undefined ? '' : isRaw ? (answer.body as Buffer | string) : JSON.stringify(answer.body),
  };
};

export const startHttpFront = async (options: HttpFrontOptions): Promise<HttpFront> => {
  const host = options.host ?? '127.0.0.1';
  const corsOrigins = options.corsOrigins ?? ['*'];
  const apiRoutes = compileRoutes(
    httpRoutes().map((r) => ({
      method: r.method,
      template: r.path,
      value: {
        functionName: r.functionName,
        routeKey: r.routeKey,
        ...(r.auth === 'none' ? { public: true } : {}),
      },
    })),
  );
  let app: FrontApp | null = null;
  let isHealthy = false;
  let localRoutes: Array<CompiledRoute<LocalHandler>> = [];

  const corsHeaders = (req: IncomingMessage): Record<string, string> => {
    const origin = req.headers.origin;
    if (!origin) return {};
    if (corsOrigins.includes('*')) return { 'access-control-allow-origin': '*' };
    return corsOrigins.includes(origin) ? { 'access-control-allow-origin': origin, vary: 'origin' } : {};
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    const cors = corsHeaders(req);
    const current = app;

    if (method === 'GET' && url.pathname === '/health') {
      req.resume();
      const body = JSON.stringify({ status: isHealthy ? 'ok' : 'starting' });
      send(res, isHealthy ? 200 : 503, { 'content-type': 'application/json', ...cors }, body);
      return;
    }
    if (method === 'OPTIONS') {
      // CORS preflight, answered by API Gateway itself for every path.
      req.resume();
      const preflight: Record<string, string> = cors['access-control-allow-origin']
        ? {
            'access-control-allow-methods': CORS_ALLOW_METHODS.join(','),
            'access-control-allow-headers': CORS_ALLOW_HEADERS.join(','),
            'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
          }
        : {};
      send(res, 204, { ...cors, ...preflight }, '');
      return;
    }
    if (!current) {
      req.resume();
      const r = apiGatewayError(503, 'Service Unavailable');
      send(res, r.status, { ...r.headers, 'retry-after': '1', ...cors }, r.body);
      return;
    }

    const local = matchRoute(localRoutes, method, url.pathname);
    if (local) {
      const r = await serveLocal(req, url, local);
      send(res, r.status, { ...r.headers, ...cors }, r.body);
      return;
    }
    const api = matchRoute(apiRoutes, method, url.pathname);
    if (!api && (await options.console?.(req, res, url))) return;
    if (!api) {
      req.resume();
      const r = apiGatewayError(404, 'Not Found');
      send(res, r.status, { ...r.headers, ...cors }, r.body);
      return;
    }
    const r = await serveApiRoute(req, api.route.value, api.params, {
      identity: current.identity,
      functions: current.functions,
      host,
      ...(options.onFunctionError ? { onFunctionError: options.onFunctionError } : {}),
    });
    if (r.cookies && r.cookies.length > 0) res.setHeader('set-cookie', r.cookies);
    send(res, r.status, { ...r.headers, ...cors }, r.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('Local front: unexpected error', error);
      if (!res.headersSent) {
        const r = apiGatewayError(500, 'Internal Server Error');
        send(res, r.status, r.headers, r.body);
      } else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    port,
    server,
    ready(next) {
      app = next;
      localRoutes = compileRoutes(next.localRoutes.map((r) => ({ ...r })));
    },
    healthy() {
      isHealthy = true;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
};
