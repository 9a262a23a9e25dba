/**
 * Local-only routes of the embedded runtime (DESIGN section 6), served by the HTTP front without a token, on
 * loopback only: sign-in, the endpoints, Lambda-style direct invoke, and the SES stand-ins' routes (faults, journal,
 * tracking: #local/ses/routes.ts).
 */
import { type FunctionName, kebabName } from '#topology/topology.ts';
import { ROLES } from '#domain/roles.ts';
import type { Identity } from '#local/cognito/identity.ts';
import type { TableNames } from '#local/dynamodb/tables.ts';
import type { EmulatorEndpoints } from '#local/emulators.ts';
import { functionArn, invoke, type LoadedFunction } from '#local/lambda/invoke.ts';
import { type SesRoutesDeps, sesRoutes } from '#local/ses/routes.ts';
import { badRequest, type LocalHandler, type LocalResponse, parseJsonBody, type Route } from './routes.ts';

export interface LocalRoutesDeps extends SesRoutesDeps {
  identity: Identity;
  functions: ReadonlyMap<FunctionName, LoadedFunction>;
  /** Endpoints the handlers use (`ses` is the SES front), the SES emulator behind it, the local scheduler. */
  endpoints: EmulatorEndpoints & { sesEmulator: string; scheduler?: string };
  tables: TableNames;
  /** Queue URLs by logical name, their dead-letter queues' URLs, and the schedules' dead-letter queue. */
  queues?: Record<string, string>;
  dlqs?: Record<string, string>;
  schedulesDlq?: string;
}

/** Local-only routes: sign-in, endpoints, direct invoke, and the SES routes. */
export const createLocalRoutes = (deps: LocalRoutesDeps): Array<Route<LocalHandler>> => {
  const signIn: LocalHandler = async ({ body }) => {
    const parsed = parseJsonBody(body);
    if (!parsed.ok)
      return badRequest('The body is not valid JSON.', [{ field: '(body)', message: 'malformed JSON' }]);
    const input = (parsed.value ?? {}) as { username?: unknown; groups?: unknown };
    const fields: Array<{ field: string; message: string }> = [];
    const username = typeof input.username === 'string' ? input.username.trim() : '';
    if (!/^[\w.@+-]{1,128}$/.test(username)) {
      fields.push({ field: 'username', message: '1 to 128 letters, digits or _ . @ + -' });
    }
    const groups = input.groups === undefined ? [] : input.groups;
    if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string')) {
      fields.push({ field: 'groups', message: 'must be an array of group names' });
    } else {
      groups.forEach((g: string, i) => {
        if (!(ROLES as readonly string[]).includes(g)) {
          fields.push({ field: `groups[${i}]`, message: `unknown group; one of ${ROLES.join(', ')}` });
        }
      });
    }
    if (fields.length > 0) return badRequest('The sign-in request is not valid.', fields);
    const token = await deps.identity.signIn(username, groups as string[]);
    const claims = (await deps.identity.verify(token))!;
    return {
      status: 200,
      body: {
        token,
        sub: claims.sub,
        username,
        groups,
        expiresAt: new Date((claims.exp ?? 0) * 1000).toISOString(),
      },
    };
  };

  const invokeFunction: LocalHandler = async ({ params, body }): Promise<LocalResponse> => {
    const name = params.function ?? '';
    // By its topology name (`computeStats`) or the kebab-case one of its AWS name (`compute-stats`).
    const fn =
      deps.functions.get(name as FunctionName) ??
      [...deps.functions.values()].find((f) => kebabName(f.name) === name);
    if (!fn) {
      return {
        status: 404,
        headers: { 'x-amzn-errortype': 'ResourceNotFoundException' },
        body: { Type: 'User', Message: `Function not found: ${functionArn(name)}` },
      };
    }
    const parsed = parseJsonBody(body);
    if (!parsed.ok) {
      return {
        status: 400,
        headers: { 'x-amzn-errortype': 'InvalidRequestContentException' },
        body: { Type: 'User', message: 'Could not parse request body into json' },
      };
    }
    const outcome = await invoke(fn, parsed.value);
    const headers: Record<string, string> = { 'x-amz-executed-version': '$LATEST' };
    if (outcome.ok) return { status: 200, headers, body: JSON.stringify(outcome.result ?? null) };
    return {
      status: 200,
      headers: { ...headers, 'x-amz-function-error': 'Unhandled' },
      body: { errorType: outcome.errorType, errorMessage: outcome.errorMessage, trace: outcome.trace },
    };
  };

  return [
    { method: 'POST', template: '/local/sign-in', value: signIn },
    {
      method: 'GET',
      template: '/local/endpoints',
      value: async () => ({
        status: 200,
        body: {
          ...deps.endpoints,
          tables: deps.tables,
          queues: deps.queues ?? {},
          dlqs: deps.dlqs ?? {},
          ...(deps.schedulesDlq ? { schedulesDlq: deps.schedulesDlq } : {}),
        },
      }),
    },
    { method: 'POST', template: '/local/invoke/{function}', value: invokeFunction },
    ...sesRoutes(deps),
  ];
};
