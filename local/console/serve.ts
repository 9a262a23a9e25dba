/**
 * Serves the console from console/dist beside the API, on the same origin: `/config.json`, the built files, and
 * index.html for `/`, `/console/...` and any other page a browser navigates to (Accept: text/html) so client
 * routes survive a reload. It only answers what the API and the local routes did not: the HTTP front asks it
 * last, and a request it does not serve (an unknown path called with fetch or curl) keeps API Gateway's 404.
 * The console's own routes live under /console/, which no API route uses.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { consoleContentSecurityPolicy } from './security.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** As CloudFront sends them in AWS (infra/stacks/console.ts), bar HSTS: the embedded runtime is plain HTTP. */
const SECURITY_HEADERS = {
  'content-security-policy': consoleContentSecurityPolicy({ connectTo: [], https: false }),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

export type ConsoleBuildState =
  { state: 'building' } | { state: 'ready' } | { state: 'failed'; error: string };

export interface ConsoleServerOptions {
  distDir: string;
  /** The body of /config.json. */
  config: () => unknown;
  /** Where the console's build is (served files only once it is ready). */
  build: () => ConsoleBuildState;
}

/** Answers the request and returns true, or returns false when it is not the console's to answer. */
export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const page = (title: string, body: string, refresh: boolean) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  (refresh ? '<meta http-equiv="refresh" content="2">' : '') +
  `</head><body style="font-family:sans-serif;margin:3rem"><h1>${title}</h1>${body}</body></html>`;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export const createConsoleHandler = (options: ConsoleServerOptions): ConsoleHandler => {
  const root = normalize(options.distDir + sep);

  /** A file of the build for a URL path, or null (never outside the build folder). */
  const fileFor = (pathname: string): string | null => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    if (decoded.includes('\0')) return null;
    const file = normalize(join(root, decoded));
    if (!file.startsWith(root)) return null;
    return existsSync(file) && statSync(file).isFile() ? file : null;
  };

  const sendFile = (req: IncomingMessage, res: ServerResponse, file: string, cacheControl: string) => {
    const size = statSync(file).size;
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': String(size),
      'cache-control': cacheControl,
      ...SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };

  const sendText = (res: ServerResponse, status: number, type: string, body: string, extra = {}) => {
    res.writeHead(status, {
      'content-type': type,
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
      ...SECURITY_HEADERS,
      ...extra,
    });
    res.end(body);
  };

  return async (req, res, url) => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return false;
    const path = url.pathname;
    if (path === '/config.json') {
      req.resume();
      sendText(res, 200, 'application/json; charset=utf-8', JSON.stringify(options.config()));
      return true;
    }
    const isPage =
      path === '/' ||
      path === '/index.html' ||
      path === '/console' ||
      path.startsWith('/console/') ||
      /\btext\/html\b/.test(req.headers.accept ?? '');
    const build = options.build();
    if (build.state !== 'ready') {
      if (!isPage) return false;
      req.resume();
      if (build.state === 'building') {
        sendText(
          res,
          503,
          'text/html; charset=utf-8',
          page('The console is being built…', '<p>This page reloads by itself in a moment.</p>', true),
          { 'retry-after': '2' },
        );
      } else {
        sendText(
          res,
          500,
          'text/html; charset=utf-8',
          page(
            'The console could not be built',
            `<p>The API works; the console's build failed (<code>npx vite build --config console/vite.config.ts</code> shows why):</p><pre>${escapeHtml(build.error)}</pre>`,
            false,
          ),
        );
      }
      return true;
    }
    const file = path === '/' ? null : fileFor(path);
    if (file) {
      req.resume();
      // Hashed file names under assets/ never change; everything else is revalidated.
      sendFile(
        req,
        res,
        file,
        path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      return true;
    }
    if (!isPage) return false;
    const index = join(root, 'index.html');
    if (!existsSync(index)) return false;
    req.resume();
    sendFile(req, res, index, 'no-cache');
    return true;
  };
};
