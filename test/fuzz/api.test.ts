/**
 * The fuzz tier (DESIGN section 8: bad input always gets a clear 4xx with a JSON error body, never a 5xx): a
 * bounded property-based fuzzer (fast-check, fixed seed, time-bounded) over every route of docs/openapi.json,
 * against one embedded runtime run as `npm start` runs it. Requests mix bad and good tokens of every role, known,
 * unknown and malformed ids (bad percent-encodings, overlong, unicode), query strings, bodies (bad JSON, wrong
 * types, huge and unicode strings, invalid UTF-8, deep nesting, prototype-pollution keys, over the 1 MB limit)
 * and content types. Every answer: no 5xx; every 4xx a JSON error body; checks in the order 401 → 403 → 400 →
 * 404 → 409 (no token: 401 whatever else is wrong; a role that may not: 403; a malformed id: 400; an unknown id:
 * never a success or a 409).
 *
 * FUZZ_SEED and FUZZ_RUNS (per lane; four lanes run at once) change the seed and the size; a failure prints the
 * seed, the lane and the request, and stops that lane without shrinking (each run is an HTTP request).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity } from '#local/cognito/identity.ts';
import { client, useRuntime, waitFor } from '#test/helpers/runtime.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_122);
const LANES = 4;
const RUNS_PER_LANE = Number(process.env.FUZZ_RUNS ?? 2_600);
const TIME_LIMIT_MS = 240_000;

// ---- the routes, from the contract ---------------------------------------------------------------------------

type Role = 'start' | 'prepare' | 'admin' | 'workflow' | 'none';
type Resource = 'profiles' | 'audiences' | 'deliveries';

interface Route {
  method: string;
  template: string;
  resource: Resource;
  hasId: boolean;
  query: string[];
  hasBody: boolean;
  /** The roles that may call it (DESIGN section 6 and the README's role table); every signed-in user otherwise. */
  allowed: readonly Role[] | 'any';
}

const WRITERS: readonly Role[] = ['start', 'prepare'];
/** Who may do what, by route (the contract's roles, written down here independently of the code). */
const GATES: Record<string, readonly Role[]> = {
  'POST /profiles:batch': WRITERS,
  'POST /audiences': WRITERS,
  'POST /audiences/{id}/members:batch': WRITERS,
  'POST /deliveries': WRITERS,
  'PATCH /deliveries/{id}': WRITERS,
  'POST /deliveries/{id}/prepare': WRITERS,
  'POST /deliveries/{id}/proofs': WRITERS,
  'POST /deliveries/{id}/resend': WRITERS,
  'POST /deliveries/{id}/confirm': ['start'],
  'POST /deliveries/{id}/pause': ['start'],
  'POST /deliveries/{id}/resume': ['start'],
  'POST /deliveries/{id}/stop': ['start'],
  'GET /deliveries/{id}/sending-logs': ['admin'],
  'GET /deliveries/{id}/exclusion-logs': ['admin'],
  'GET /deliveries/{id}/tracking-logs': ['admin'],
};

interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: unknown;
  /** `[]` on the public routes (no JWT authorizer: the one-click unsubscribe pages), fuzzed on their own below. */
  security?: unknown[];
}
const openapi = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};
const isPublic = (op: Operation) => Array.isArray(op.security) && op.security.length === 0;
const PUBLIC_ROUTES = Object.entries(openapi.paths).flatMap(([template, operations]) =>
  Object.entries(operations)
    .filter(([, op]) => isPublic(op))
    .map(([method]) => ({ method: method.toUpperCase(), template })),
);
const ROUTES: Route[] = Object.entries(openapi.paths).flatMap(([template, operations]) =>
  Object.entries(operations)
    .filter(([, op]) => !isPublic(op))
    .map(([method, op]) => ({
      method: method.toUpperCase(),
      template,
      resource: template.split(/[/:]/)[1] as Resource,
      hasId: template.includes('{id}'),
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      hasBody: op.requestBody !== undefined,
      allowed: GATES[`${method.toUpperCase()} ${template}`] ?? 'any',
    })),
);

// ---- the runtime, its users and known ids ---------------------------------------------------------------------

const runtime = useRuntime({ seed: false, env: { SES_EVENT_DELAY_SCALE: '0' } });
const tokens = {} as Record<Role | 'other-key', string>;
const known: Record<Resource, string[]> = { profiles: [], audiences: [], deliveries: [] };
let otherKeyDir: string;

