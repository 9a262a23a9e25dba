/**
 * The public routes of the topology (`auth: 'none'`: the one-click unsubscribe links) at the local front, as the HTTP
 * API serves a route with no authorizer: no token asked for, an event with no `authorizer`; every other route keeps
 * its 401. And the SES journal keeps each message's own headers, which the simulator's one-click POST reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, functions, httpRoutes } from '#topology/topology.ts';
import { createIdentity } from '#local/cognito/identity.ts';
import { type HttpFront, startHttpFront } from '#local/gateway/front.ts';
import type { LoadedFunction } from '#local/lambda/invoke.ts';
import { journalEntries } from '#local/ses/journal.ts';

describe('public routes at the local front', () => {
  let dir: string;
  let front: HttpFront;
  const seen: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-public-'));
    const identity = await createIdentity(dir);
    front = await startHttpFront({ port: 0 });
    const fake = (name: FunctionName): LoadedFunction => ({
      name,
      spec: functions[name],
      handler: async (event) => {
        seen.push(event as Record<string, unknown>);
        return { statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<p>ok</p>' };
      },
    });
    front.ready({
      identity,
      functions: new Map([
        ['unsubscribe', fake('unsubscribe')],
        ['proofs', fake('proofs')],
      ]),
      localRoutes: [],
    });
  });

  afterAll(async () => {
    await front.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are exactly the unsubscribe routes', () => {
    expect(
      httpRoutes()
        .filter((r) => r.auth === 'none')
        .map((r) => r.routeKey),
    ).toEqual(['GET /unsubscribe/{token}', 'POST /unsubscribe/{token}']);
  });

  it('serve a request with no token, handing over an event without an authorizer', async () => {
    const r = await fetch(`${front.url}/unsubscribe/u1.abc.def`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('<p>ok</p>');
    const event = seen.at(-1)!;
    expect(event).toMatchObject({
      routeKey: 'POST /unsubscribe/{token}',
      pathParameters: { token: 'u1.abc.def' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect((event.requestContext as Record<string, unknown>).authorizer).toBeUndefined();
  });

  it('leave every other route behind the JWT check', async () => {
    const before = seen.length;
    const r = await fetch(`${front.url}/deliveries/d-1/proofs`);
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ message: 'Unauthorized' });
    expect(seen.length).toBe(before);
  });
});

describe('the SES journal', () => {
  it("keeps a SendEmail's own headers (List-Unsubscribe), and none when it had none", () => {
    const body = (headers?: Array<{ Name: string; Value: string }>) =>
      Buffer.from(
        JSON.stringify({
          FromEmailAddress: 'news@example.com',
          Destination: { ToAddresses: ['ann@example.com'] },
          Content: {
            Simple: { Subject: { Data: 'Hi' }, Body: {}, ...(headers ? { Headers: headers } : {}) },
          },
        }),
      );
    const answer = Buffer.from(JSON.stringify({ MessageId: 'm-1' }));
    const headers = [
      { Name: 'List-Unsubscribe', Value: '<https://api.example.com/unsubscribe/u1.x.y>' },
      { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
    ];
    expect(journalEntries('SendEmail', body(headers), 200, answer, 'r-1')[0]!.headers).toEqual({
      'List-Unsubscribe': '<https://api.example.com/unsubscribe/u1.x.y>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(journalEntries('SendEmail', body(), 200, answer, 'r-1')[0]).not.toHaveProperty('headers');
  });
});
