/**
 * The HTTP front before and after it is ready: 503 while starting (/health too), then the API, with /health
 * turning 200 only once everything is up. In-process, with a fake function: no emulators.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, functions } from '#topology/topology.ts';
import { type HttpFront, startHttpFront } from '#local/gateway/front.ts';
import { createIdentity, type Identity } from '#local/cognito/identity.ts';
import type { LoadedFunction } from '#local/lambda/invoke.ts';

describe('the HTTP front', () => {
  let dir: string;
  let front: HttpFront;
  let identity: Identity;
  const seen: unknown[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-front-'));
    identity = await createIdentity(dir);
    front = await startHttpFront({
      port: 0,
      onFunctionError: (name, e) => errors.push(`${name}: ${e.errorMessage}`),
    });
  });

  afterAll(async () => {
    await front.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 while starting, /health included', async () => {
    const health = await fetch(`${front.url}/health`);
    expect(health.status).toBe(503);
    const api = await fetch(`${front.url}/deliveries`);
    expect(api.status).toBe(503);
    expect(await api.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('serves the API once ready, and /health turns 200 only when told everything is up', async () => {
    const loaded = new Map<FunctionName, LoadedFunction>([
      [
        'deliveries',
        {
          name: 'deliveries',
          spec: functions.deliveries,
          handler: async (event) => {
            seen.push(event);
            if ((event as { rawPath: string }).rawPath === '/deliveries/boom') throw new Error('boom');
            return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"items":[]}' };
          },
        },
      ],
    ]);
    front.ready({ identity, functions: loaded, localRoutes: [] });
    const token = await identity.signIn('stella', ['start-deliveries', 'administration']);

    expect((await fetch(`${front.url}/health`)).status).toBe(503);
    const r = await fetch(`${front.url}/deliveries?state=ready`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('apigw-requestid')).toBeTruthy();
    expect(await r.json()).toEqual({ items: [] });
    expect(seen[0]).toMatchObject({
      routeKey: 'GET /deliveries',
      queryStringParameters: { state: 'ready' },
      requestContext: {
        authorizer: {
          jwt: {
            claims: { 'cognito:groups': '[start-deliveries administration]', 'cognito:username': 'stella' },
          },
        },
      },
    });

    // A function error is API Gateway's 500, and is reported.
    const boom = await fetch(`${front.url}/deliveries/boom`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ message: 'Internal Server Error' });
    expect(errors).toEqual(['deliveries: boom']);

    front.healthy();
    const health = await fetch(`${front.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});
