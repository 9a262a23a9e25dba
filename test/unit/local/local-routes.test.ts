/**
 * Local-only routes and the local identity: sign-in validation, tokens the front accepts and refuses, direct
 * invoke answered as Lambda's Invoke API answers (function errors included), and SES fault injection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { functions } from '../../../infra/topology.ts';
import type { LocalHandler } from '../../../local/http-front.ts';
import { createIdentity, subFor } from '../../../local/identity.ts';
import type { LoadedFunction } from '../../../local/lambda.ts';
import { createLocalRoutes } from '../../../local/local-routes.ts';
import { tableNames as tableNamesOf } from '../../../local/resources.ts';
import type { SesFront } from '../../../local/ses-front.ts';

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
