/**
 * Routes matched as API Gateway (HTTP API) matches them: by method and path template, the most specific first; and
 * the local-only routes' handlers, served beside the API without a token.
 */
import type { IncomingMessage } from 'node:http';

export interface Route<T> {
  method: string;
  template: string;
  value: T;
}

export interface CompiledRoute<T> extends Route<T> {
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
  /** Path parameters, percent-decoded once (a malformed encoding never reaches a handler: the front answers 400). */
  params: Record<string, string>;
  query: URLSearchParams;
  body: Buffer;
  headers: IncomingMessage['headers'];
}

export type LocalHandler = (request: LocalRequest) => Promise<LocalResponse>;

/** A 400 as the API answers it (`INVALID_INPUT`, with the failing fields). */
export const badRequest = (message: string, fields: Array<{ field: string; message: string }> = []) => ({
  status: 400,
  body: { error: { code: 'INVALID_INPUT', message, details: { fields } } },
});

/**
 * Percent-decodes path parameters matched on the raw path; a malformed encoding (`%ZZ`, a cut or overlong UTF-8
 * sequence) gives the 400 naming the parameter instead of a URIError.
 */
export const decodeParams = (
  params: Record<string, string>,
): { ok: true; params: Record<string, string> } | { ok: false; response: LocalResponse } => {
  const decoded: Record<string, string> = {};
  const fields: Array<{ field: string; message: string }> = [];
  for (const [name, raw] of Object.entries(params)) {
    try {
      decoded[name] = decodeURIComponent(raw);
    } catch {
      fields.push({ field: name, message: 'malformed percent-encoding' });
    }
  }
  return fields.length > 0
    ? { ok: false, response: badRequest('The path is not valid.', fields) }
    : { ok: true, params: decoded };
};

export const parseJsonBody = (body: Buffer): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(body.length === 0 ? 'null' : body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
};

export const errorBody = (status: number, code: string, message: string): LocalResponse => ({
  status,
  body: { error: { code, message } },
});
