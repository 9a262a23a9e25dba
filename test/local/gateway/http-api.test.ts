/**
 * The local API Gateway's HTTP API side: the payload v2.0 events it builds hold the key set of AWS's published event,
 * claims are stringified as API Gateway does, routes match as API Gateway matches them, and handler results become
 * HTTP answers as API Gateway reads them.
 */
import { describe, expect, it } from 'vitest';
import { httpRoutes } from '#topology/topology.ts';
import {
  apiGatewayTime,
  buildHttpEvent,
  type HttpRequestFacts,
  stringifyClaims,
  toHttpResponse,
} from '#local/gateway/http-api.ts';
import { compileRoutes, matchRoute } from '#local/gateway/routes.ts';
import { fixture as awsFixture } from '#test/helpers/aws-events.ts';

const fixture = awsFixture<Record<string, unknown>>('lambda/apigw-http-v2-jwt.json');

/** Members whose keys are data (header names, parameters, claims): compared as leaves. */
const MAPS = new Set([
  'headers',
  'queryStringParameters',
  'pathParameters',
  'requestContext.authorizer.jwt.claims',
]);
/** Present in AWS's sample but only with features the HTTP API does not use: stage variables and mutual TLS. */
const ABSENT_BY_DESIGN = new Set(['stageVariables', 'requestContext.authentication']);

const keyPaths = (value: unknown, prefix = ''): string[] => {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || MAPS.has(prefix))
    return [prefix];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return ABSENT_BY_DESIGN.has(path) || v === undefined ? [] : keyPaths(v, path);
  });
};

const request = (overrides: Partial<HttpRequestFacts> = {}): HttpRequestFacts => ({
  method: 'POST',
  url: '/deliveries/d-1/confirm?parameter1=value1&parameter1=value2&parameter2=value',
  rawHeaders: [
    'Host',
    '127.0.0.1:3000',
    'Content-Type',
    'application/json',
    'User-Agent',
    'agent',
    'X-Multi',
    'value1',
    'x-multi',
    'value2',
    'Cookie',
    'cookie1; cookie2',
  ],
  body: Buffer.from('{"a":1}'),
  sourceIp: '127.0.0.1',
  protocol: 'HTTP/1.1',
  domainName: '127.0.0.1',
  port: 3000,
  ...overrides,
});

const route = { routeKey: 'POST /deliveries/{id}/confirm', pathParameters: { id: 'd-1' } };
const claims = stringifyClaims({
  sub: 'u-1',
  'cognito:username': 'stella',
  'cognito:groups': ['start-deliveries', 'administration'],
  exp: 1_900_000_000,
  email_verified: true,
});

describe('HTTP API payload v2.0 events', () => {
  it('hold the key set and value types of the event AWS publishes', () => {
    const event = buildHttpEvent(request(), route, claims);
    expect(keyPaths(event).sort()).toEqual(keyPaths(fixture).sort());
    for (const path of keyPaths(fixture)) {
      const get = (o: unknown) =>
        path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);
      if (path === 'requestContext.authorizer.jwt.scopes') continue; // an ID token has none: null
      expect(typeof get(event), path).toBe(typeof get(fixture));
    }
    expect(event.requestContext.authorizer.jwt.scopes).toBeNull();
  });

  it('are built as API Gateway builds them', () => {
    const now = new Date('2026-03-12T19:03:58.390Z');
    const event = buildHttpEvent(request(), route, claims, now, 'req-1');
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /deliveries/{id}/confirm',
      rawPath: '/deliveries/d-1/confirm',
      rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
      cookies: ['cookie1', 'cookie2'],
      queryStringParameters: { parameter1: 'value1,value2', parameter2: 'value' },
      pathParameters: { id: 'd-1' },
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: '127.0.0.1',
        http: {
          method: 'POST',
          path: '/deliveries/d-1/confirm',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'agent',
        },
        requestId: 'req-1',
        routeKey: 'POST /deliveries/{id}/confirm',
        stage: '$default',
        time: '12/Mar/2026:19:03:58 +0000',
        timeEpoch: now.getTime(),
      },
    });
    expect(event.headers).toMatchObject({
      host: '127.0.0.1:3000',
      'content-type': 'application/json',
      'x-multi': 'value1,value2',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': '3000',
    });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(Object.keys(event.headers).every((k) => k === k.toLowerCase())).toBe(true);
  });

  it('leave out what is empty, and base64-encode bodies that are not text', () => {
    const bare = buildHttpEvent(
      request({ method: 'GET', url: '/deliveries', rawHeaders: ['Host', 'x'], body: Buffer.alloc(0) }),
      { routeKey: 'GET /deliveries', pathParameters: {} },
      claims,
    );
    expect(bare).not.toHaveProperty('cookies');
    expect(bare).not.toHaveProperty('queryStringParameters');
    expect(bare).not.toHaveProperty('pathParameters');
    expect(bare).not.toHaveProperty('body');
    expect(bare.rawQueryString).toBe('');
    expect(bare.isBase64Encoded).toBe(false);

    const binary = buildHttpEvent(
      request({
        rawHeaders: ['Content-Type', 'application/octet-stream'],
        body: Buffer.from([0xff, 0x00, 0x01]),
      }),
      route,
      claims,
    );
    expect(binary.isBase64Encoded).toBe(true);
    expect(binary.body).toBe(Buffer.from([0xff, 0x00, 0x01]).toString('base64'));
  });

  it('carry claims as strings, groups as "[a b]"', () => {
    expect(claims).toEqual({
      sub: 'u-1',
      'cognito:username': 'stella',
      'cognito:groups': '[start-deliveries administration]',
      exp: '1900000000',
      email_verified: 'true',
    });
  });

  it('write requestContext.time as API Gateway does', () => {
    expect(apiGatewayTime(new Date('2020-03-02T09:03:58Z'))).toBe('02/Mar/2020:09:03:58 +0000');
  });
});

