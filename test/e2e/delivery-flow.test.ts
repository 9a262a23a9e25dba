/**
 * The local runtime driven over HTTP as the console drives it: sign-in, profiles, audience, members, a delivery
 * prepared and confirmed, with the refusals a console must show (403, 409), the errors API Gateway answers itself
 * (401, 404, 413, CORS) and the local-only routes. Every API answer is held against docs/openapi.json.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, LOCAL_AUDIENCE, LOCAL_ISSUER, subFor } from '#local/cognito/identity.ts';
import { client, useRuntime, waitFor } from '#test/helpers/runtime.ts';
import { fixture as awsFixture } from '#test/helpers/aws-events.ts';

const runtime = useRuntime({ seed: false });
const SIM = 'simulator.amazonses.com';
const CONFIRM_REFUSED = 'Your permissions do not allow you to confirm a delivery.';

const content = {
  from: 'Marketing <news@example.com>',
  subject: 'Our spring sale',
  html: '<p>Hello</p>',
  text: 'Hello',
};

describe('the local runtime, as a console uses it', () => {
  let c: ReturnType<typeof client>;
  let starter: string;
  let preparer: string;
  let audienceId: string;

  beforeAll(async () => {
    c = client(runtime().url);
    starter = await c.signIn('stella', ['start-deliveries']);
    preparer = await c.signIn('pat', ['prepare-deliveries']);
  });

  it('signs in with and without the Start deliveries role, with the claims of a Cognito ID token', async () => {
    const claims = decodeJwt(starter);
    expect(claims).toMatchObject({
      sub: subFor('stella'),
      'cognito:username': 'stella',
      'cognito:groups': ['start-deliveries'],
      token_use: 'id',
      aud: LOCAL_AUDIENCE,
      iss: LOCAL_ISSUER,
    });
    expect(claims.sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
    expect(decodeJwt(preparer)['cognito:groups']).toEqual(['prepare-deliveries']);
    // The same user signing in again keeps their sub.
    expect(decodeJwt(await c.signIn('stella', ['start-deliveries'])).sub).toBe(claims.sub);

    const noGroup = decodeJwt(await c.signIn('nora', []));
    expect(noGroup).not.toHaveProperty('cognito:groups');

    const bad = await c.request('POST', '/local/sign-in', {
      body: { username: '', groups: ['start-delivery'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_INPUT');
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual([
      'username',
      'groups[0]',
    ]);
  });

  it('runs profiles → audience → members → delivery → prepare → ready → confirm', async () => {
    const profiles = await c.api(
      'POST',
      '/profiles:batch',
      {},
      {
        token: preparer,
        body: {
          profiles: [
            { id: 'e2e-1', email: `success+1@${SIM}`, firstName: 'Ann' },
            { id: 'e2e-2', email: `bounce+1@${SIM}` },
            { id: 'e2e-3', email: `ooto+1@${SIM}` },
            { id: 'e2e-4', email: `complaint+1@${SIM}` },
            { id: 'e2e-5' },
            { id: 'e2e-6', email: `success+2@${SIM}`, optOut: true },
            { id: 'e2e-7', email: `SUCCESS+1@${SIM}` },
          ],
        },
      },
    );
    expect(profiles.status).toBe(200);
    expect(profiles.body.items).toHaveLength(7);
    expect(profiles.body).toMatchObject({ created: 7, updated: 0 });
    const upserted = await c.api(
      'POST',
      '/profiles:batch',
      {},
      {
        token: preparer,
        body: { profiles: [{ id: 'e2e-1', lastName: 'Lee' }, { email: `success+9@${SIM}` }] },
      },
    );
    expect(upserted.body).toMatchObject({ created: 1, updated: 1 });

    const audience = await c.api(
      'POST',
      '/audiences',
      {},
      { token: preparer, body: { name: 'Spring buyers' } },
    );
    expect(audience.status).toBe(201);
    audienceId = audience.body.id;

    const members = await c.api(
      'POST',
      '/audiences/{id}/members:batch',
      { id: audienceId },
      {
        token: preparer,
        body: { profileIds: ['e2e-1', 'e2e-2', 'e2e-3', 'e2e-4', 'e2e-5', 'e2e-6', 'e2e-7'] },
      },
    );
    expect(members.status).toBe(200);
    expect(members.body).toMatchObject({ added: 7, audience: { id: audienceId, memberCount: 7 } });

    // What the console lists: the audiences (newest first) and an audience's members with their profiles.
    const audiences = await c.api('GET', '/audiences', {}, { token: preparer });
    expect(audiences.status).toBe(200);
    expect(audiences.body.items[0]).toMatchObject({ id: audienceId, name: 'Spring buyers', memberCount: 7 });
    const members1 = await c.api('GET', '/audiences/{id}/profiles', { id: audienceId }, { token: preparer });
    expect(members1.status).toBe(200);
    expect(members1.body.items.map((p: { id: string }) => p.id).sort()).toEqual([
      'e2e-1',
      'e2e-2',
      'e2e-3',
      'e2e-4',
      'e2e-5',
      'e2e-6',
      'e2e-7',
    ]);
    expect(members1.body.items.find((p: { id: string }) => p.id === 'e2e-1')).toMatchObject({
      firstName: 'Ann',
      lastName: 'Lee',
    });

    const created = await c.api(
      'POST',
      '/deliveries',
      {},
      {
        token: preparer,
        body: { label: 'Spring sale', content, audienceId },
      },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'editing', version: 1 });
    const id: string = created.body.id;

    const prepare = await c.api('POST', '/deliveries/{id}/prepare', { id }, { token: preparer });
    expect(prepare.status).toBe(202);
    expect(prepare.body.state).toBe('preparing');

    let ready = await c.api('GET', '/deliveries/{id}', { id }, { token: preparer });
    await waitFor('the preparation to end', async () => {
      ready = await c.api('GET', '/deliveries/{id}', { id }, { token: preparer });
      return ready.body.state !== 'preparing';
    });
    expect(ready.body.state).toBe('ready');
    expect(ready.body.deployment.kpis.toDeliver).toBe(4);
    expect(ready.body.deployment.statusText).toBe('Send preparation completed. Confirm to start sending.');
    expect(ready.body.preparation).toMatchObject({
      targeted: 7,
      toDeliver: 4,
      exclusions: { 'address-missing': 1, 'opted-out': 1, 'duplicate-address': 1 },
    });

    const refused = await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: preparer });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: { code: 'FORBIDDEN', message: CONFIRM_REFUSED } });

    const confirmed = await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.state).toBe('sending');
    expect(confirmed.body.confirmedBy).toEqual({ sub: subFor('stella'), username: 'stella' });
    expect(typeof confirmed.body.confirmedAt).toBe('string');

    const again = await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter });
    expect(again.status).toBe(409);
    expect(again.body.error.details.state).toBe('sending');

    const patch = await c.api(
      'PATCH',
      '/deliveries/{id}',
      { id },
      { token: starter, body: { label: 'Too late' } },
    );
    expect(patch.status).toBe(409);
    expect(patch.body.error.details.state).toBe('sending');
  });

  it('sends an edited delivery back to editing: prepare again before confirming', async () => {
    const created = await c.api(
      'POST',
      '/deliveries',
      {},
      {
        token: preparer,
        body: { label: 'Edited after preparation', content, audienceId },
      },
    );
    const id: string = created.body.id;
    await c.api('POST', '/deliveries/{id}/prepare', { id }, { token: preparer });
    await waitFor('the preparation to end', async () => {
      const r = await c.api('GET', '/deliveries/{id}', { id }, { token: preparer });
      return r.body.state === 'ready';
    });

    const edited = await c.api(
      'PATCH',
      '/deliveries/{id}',
      { id },
      {
        token: preparer,
        body: { content: { ...content, subject: 'Our spring sale, extended' } },
      },
    );
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ state: 'editing', version: 2 });

    const confirm = await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter });
    expect(confirm.status).toBe(409);
    expect(confirm.body.error.details.state).toBe('editing');
  });

  it('answers 401 {"message":"Unauthorized"} for missing, malformed, wrongly signed and expired tokens', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({
      'cognito:username': 'mallory',
      'cognito:groups': ['start-deliveries'],
      token_use: 'id',
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject(subFor('mallory'))
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    // Signed with the runtime's own key (read from its data folder), but expired an hour ago.
    const identity = await createIdentity(runtime().dataDir);
    const expired = await identity.signIn('stella', ['start-deliveries'], {
      issuedAt: new Date(Date.now() - 2 * 3600_000),
      expiresInSeconds: 3600,
    });
    const wrongAudience = await new SignJWT({ token_use: 'id' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('x')
      .setIssuer(LOCAL_ISSUER)
      .setAudience('another-client')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);

    for (const token of [
      undefined,
      'not-a-jwt',
      `${starter.slice(0, -4)}AAAA`,
      forged,
      expired,
      wrongAudience,
    ]) {
      const r = await c.request('GET', '/deliveries', { ...(token !== undefined ? { token } : {}) });
      expect(r.status, `token ${token?.slice(0, 20)}`).toBe(401);
      expect(r.body).toEqual({ message: 'Unauthorized' });
    }
    // A token without the "Bearer" prefix is accepted, as by the HTTP API JWT authorizer.
    const bare = await c.request('GET', '/deliveries', { headers: { authorization: starter } });
    expect(bare.status).toBe(200);
  });

  it('answers bad requests with a clear 4xx and a JSON error body', async () => {
    const malformed = await c.api(
      'POST',
      '/deliveries',
      {},
      {
        token: preparer,
        raw: '{"label": ',
        headers: { 'content-type': 'application/json' },
      },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_INPUT');

    const wrongType = await c.api(
      'POST',
      '/deliveries',
      {},
      {
        token: preparer,
        raw: 'label=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    );
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');

    const unknownRoute = await c.request('GET', '/nope', { token: starter });
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.body).toEqual({ message: 'Not Found' });
    const wrongMethod = await c.request('DELETE', '/deliveries', { token: starter });
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.body).toEqual({ message: 'Not Found' });

    const unknownDelivery = await c.api(
      'GET',
      '/deliveries/{id}',
      { id: 'no-such-delivery' },
      { token: starter },
    );
    expect(unknownDelivery.status).toBe(404);
    expect(unknownDelivery.body.error.code).toBe('NOT_FOUND');

    const huge = await c.request('POST', '/profiles:batch', {
      token: preparer,
      raw: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual({ message: 'Request Entity Too Large' });
  });

  it('replays a creating POST with the same Idempotency-Key, and refuses the key with another body', async () => {
    const body = { label: 'Idempotent', content, audienceId };
    const headers = { 'idempotency-key': 'e2e-create-1' };
    const first = await c.api('POST', '/deliveries', {}, { token: preparer, body, headers });
    const second = await c.api('POST', '/deliveries', {}, { token: preparer, body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');

    const other = await c.api(
      'POST',
      '/deliveries',
      {},
      {
        token: preparer,
        body: { ...body, label: 'Another body' },
        headers,
      },
    );
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('answers CORS preflights with the headers the console sends', async () => {
    const r = await c.request('OPTIONS', '/deliveries/abc/confirm', {
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-headers')?.split(',')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']),
    );
    expect(r.headers.get('access-control-allow-methods')).toContain('PATCH');
    const get = await c.request('GET', '/deliveries', {
      token: starter,
      headers: { origin: 'http://localhost:5173' },
    });
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('serves the local routes: health, endpoints, invoke', async () => {
    expect((await c.request('GET', '/health')).status).toBe(200);

    const endpoints = await c.request('GET', '/local/endpoints');
    expect(endpoints.status).toBe(200);
    for (const name of ['dynamodb', 'sqs', 'ses'])
      expect(endpoints.body[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.body.tables).toEqual({
      deliveries: 'local-deliveries',
      profiles: 'local-profiles',
      recipients: 'local-recipients',
      events: 'local-events',
      idempotency: 'local-idempotency',
    });
    expect(Object.keys(endpoints.body.queues).sort()).toEqual(['events', 'prepare', 'send', 'start']);

    // An HTTP API event as AWS documents it, aimed at GET /deliveries/{id} of an unknown delivery.
    const fixture = awsFixture<APIGatewayProxyEventV2WithJWTAuthorizer>('lambda/apigw-http-v2-jwt.json');
    const event = {
      ...fixture,
      routeKey: 'GET /deliveries/{id}',
      rawPath: '/deliveries/missing-1',
      rawQueryString: '',
      queryStringParameters: undefined,
      body: undefined,
      pathParameters: { id: 'missing-1' },
      requestContext: {
        ...fixture.requestContext,
        routeKey: 'GET /deliveries/{id}',
        http: { ...fixture.requestContext.http, method: 'GET', path: '/deliveries/missing-1' },
        authorizer: {
          jwt: { claims: { sub: subFor('stella'), 'cognito:username': 'stella' }, scopes: null },
        },
      },
    };
    const invoked = await c.request('POST', '/local/invoke/deliveries', { body: event });
    expect(invoked.status).toBe(200);
    expect(invoked.headers.get('x-amz-function-error')).toBeNull();
    expect(invoked.body.statusCode).toBe(404);
    expect(JSON.parse(invoked.body.body).error.code).toBe('NOT_FOUND');

    const listed = await c.request('POST', '/local/invoke/deliveries', {
      body: { ...event, routeKey: 'GET /deliveries', rawPath: '/deliveries', pathParameters: undefined },
    });
    expect(listed.body.statusCode).toBe(200);
    expect(JSON.parse(listed.body.body).items.length).toBeGreaterThan(0);

    const unknown = await c.request('POST', '/local/invoke/nope', { body: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });
});