const CONTENT = { from: 'news@example.com', subject: 'Fuzz', html: '<p>Fuzz</p>', text: 'Fuzz' };

beforeAll(async () => {
  const api = client(runtime().url);
  const groups: Record<Role, string[]> = {
    start: ['start-deliveries'],
    prepare: ['prepare-deliveries'],
    admin: ['administration'],
    workflow: ['workflow'],
    none: [],
  };
  for (const [role, g] of Object.entries(groups)) tokens[role as Role] = await api.signIn(`fz-${role}`, g);
  // A token of the right shape signed by a key this runtime does not know.
  otherKeyDir = mkdtempSync(join(tmpdir(), 'cas-fuzz-key-'));
  tokens['other-key'] = await (await createIdentity(otherKeyDir)).signIn('fz-start', ['start-deliveries']);

  const asStarter = { token: tokens.start };
  const profiles = await api.request('POST', '/profiles:batch', {
    ...asStarter,
    body: { profiles: [{ id: 'fz-known', email: 'success+fz@simulator.amazonses.com' }] },
  });
  expect(profiles.status).toBe(200);
  known.profiles.push('fz-known');
  const audience = await api.request('POST', '/audiences', { ...asStarter, body: { name: 'Fuzz' } });
  known.audiences.push(audience.body.id as string);
  await api.request('POST', `/audiences/${audience.body.id}/members:batch`, {
    ...asStarter,
    body: { profileIds: ['fz-known'] },
  });
  const create = async () =>
    (
      await api.request('POST', '/deliveries', {
        ...asStarter,
        body: { label: 'Fuzz', audienceId: audience.body.id, content: CONTENT },
      })
    ).body.id as string;
  const editing = await create();
  const finished = await create();
  known.deliveries.push(editing, finished);
  const state = async (id: string) =>
    (await api.request('GET', `/deliveries/${id}`, asStarter)).body.state as string;
  expect((await api.request('POST', `/deliveries/${finished}/prepare`, asStarter)).status).toBe(202);
  await waitFor('the delivery to be ready', async () => (await state(finished)) === 'ready', 60_000);
  expect((await api.request('POST', `/deliveries/${finished}/confirm`, asStarter)).status).toBe(200);
  await waitFor('the delivery to finish', async () => (await state(finished)) === 'finished', 90_000);
}, 240_000);

afterAll(() => {
  if (otherKeyDir) rmSync(otherKeyDir, { recursive: true, force: true });
});

// ---- requests -------------------------------------------------------------------------------------------------

type Auth = Role | 'other-key' | 'missing' | 'empty-bearer' | 'garbage';

interface FuzzRequest {
  route: Route;
  auth: Auth;
  /** The id segment as sent (percent-encoded, or malformed on purpose). */
  idSegment: string;
  query: string;
  body: Buffer | undefined;
  headers: Record<string, string>;
}

interface Answer {
  status: number;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: LANES * 2 });
let sent = 0;

/** One request over node:http, so the path goes out byte for byte (fetch would normalize it). */
const send = (
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(runtime().url);
    // A body always goes with its length: without it node frames a GET's body as the next request.
    const framed = body ? { ...headers, 'content-length': String(body.length) } : headers;
    const req = httpRequest({ hostname, port, method, path, agent, headers: framed }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    sent += 1;
    req.end(body);
  });

const authHeader = (auth: Auth): Record<string, string> => {
  switch (auth) {
    case 'missing':
      return {};
    case 'empty-bearer':
      return { authorization: 'Bearer ' };
    case 'garbage':
      return { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' };
    default:
      return { authorization: `Bearer ${tokens[auth]}` };
  }
};

const pathOf = (r: Pick<FuzzRequest, 'route' | 'idSegment' | 'query'>) =>
  `${r.route.template.replace('{id}', r.idSegment)}${r.query ? `?${r.query}` : ''}`;

const call = (r: FuzzRequest) =>
  send(r.route.method, pathOf(r), { ...authHeader(r.auth), ...r.headers }, r.body);

const PATH_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const decoded = (segment: string): string | null => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
};

/** What the id segment names: a malformed id, one that exists (of the route's kind), or one that does not. */
const idKind = (r: FuzzRequest): 'bad' | 'known' | 'unknown' => {
  const value = decoded(r.idSegment);
  if (value === null || !PATH_ID.test(value)) return 'bad';
  return known[r.route.resource].includes(value) ? 'known' : 'unknown';
};

