/**
 * The local HTTP front: what API Gateway (HTTP API, JWT authorizer, CORS) does in AWS, on node:http.
 *
 * For each route of the topology it matches method and path template, verifies the bearer token, builds the
 * payload v2.0 event with the stringified claims and invokes the function in-process. It answers itself only what
 * API Gateway answers itself, with AWS's bodies: 401 `{"message":"Unauthorized"}`, 404 `{"message":"Not Found"}`,
 * 413 `{"message":"Request Entity Too Large"}`, 500 `{"message":"Internal Server Error"}` on a function error,
 * 503 while starting, and CORS preflights. Everything else comes from the handlers.
 * Local-only routes (sign-in, endpoints, invoke...) are served beside them, without a token, on loopback only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FunctionName, httpRoutes } from '#topology/topology.ts';
import type { ConsoleHandler } from './console/serve.ts';
import { type Identity, stringifyClaims } from './identity.ts';
import {
  apiGatewayRequestId,
  buildContext,
  buildHttpEvent,
  invoke,
  type LoadedFunction,
  toHttpResponse,
} from './lambda.ts';

/** API Gateway's payload limit for HTTP APIs. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** Lambda's synchronous invocation payload limit. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;
/** As the HTTP API's CORS configuration in infra/stacks/stateless.ts (`corsAllowHeaders`, methods, max age). */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'idempotency-key'];
export const CORS_ALLOW_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'];
const CORS_MAX_AGE_SECONDS = 3600;

export interface Route<T> {
  method: string;
  template: string;
  value: T;
}

interface CompiledRoute<T> extends Route<T> {
  regex: RegExp;
  names: string[];
  rank: [number, number, number];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Compiles path templates as API Gateway reads them: `{name}` matches one whole segment, `{name+}` the rest of the
 * path; anything else (a colon in `/profiles:batch` included) is literal.
 */
export const compileRoutes = <T>(routes: ReadonlyArray<Route<T>>): Array<CompiledRoute<T>> =>
  routes
    .map((route): CompiledRoute<T> => {
      const names: string[] = [];
      let greedy = 0;
      let literal = 0;
      const pattern = route.template
        .split('/')
        .map((segment) => {
          const whole = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/.exec(segment);
          if (whole) {
            names.push(whole[1]!);
            if (whole[2]) {
              greedy = 1;
              return '(.+)';
            }
            return '([^/]+)';
          }
          literal += segment.length;
          return escapeRegExp(segment);
        })
        .join('/');
      return { ...route, names, regex: new RegExp(`^${pattern}$`), rank: [greedy, names.length, -literal] };
    })
    // The most specific route wins: no greedy parameter, then fewer parameters, then more literal text.
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.rank[2] - b.rank[2]);

export const matchRoute = <T>(
  routes: ReadonlyArray<CompiledRoute<T>>,
  method: string,
  path: string,
): { route: CompiledRoute<T>; params: Record<string, string> } | null => {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.regex.exec(path);
    if (!m) continue;
    return { route, params: Object.fromEntries(route.names.map((n, i) => [n, m[i + 1]!])) };
  }
  return null;
};

export interface LocalResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialized unless it is a Buffer or a string. */
  body?: unknown;
}

export interface LocalRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Buffer;
  headers: IncomingMessage['headers'];
}

export type LocalHandler = (request: LocalRequest) => Promise<LocalResponse>;

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
  onFunctionError?: (
    functionName: string,
    error: { errorType: string; errorMessage: string; trace: string[] },
  ) => void;
}

const send = (
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer | string,
) => {
  const buffer = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'content-length': String(buffer.length) });
  res.end(buffer);
};

const apiGatewayError = (status: number, message: string) => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

/** Reads the body up to `limit` bytes; beyond it, drains the rest and answers null. */
const readBody = async (req: IncomingMessage, limit: number): Promise<Buffer | null> => {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(chunk as Buffer);
  }
  return tooLarge ? null : Buffer.concat(chunks);
};

const bearerToken = (header: string | undefined): string | null => {
  if (!header) return null;
  const value = header.trim();
  const token = /^bearer\s+/i.test(value) ? value.replace(/^bearer\s+/i, '') : value;
  return token.length > 0 ? token : null;
};

export const startHttpFront = async (options: HttpFrontOptions): Promise<HttpFront> => {
  const host = options.host ?? '127.0.0.1';
  const corsOrigins = options.corsOrigins ?? ['*'];
  const apiRoutes = compileRoutes(
    httpRoutes().map((r) => ({
      method: r.method,
      template: r.path,
      value: { functionName: r.functionName, routeKey: r.routeKey },
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

  const serveLocal = async (
    req: IncomingMessage,
    url: URL,
    match: { route: CompiledRoute<LocalHandler>; params: Record<string, string> },
  ) => {
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (body === null) return apiGatewayError(413, 'Request Entity Too Large');
    const answer = await match.route.value({
      params: match.params,
      query: url.searchParams,
      body,
      headers: req.headers,
    });
    const isRaw = Buffer.isBuffer(answer.body) || typeof answer.body === 'string';
    return {
      status: answer.status,
      headers: { ...(isRaw ? {} : { 'content-type': 'application/json' }), ...answer.headers },
      body:
        answer.body === undefined
          ? ''
          : isRaw
            ? (answer.body as Buffer | string)
            : JSON.stringify(answer.body),
    };
  };

  const serveApi = async (
    req: IncomingMessage,
    current: FrontApp,
    match: { route: (typeof apiRoutes)[number]; params: Record<string, string> },
  ): Promise<{
    status: number;
    headers: Record<string, string>;
    body: Buffer | string;
    cookies?: string[];
  }> => {
    const requestId = apiGatewayRequestId();
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > MAX_REQUEST_BYTES) {
      req.resume();
      return apiGatewayError(413, 'Request Entity Too Large');
    }
    // The JWT authorizer runs before the body matters.
    const token = bearerToken(req.headers.authorization);
    const claims = token ? await current.identity.verify(token) : null;
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (body === null) return apiGatewayError(413, 'Request Entity Too Large');
    if (!claims)
      return {
        ...apiGatewayError(401, 'Unauthorized'),
        headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
      };

    const fn = current.functions.get(match.route.value.functionName);
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
        domainName: req.headers.host?.split(':')[0] ?? host,
        port: socket.localPort ?? 0,
      },
      { routeKey: match.route.value.routeKey, pathParameters: match.params },
      stringifyClaims(claims),
      new Date(),
      requestId,
    );
    if (Buffer.byteLength(JSON.stringify(event)) > MAX_EVENT_BYTES)
      return apiGatewayError(413, 'Request Entity Too Large');
    const outcome = await invoke(fn, event, buildContext(fn));
    if (!outcome.ok) {
      options.onFunctionError?.(fn.name, outcome);
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
    const r = await serveApi(req, current, api);
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
