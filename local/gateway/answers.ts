/** What API Gateway answers itself, with AWS's bodies, and the request body as it reads it (up to its limit). */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** API Gateway's payload limit for HTTP APIs. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
  cookies?: string[];
}

/** `{"message": "..."}`, as API Gateway's own 401, 404, 413, 500 and 503. */
export const apiGatewayError = (status: number, message: string) => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

export const send = (
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer | string,
) => {
  const buffer = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'content-length': String(buffer.length) });
  res.end(buffer);
};

/** Reads the body up to `limit` bytes; beyond it, drains the rest and answers null. */
export const readBody = async (req: IncomingMessage, limit: number): Promise<Buffer | null> => {
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