// ---- arbitraries ----------------------------------------------------------------------------------------------

const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('\ud800', '\udfff', '\u0000', '\u202e', 'é', '𝕏', '"', '\\'),
    maxLength: 20,
  }),
  fc.integer({ min: 200, max: 5_000 }).map((n) => 'ü'.repeat(n)),
);
const anyJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: anyText },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -1, 1e308, [], {}, '') },
);

const badSegments = fc.oneof(
  fc.constantFrom('%ZZ', '%E0%A4%A', '%C0%AF', '%', '%%', '%ff%fe', '%F0%9F%98', '%ED%A0%80', 'a%2Fb', '%00'),
  fc.integer({ min: 129, max: 3_000 }).map((n) => 'x'.repeat(n)),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
);
const idSegment = (route: Route) =>
  route.hasId
    ? fc
        .oneof(
          { weight: 3, arbitrary: fc.constantFrom(...known[route.resource]) },
          {
            weight: 2,
            arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/).map((s) => `fz-unknown-${s}`),
          },
          { weight: 3, arbitrary: badSegments },
        )
        // `.` and `..` are path syntax, not ids: a URL parser resolves them before any route is matched.
        .filter((s) => !/^(\.|%2e)+$/i.test(s) && s.length > 0)
    : fc.constant('');

const queryValue = fc.oneof(
  fc.constantFrom('', '0', '1', '-1', '100', '101', '1e3', 'abc', 'sending', 'open', 'failed', '%ZZ'),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,300}$/),
  // Cut to keep the request line under API Gateway's 10 KB for it and the headers (a cut escape is one more bad one).
  anyText.map((t) => {
    try {
      return encodeURIComponent(t).slice(0, 1_500);
    } catch {
      return '%ED%A0%80';
    }
  }),
);
const queryString = (route: Route) =>
  fc
    .array(
      fc.tuple(fc.oneof(fc.constantFrom(...route.query, 'cursor', 'limit'), fc.constant('x')), queryValue),
      {
        maxLength: 4,
      },
    )
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));

const PROTO = [
  '{"__proto__":{"polluted":true},"name":"x"}',
  '{"constructor":{"prototype":{"polluted":true}},"label":"x"}',
  '{"profiles":[{"__proto__":{"isAdmin":true},"id":"fz-proto"}]}',
  '{"profileIds":["fz-known"],"__proto__":null}',
];

/** Bodies shaped like the routes' own, with any value in any field. */
const shapedBody = fc.oneof(
  fc.record({
    profiles: fc.array(fc.record({ id: anyJson, email: anyJson, optOut: anyJson }), { maxLength: 3 }),
  }),
  fc.record({ name: anyJson }),
  fc.record({ profileIds: fc.array(anyJson, { maxLength: 3 }) }),
  fc.record(
    {
      label: anyJson,
      audienceId: anyJson,
      content: fc.oneof(
        fc.record({ from: anyJson, subject: anyJson, html: anyJson, text: anyJson }),
        anyJson,
      ),
      schedule: fc.record({ contactDate: anyJson, timeZone: anyJson }),
      recurrence: fc.record({ expression: anyJson, timeZone: anyJson, requestConfirmation: anyJson }),
    },
    { requiredKeys: [] },
  ),
);