describe('route matching', () => {
  const routes = compileRoutes(
    httpRoutes().map((r) => ({ method: r.method, template: r.path, value: r.routeKey })),
  );
  const match = (method: string, path: string) => {
    const m = matchRoute(routes, method, path);
    return m ? { routeKey: m.route.value, params: m.params } : null;
  };

  it('matches literal colons, path parameters and the most specific route', () => {
    expect(match('POST', '/profiles:batch')).toEqual({ routeKey: 'POST /profiles:batch', params: {} });
    expect(match('GET', '/profiles/p-1')).toEqual({ routeKey: 'GET /profiles/{id}', params: { id: 'p-1' } });
    expect(match('GET', '/profiles/p-1/history')).toEqual({
      routeKey: 'GET /profiles/{id}/history',
      params: { id: 'p-1' },
    });
    expect(match('POST', '/audiences/a:1/members:batch')).toEqual({
      routeKey: 'POST /audiences/{id}/members:batch',
      params: { id: 'a:1' },
    });
    expect(match('POST', '/deliveries/d-1/confirm')).toEqual({
      routeKey: 'POST /deliveries/{id}/confirm',
      params: { id: 'd-1' },
    });
    expect(match('PATCH', '/deliveries/d-1')).toEqual({
      routeKey: 'PATCH /deliveries/{id}',
      params: { id: 'd-1' },
    });
  });

  it('does not match other methods, paths or partial segments', () => {
    expect(match('DELETE', '/deliveries/d-1')).toBeNull();
    expect(match('POST', '/profiles:batchx')).toBeNull();
    expect(match('POST', '/profilesXbatch')).toBeNull();
    expect(match('GET', '/deliveries/d-1/confirm/x')).toBeNull();
    expect(match('GET', '/deliveries/')).toBeNull();
    expect(match('GET', '/audiences/a-1/members:batch')).toBeNull();
  });

  it('serves every route of the topology', () => {
    for (const r of httpRoutes()) {
      const path = r.path.replace(/\{\w+\}/g, 'x-1');
      expect(match(r.method, path)?.routeKey).toBe(r.routeKey);
    }
  });
});

describe('handler results', () => {
  it('take a result with a statusCode as it is', () => {
    const r = toHttpResponse({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain', 'X-N': 1 },
      body: 'aGk=',
      isBase64Encoded: true,
    });
    expect(r).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'text/plain', 'x-n': '1' },
      cookies: [],
      body: Buffer.from('hi'),
    });
  });

  it('infer a 200 JSON answer from any other value', () => {
    expect(toHttpResponse({ a: 1 })).toMatchObject({ statusCode: 200, body: Buffer.from('{"a":1}') });
    expect(toHttpResponse('plain')).toMatchObject({ statusCode: 200, body: Buffer.from('plain') });
  });
});
