/**
 * The local scheduler's loopback HTTP server: serves the Scheduler API, with errors as `{"Message"}` and
 * `x-amzn-errortype` (ConflictException, ResourceNotFoundException, ValidationException...), which the SDK turns into
 * its typed exceptions, and an `x-amzn-requestid` on every answer.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SchedulerApi } from './api.ts';
import { ApiError, validation } from './errors.ts';

export interface ApiServer {
  readonly url: string;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

const readBody = async (request: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw validation('The request body is not valid JSON.');
  }
};

export const serveSchedulerApi = async (
  api: SchedulerApi,
  options: { port?: number; log: (line: string) => void },
): Promise<ApiServer> => {
  const { log } = options;
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    let status = 200;
    let payload: unknown;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    try {
      payload = await api(request.method ?? 'GET', url.pathname, url.searchParams, () => readBody(request));
    } catch (error) {
      if (error instanceof ApiError) {
        status = error.status;
        headers['x-amzn-errortype'] = error.type;
        payload = { Message: error.message };
      } else {
        status = 500;
        headers['x-amzn-errortype'] = 'InternalServerException';
        payload = { Message: (error as Error).message };
        log(`Scheduler: ${request.method} ${url.pathname} failed: ${(error as Error).stack}`);
      }
    }
    headers['x-amzn-requestid'] = randomUUID();
    const text = JSON.stringify(payload);
    response.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
    response.end(text);
  };

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      log(`Scheduler: ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
};