const body = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: shapedBody.map((b) => Buffer.from(JSON.stringify(b))) },
  { weight: 2, arbitrary: anyJson.map((b) => Buffer.from(JSON.stringify(b) ?? 'null')) },
  { weight: 2, arbitrary: fc.string({ maxLength: 60 }).map((s) => Buffer.from(`{${s}`)) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.constant(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0xc0, 0xaf, 0x7d])) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 100, max: 5_000 })
      .map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`)),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 100_000, max: 1_200_000 })
      .map((n) => Buffer.from(JSON.stringify({ name: 'a'.repeat(n), label: 'a', profiles: [] }))),
  },
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  undefined,
);

const idempotencyKey = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.stringMatching(/^[ -~]{0,300}$/) },
);

/** Built once the known ids exist; a counterexample prints as its request line, not as its bytes. */
const fuzzRequests = (): fc.Arbitrary<FuzzRequest> =>
  fc
    .constantFrom(...ROUTES)
    .chain((route) =>
      fc.record({
        route: fc.constant(route),
        auth: fc.constantFrom<Auth>(
          'missing',
          'empty-bearer',
          'garbage',
          'other-key',
          'start',
          'start',
          'start',
          'prepare',
          'prepare',
          'prepare',
          'admin',
          'admin',
          'workflow',
          'none',
        ),
        idSegment: idSegment(route),
        query: queryString(route),
        body,
        headers: fc
          .record({ contentType, idempotencyKey })
          .map(({ contentType: type, idempotencyKey: key }) => ({
            ...(type ? { 'content-type': type } : {}),
            ...(key !== undefined ? { 'idempotency-key': key } : {}),
          })),
      }),
    )
    .map((r) => Object.assign(r, { [fc.toStringMethod]: () => describeRequest(r) }));

// ---- what every answer must be --------------------------------------------------------------------------------

const describeRequest = (r: FuzzRequest) =>
  `${r.route.method} ${pathOf(r).slice(0, 300)} auth=${r.auth} headers=${JSON.stringify(r.headers).slice(0, 200)} body=${r.body?.toString('utf8').slice(0, 200) ?? '(none)'}${r.body && r.body.length > 200 ? `… (${r.body.length} bytes)` : ''}`;

const isErrorBody = (status: number, text: string): boolean => {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return false;
  }
  const b = body as { error?: { code?: unknown; message?: unknown }; message?: unknown };
  if (typeof b?.error?.code === 'string' && typeof b.error.message === 'string') return true;
  // API Gateway's own answers keep AWS's body.
  return [401, 404, 413, 429].includes(status) && typeof b?.message === 'string';
};

/** The status a request must get, as far as the order of the checks decides it; null when it does not. */
const expectedStatus = (r: FuzzRequest): number | 'not-found-or-invalid' | null => {
  if (r.auth === 'missing' || r.auth === 'empty-bearer' || r.auth === 'garbage' || r.auth === 'other-key')
    return 401;
  if (r.route.allowed !== 'any' && !r.route.allowed.includes(r.auth)) return 403;
  if (!r.route.hasId) return null;
  const kind = idKind(r);
  if (kind === 'bad') return 400;
  return kind === 'unknown' ? 'not-found-or-invalid' : null;
};

const check = (r: FuzzRequest, answer: Answer): void => {
  const where = `${answer.status} ${answer.text.slice(0, 300)}\n  for ${describeRequest(r)}`;
  if (answer.status >= 500) throw new Error(`5xx: ${where}`);
  if (answer.status >= 400 && !isErrorBody(answer.status, answer.text))
    throw new Error(`4xx without a JSON error body: ${where}`);
  const expected = expectedStatus(r);
  if (expected === 'not-found-or-invalid') {
    if (![400, 404, 413, 415].includes(answer.status))
      throw new Error(`unknown id, expected 404 (or 400): ${where}`);
  } else if (expected !== null && answer.status !== expected) {
    throw new Error(`expected ${expected}: ${where}`);
  }
};

// ---- the tier -------------------------------------------------------------------------------------------------

describe('the API under bad input', () => {
  it('checks in the order 401 → 403 → 400 → 404 → 409 on every route', async () => {
    const [editing, finished] = known.deliveries as [string, string];
    const validBody: Record<string, unknown> = {
      'POST /profiles:batch': { profiles: [{ id: 'fz-order' }] },
      'POST /audiences': { name: 'Order' },
      'POST /audiences/{id}/members:batch': { profileIds: ['fz-known'] },
      'POST /deliveries': { label: 'Order', audienceId: known.audiences[0], content: CONTENT },
      'PATCH /deliveries/{id}': { label: 'Order' },
      'POST /deliveries/{id}/proofs': { addresses: ['proof@example.com'] },
    };
    /** A request in a state that refuses it, for each route that can answer 409. */
    const conflicting: Record<string, string> = {
      'PATCH /deliveries/{id}': finished,
      'POST /deliveries/{id}/prepare': finished,
      'POST /deliveries/{id}/confirm': editing,
      'POST /deliveries/{id}/pause': editing,
      'POST /deliveries/{id}/resume': editing,
      'POST /deliveries/{id}/stop': editing,
    };
    for (const route of ROUTES) {
      const key = `${route.method} ${route.template}`;
      const base = { route, query: '', headers: { 'content-type': 'application/json' } };
      const json = (value: unknown) => Buffer.from(JSON.stringify(value));
      const ask = async (r: Omit<FuzzRequest, 'route' | 'query' | 'headers'>) => {
        const answer = await call({ ...base, ...r });
        return { status: answer.status, body: JSON.parse(answer.text) as { error?: { details?: unknown } } };
      };
      const body = validBody[key] === undefined ? undefined : json(validBody[key]);
      const allowed: Role = route.allowed === 'any' ? 'workflow' : route.allowed[0]!;
      // Everything wrong at once: the missing token decides.
      expect((await ask({ auth: 'missing', idSegment: '%ZZ', body: Buffer.from('{') })).status, key).toBe(
        401,
      );
      if (route.allowed !== 'any') {
        const refused = (['start', 'prepare', 'admin', 'workflow', 'none'] as const).find(
          (role) => !(route.allowed as readonly Role[]).includes(role),
        )!;
        const r = await ask({ auth: refused, idSegment: '%ZZ', body: Buffer.from('{') });
        expect(r.status, `${key} as ${refused}`).toBe(403);
      }
      if (!route.hasId) continue;
      const malformed = await ask({ auth: allowed, idSegment: '%E0%A4%A', body });
      expect(malformed, key).toMatchObject({
        status: 400,
        body: { error: { details: { fields: [{ field: 'id' }] } } },
      });
      expect((await ask({ auth: allowed, idSegment: 'fz-unknown', body })).status, key).toBe(404);
      if (conflicting[key]) {
        const conflict = await ask({ auth: allowed, idSegment: conflicting[key], body });
        expect(conflict.status, key).toBe(409);
      }
    }
  });

  it(`answers ${LANES} × ${RUNS_PER_LANE} random requests (seed ${SEED}) with no 5xx and a JSON body on every 4xx`, async () => {
    const before = sent;
    const started = performance.now();
    const statuses = new Map<number, number>();
    const requests = fuzzRequests();
    const lane = (index: number) =>
      fc.assert(
        fc.asyncProperty(requests, async (r) => {
          const answer = await call(r);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          check(r, answer);
        }),
        {
          seed: SEED + index,
          numRuns: RUNS_PER_LANE,
          endOnFailure: true,
          plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)],
        },
      );
    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
    const count = sent - before;
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `fuzz: ${count} requests in ${seconds.toFixed(1)} s (${Math.round(count / seconds)}/s), seeds ${SEED}..${SEED + LANES - 1}; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
    expect(count).toBeGreaterThanOrEqual(LANES * RUNS_PER_LANE);
  });

  it('answers any bad link on the public unsubscribe pages with a 404 page, never a 5xx, token or not', async () => {
    expect(PUBLIC_ROUTES.map((r) => `${r.method} ${r.template}`).sort()).toEqual([
      'GET /unsubscribe/{token}',
      'POST /unsubscribe/{token}',
    ]);
    const segment = fc.oneof(
      fc
        .string({ minLength: 1, maxLength: 300 })
        // `.` and `..` are path steps, not a segment: the URL leaves the route.
        .filter((t) => t !== '.' && t !== '..')
        .map(encodeURIComponent),
      fc.constantFrom('%ZZ', '%E0%A4%A', '%C0%AF', 'u1..', 'u1.e30.AAAA', 'u1.' + 'A'.repeat(5000)),
      fc
        .tuple(fc.base64String({ maxLength: 200 }), fc.base64String({ maxLength: 60 }))
        // Shaped as a real link's (base64url payload and signature), signed by no one.
        .map((parts) => parts.map((p) => p.replaceAll('=', '').replaceAll('+', '-').replaceAll('/', '_')))
        .map(([payload, mac]) => `u1.${payload}.${mac}`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PUBLIC_ROUTES),
        segment,
        fc.constantFrom<Auth>('missing', 'garbage', 'start'),
        fc.option(fc.constantFrom('List-Unsubscribe=One-Click', '{"a":1}', 'x'.repeat(2000)), {
          nil: undefined,
        }),
        async (route, token, auth, body) => {
          const answer = await send(
            route.method,
            route.template.replace('{token}', token),
            { ...authHeader(auth), 'content-type': 'application/x-www-form-urlencoded' },
            body === undefined ? undefined : Buffer.from(body),
          );
          const where = `${answer.status} for ${route.method} /unsubscribe/${token.slice(0, 120)}`;
          if (answer.status >= 500) throw new Error(`5xx: ${where}`);
          // No link the fuzzer can make is signed by this runtime's key: the page says the link is not valid.
          expect(answer.status, where).toBe(404);
          expect(answer.text, where).toContain('<!doctype html>');
        },
      ),
      { seed: SEED, numRuns: 500, endOnFailure: true },
    );
  });
});
