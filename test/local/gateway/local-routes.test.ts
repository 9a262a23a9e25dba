/**
 * Local-only routes and the local identity: sign-in validation, tokens the front accepts and refuses, direct
 * invoke answered as Lambda's Invoke API answers (function errors included), SES fault injection, and the SES
 * event simulator's tracking routes (pixel, click redirect, 404, 400) and published events.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { functions } from '#topology/topology.ts';
import type { LocalHandler } from '#local/gateway/routes.ts';
import { createIdentity, subFor } from '#local/cognito/identity.ts';
import type { LoadedFunction } from '#local/lambda/invoke.ts';
import { startHttpFront } from '#local/gateway/front.ts';
import { createLocalRoutes } from '#local/gateway/local-routes.ts';
import { tableNames as tableNamesOf } from '#local/dynamodb/tables.ts';
import { DEMO_LINK } from '#local/ses/mailbox.ts';
import { PIXEL_GIF } from '#local/ses/routes.ts';
import { startSesEventSimulator } from '#local/ses/simulator.ts';
import type { SesFront } from '#local/ses/front.ts';
import type { SesJournalEntry } from '#local/ses/journal.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-local-routes-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const fakeSesFront = (): SesFront => {
  let throttles = 0;
  let lost = 0;
  return {
    url: 'http://127.0.0.1:1',
    journalPath: join(tempDir(), 'ses-journal.ndjson'),
    injectThrottling: (n) => {
      throttles = n;
    },
    pendingThrottles: () => throttles,
    injectLostAnswers: (n) => {
      lost = n;
    },
    pendingLostAnswers: () => lost,
    onSent: () => () => {},
    stop: async () => {},
  };
};

const setup = async () => {
  const identity = await createIdentity(tempDir());
  const loaded = new Map<string, LoadedFunction>([
    [
      'deliveries',
      {
        name: 'deliveries',
        spec: functions.deliveries,
        handler: async (event) => {
          if ((event as { fail?: boolean }).fail) throw new RangeError('no such thing');
          return { statusCode: 200, body: JSON.stringify({ got: event }) };
        },
      },
    ],
  ]);
  const routes = createLocalRoutes({
    identity,
    functions: loaded as never,
    endpoints: { dynamodb: 'http://d', sqs: 'http://q', ses: 'http://s', sesEmulator: 'http://e' },
    tables: {
      deliveries: 'local-deliveries',
      profiles: 'local-profiles',
      recipients: 'local-recipients',
      events: 'local-events',
      idempotency: 'local-idempotency',
    },
    sesFront: fakeSesFront(),
  });
  const call = (method: string, template: string, body?: unknown, params: Record<string, string> = {}) => {
    const route = routes.find((r) => r.method === method && r.template === template);
    if (!route) throw new Error(`no route ${method} ${template}`);
    const handler: LocalHandler = route.value;
    return handler({
      params,
      query: new URLSearchParams(),
      body: Buffer.from(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)),
      headers: {},
    });
  };
  return { identity, call };
};

describe('POST /local/sign-in', () => {
  it('signs an ID token the identity verifies, with a stable sub', async () => {
    const { identity, call } = await setup();
    const r = await call('POST', '/local/sign-in', {
      username: 'stella',
      groups: ['start-deliveries', 'administration'],
    });
    expect(r.status).toBe(200);
    const body = r.body as { token: string; sub: string };
    expect(body.sub).toBe(subFor('stella'));
    const claims = await identity.verify(body.token);
    expect(claims).toMatchObject({
      sub: subFor('stella'),
      'cognito:groups': ['start-deliveries', 'administration'],
    });
    expect(decodeJwt(body.token).token_use).toBe('id');
  });

  it('refuses a missing username, unknown groups and malformed JSON with a 400 error body', async () => {
    const { call } = await setup();
    const r = await call('POST', '/local/sign-in', { groups: 'start-deliveries' });
    expect(r).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    expect(
      (r.body as { error: { details: { fields: Array<{ field: string }> } } }).error.details.fields.map(
        (f: { field: string }) => f.field,
      ),
    ).toEqual(['username', 'groups']);
    expect((await call('POST', '/local/sign-in', '{')).status).toBe(400);
  });
});

describe('the local identity', () => {
  it('derives a UUIDv5 sub per username', () => {
    expect(subFor('stella')).toBe(subFor('stella'));
    expect(subFor('stella')).not.toBe(subFor('pat'));
    expect(subFor('stella')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps its key in the data folder: a token outlives a restart, not a new folder', async () => {
    const dir = tempDir();
    const first = await createIdentity(dir);
    const token = await first.signIn('stella', []);
    expect(await (await createIdentity(dir)).verify(token)).not.toBeNull();
    expect(await (await createIdentity(tempDir())).verify(token)).toBeNull();
  });

  it('refuses expired and malformed tokens', async () => {
    const identity = await createIdentity(tempDir());
    const expired = await identity.signIn('stella', [], {
      issuedAt: new Date(Date.now() - 7200_000),
      expiresInSeconds: 3600,
    });
    expect(await identity.verify(expired)).toBeNull();
    expect(await identity.verify('a.b.c')).toBeNull();
    expect(await identity.verify('')).toBeNull();
  });
});

describe('POST /local/invoke/{function}', () => {
  it('answers 200 with the function result', async () => {
    const { call } = await setup();
    const r = await call('POST', '/local/invoke/{function}', { a: 1 }, { function: 'deliveries' });
    expect(r.status).toBe(200);
    expect(r.headers?.['x-amz-function-error']).toBeUndefined();
    expect(JSON.parse(r.body as string)).toEqual({ statusCode: 200, body: '{"got":{"a":1}}' });
  });

  it('answers a function error with X-Amz-Function-Error: Unhandled and {errorType, errorMessage}', async () => {
    const { call } = await setup();
    const r = await call('POST', '/local/invoke/{function}', { fail: true }, { function: 'deliveries' });
    expect(r.status).toBe(200);
    expect(r.headers?.['x-amz-function-error']).toBe('Unhandled');
    expect(r.body).toMatchObject({ errorType: 'RangeError', errorMessage: 'no such thing' });
  });

  it('answers 404 ResourceNotFoundException for an unknown function and 400 for a payload that is not JSON', async () => {
    const { call } = await setup();
    const unknown = await call('POST', '/local/invoke/{function}', {}, { function: 'nope' });
    expect(unknown).toMatchObject({
      status: 404,
      headers: { 'x-amzn-errortype': 'ResourceNotFoundException' },
    });
    const bad = await call('POST', '/local/invoke/{function}', '{', { function: 'deliveries' });
    expect(bad).toMatchObject({
      status: 400,
      headers: { 'x-amzn-errortype': 'InvalidRequestContentException' },
    });
  });
});

describe('SES faults and endpoints', () => {
  it('sets the throttle and lost-answer counts and refuses nonsense', async () => {
    const { call } = await setup();
    expect(await call('POST', '/local/ses/faults', { throttle: 3 })).toEqual({
      status: 200,
      body: { throttle: 3, lostAnswers: 0 },
    });
    expect(await call('POST', '/local/ses/faults', { lostAnswers: 2 })).toEqual({
      status: 200,
      body: { throttle: 3, lostAnswers: 2 },
    });
    expect(await call('GET', '/local/ses/faults')).toEqual({
      status: 200,
      body: { throttle: 3, lostAnswers: 2 },
    });
    expect((await call('POST', '/local/ses/faults', { throttle: -1 })).status).toBe(400);
    expect((await call('POST', '/local/ses/faults', { throttle: 'x' })).status).toBe(400);
    expect((await call('POST', '/local/ses/faults', { lostAnswers: 1.5 })).status).toBe(400);
    expect((await call('POST', '/local/ses/faults', {})).status).toBe(400);
  });

  it('lists endpoints, tables and queues', async () => {
    const { call } = await setup();
    const r = await call('GET', '/local/endpoints');
    expect(r.body).toMatchObject({
      dynamodb: 'http://d',
      sqs: 'http://q',
      ses: 'http://s',
      queues: {},
      dlqs: {},
    });
    const identity = await createIdentity(tempDir());
    const wired = createLocalRoutes({
      identity,
      functions: new Map(),
      endpoints: {
        dynamodb: 'http://d',
        sqs: 'http://q',
        ses: 'http://s',
        sesEmulator: 'http://e',
        scheduler: 'http://c',
      },
      tables: tableNamesOf('local'),
      sesFront: fakeSesFront(),
      queues: { send: 'http://q/000000000000/local-send' },
      dlqs: { send: 'http://q/000000000000/local-send-dlq' },
      schedulesDlq: 'http://q/000000000000/local-schedules-dlq',
    }).find((route) => route.template === '/local/endpoints')!;
    const answer = await wired.value({
      params: {},
      query: new URLSearchParams(),
      body: Buffer.alloc(0),
      headers: {},
    });
    expect(answer.body).toEqual({
      dynamodb: 'http://d',
      sqs: 'http://q',
      ses: 'http://s',
      sesEmulator: 'http://e',
      scheduler: 'http://c',
      tables: tableNamesOf('local'),
      queues: { send: 'http://q/000000000000/local-send' },
      dlqs: { send: 'http://q/000000000000/local-send-dlq' },
      schedulesDlq: 'http://q/000000000000/local-schedules-dlq',
    });
    expect(await call('GET', '/local/ses/journal')).toEqual({ status: 200, body: { items: [] } });
  });
});

describe('SES tracking routes', () => {
  const SIM = 'simulator.amazonses.com';
  const sentEntry = (messageId: string, outcome: SesJournalEntry['outcome'] = 'sent'): SesJournalEntry => ({
    at: new Date().toISOString(),
    requestId: `req-${messageId}`,
    operation: 'SendEmail',
    outcome,
    httpStatus: outcome === 'sent' ? 200 : 429,
    messageId: outcome === 'sent' ? messageId : null,
    from: 'news@example.com',
    destination: { to: [`success+1@${SIM}`], cc: [], bcc: [] },
    configurationSetName: 'local-config-set',
    tags: [{ name: 'delivery', value: 'd-1' }],
  });

  /** The routes over a real simulator whose events queue is a list (delay scale 0: no timers). */
  const setupTracking = async () => {
    const front = fakeSesFront();
    const journal = [sentEntry('ses-1'), sentEntry('ses-2', 'throttled')];
    writeFileSync(front.journalPath, journal.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const bodies: string[] = [];
    let down = false;
    const sesEvents = startSesEventSimulator({
      publish: async (body) => {
        if (down) throw new Error('SQS is down');
        bodies.push(body);
      },
      journalPath: front.journalPath,
      statePath: join(tempDir(), 'ses-events.ndjson'),
      topicArn: 'arn:aws:sns:us-east-1:000000000000:local-ses-events',
      defaultConfigurationSet: 'local-config-set',
      delayScale: 0,
    });
    await sesEvents.idle(); // the journal's message: Send and Delivery
    const routes = createLocalRoutes({
      identity: await createIdentity(tempDir()),
      functions: new Map(),
      endpoints: { dynamodb: 'http://d', sqs: 'http://q', ses: 'http://s', sesEmulator: 'http://e' },
      tables: tableNamesOf('local'),
      sesFront: front,
      sesEvents,
      baseUrl: 'http://127.0.0.1:3000',
    });
    const get = (template: string, params: Record<string, string>, query = '', headers = {}) =>
      routes
        .find((r) => r.method === 'GET' && r.template === template)!
        .value({
          params,
          query: new URLSearchParams(query),
          body: Buffer.alloc(0),
          headers,
        });
    const records = () =>
      bodies.map((b) => JSON.parse((JSON.parse(b) as { Message: string }).Message) as Record<string, never>);
    return {
      routes,
      get,
      records,
      sesEvents,
      goDown: () => {
        down = true;
      },
    };
  };

  it('serves the open pixel (a 1×1 transparent GIF, not cached) and publishes an Open with the User-Agent', async () => {
    const { get, records, sesEvents } = await setupTracking();
    const r = await get('/local/ses/open/{sesMessageId}', { sesMessageId: 'ses-1' }, '', {
      'user-agent': 'Mozilla/5.0 (Test)',
    });
    expect(r.status).toBe(200);
    expect(r.headers).toEqual({ 'content-type': 'image/gif', 'cache-control': 'no-store' });
    const gif = r.body as Buffer;
    expect(gif).toEqual(PIXEL_GIF);
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect([gif.readUInt16LE(6), gif.readUInt16LE(8)]).toEqual([1, 1]);
    expect(records().map((rec) => rec.eventType)).toEqual(['Send', 'Delivery', 'Open']);
    expect(records()[2]).toMatchObject({
      mail: { messageId: 'ses-1', tags: { delivery: ['d-1'] } },
      open: { ipAddress: '127.0.0.1', userAgent: 'Mozilla/5.0 (Test)' },
    });
    await sesEvents.stop();
  });

  it('redirects a click (302 to the link) and publishes a Click on that link', async () => {
    const { get, records, sesEvents } = await setupTracking();
    const link = 'https://example.com/offer?utm=spring&x=1';
    const r = await get(
      '/local/ses/click/{sesMessageId}',
      { sesMessageId: 'ses-1' },
      `link=${encodeURIComponent(link)}`,
      { 'user-agent': 'UA/2' },
    );
    expect(r).toMatchObject({ status: 302, headers: { location: link } });
    expect(records()[2]).toMatchObject({
      eventType: 'Click',
      click: { link, userAgent: 'UA/2', ipAddress: '127.0.0.1', linkTags: {} },
    });
    await sesEvents.stop();
  });

  it('answers 404 for a message SES never accepted and 400 for a missing or non-http(s) link', async () => {
    const { get, records, sesEvents } = await setupTracking();
    for (const id of ['nope', 'ses-2']) {
      expect(await get('/local/ses/open/{sesMessageId}', { sesMessageId: id })).toEqual({
        status: 404,
        body: { error: { code: 'NOT_FOUND', message: `No message ${id} was sent through the SES front.` } },
      });
      expect(
        await get('/local/ses/click/{sesMessageId}', { sesMessageId: id }, 'link=https%3A%2F%2Fexample.com'),
      ).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    }
    for (const query of [
      '',
      'link=',
      'link=javascript%3Aalert(1)',
      'link=not%20a%20url',
      'link=ftp%3A%2F%2Fx',
    ]) {
      const r = await get('/local/ses/click/{sesMessageId}', { sesMessageId: 'ses-1' }, query);
      expect(r, query).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
      expect(Object.keys((r.body as { error: object }).error)).toEqual(
        expect.arrayContaining(['code', 'message']),
      );
    }
    expect(records().map((rec) => rec.eventType)).toEqual(['Send', 'Delivery']);
    await sesEvents.stop();
  });

  it('answers 502 when the event cannot be published', async () => {
    const { get, goDown, sesEvents } = await setupTracking();
    goDown();
    const r = await get('/local/ses/open/{sesMessageId}', { sesMessageId: 'ses-1' });
    expect(r).toMatchObject({ status: 502, body: { error: { code: 'PUBLISH_FAILED' } } });
    await sesEvents.stop();
  });

  it('lists the published events of a message, with the SNS envelope and its record', async () => {
    const { get, sesEvents } = await setupTracking();
    const r = await get('/local/ses/events', {}, 'messageId=ses-1');
    expect(r.status).toBe(200);
    const items = (r.body as { items: Array<{ event: string; envelope: { Type: string }; record: object }> })
      .items;
    expect(items.map((i) => i.event)).toEqual(['send', 'delivery']);
    expect(items[0]!.envelope.Type).toBe('Notification');
    expect(items[0]!.record).toMatchObject({ eventType: 'Send', mail: { messageId: 'ses-1' } });
    expect((await get('/local/ses/events', {}, 'messageId=nope')).status).toBe(404);
    expect((await get('/local/ses/events', {}, '')).status).toBe(400);
    await sesEvents.stop();
  });

  it('gives each sent message of the journal its tracking URLs, on the Host the request named', async () => {
    const { get, sesEvents } = await setupTracking();
    const r = await get('/local/ses/journal', {}, '', { host: '127.0.0.1:4321' });
    const items = (r.body as { items: Array<Record<string, unknown>> }).items;
    expect(items[0]).toMatchObject({
      messageId: 'ses-1',
      outcome: 'sent',
      openUrl: 'http://127.0.0.1:4321/local/ses/open/ses-1',
      clickUrl: `http://127.0.0.1:4321/local/ses/click/ses-1?link=${encodeURIComponent(DEMO_LINK)}`,
    });
    expect(items[1]).not.toHaveProperty('openUrl');
    const noHost = await get('/local/ses/journal', {}, '');
    expect((noHost.body as { items: Array<{ openUrl?: string }> }).items[0]!.openUrl).toBe(
      'http://127.0.0.1:3000/local/ses/open/ses-1',
    );
    await sesEvents.stop();
  });

  it('answers 400, never 500, through the front for a malformed percent-encoding in a path segment', async () => {
    const { routes, records, sesEvents } = await setupTracking();
    const dir = tempDir();
    const front = await startHttpFront({ port: 0 });
    front.ready({ identity: await createIdentity(dir), functions: new Map(), localRoutes: routes });
    try {
      for (const [method, path, field] of [
        ['GET', '/local/ses/open/%ZZ', 'sesMessageId'],
        ['GET', '/local/ses/click/%C0%AF?link=https%3A%2F%2Fexample.com', 'sesMessageId'],
        ['POST', '/local/invoke/%E0%A4%A', 'function'],
      ] as const) {
        const r = await fetch(`${front.url}${path}`, {
          method,
          ...(method === 'POST' ? { body: '{}' } : {}),
        });
        expect(r.status, path).toBe(400);
        expect(await r.json(), path).toMatchObject({
          error: { code: 'INVALID_INPUT', details: { fields: [{ field }] } },
        });
      }
      // A well-formed encoding still reaches the route, decoded once.
      const ok = await fetch(`${front.url}/local/ses/open/${encodeURIComponent('ses-1')}`);
      expect(ok.status).toBe(200);
      expect(records().map((rec) => rec.eventType)).toEqual(['Send', 'Delivery', 'Open']);
    } finally {
      await front.stop();
      await sesEvents.stop();
    }
  });
});
