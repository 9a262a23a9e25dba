/**
 * Local-only routes of the embedded runtime (DESIGN section 6), served by the HTTP front without a token, on
 * loopback only: sign-in, the endpoints, Lambda-style direct invoke, and the SES front's faults and journal.
 */
import type { FunctionName } from '../infra/topology.ts';
import { ROLES } from '../shared/domain/roles.ts';
import type { EmulatorEndpoints } from './emulators.ts';
import type { LocalHandler, LocalResponse, Route } from './http-front.ts';
import type { Identity } from './identity.ts';
import { functionArn, invoke, type LoadedFunction } from './lambda.ts';
import type { TableNames } from './resources.ts';
import { readJournal, type SesFront } from './ses-front.ts';

const badRequest = (message: string, fields: Array<{ field: string; message: string }> = []) => ({
  status: 400,
  body: { error: { code: 'INVALID_INPUT', message, details: { fields } } },
});

const parseJsonBody = (body: Buffer): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(body.length === 0 ? 'null' : body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
};

export interface LocalRoutesDeps {
  identity: Identity;
  functions: ReadonlyMap<FunctionName, LoadedFunction>;
  /** Endpoints the handlers use (`ses` is the SES front), the SES emulator behind it, the local scheduler. */
  endpoints: EmulatorEndpoints & { sesEmulator: string; scheduler?: string };
  tables: TableNames;
  sesFront: SesFront;
  /** Queue URLs by logical name, their dead-letter queues' URLs, and the schedules' dead-letter queue. */
  queues?: Record<string, string>;
  dlqs?: Record<string, string>;
  schedulesDlq?: string;
}

/** Local-only routes: sign-in, endpoints, direct invoke, SES faults and journal. */
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
    const name = decodeURIComponent(params.function ?? '');
    const fn = deps.functions.get(name as FunctionName);
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

  const faultCount = (value: unknown) =>
    value === undefined ||
    (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 1_000_000);
  const faults = () => ({
    throttle: deps.sesFront.pendingThrottles(),
    lostAnswers: deps.sesFront.pendingLostAnswers(),
  });

  /**
   * `{"throttle": N}`: the next N sends answer 429 "Maximum sending rate exceeded."; `{"lostAnswers": N}`: the next
   * N sends reach SES and are journaled, but their answer is lost (the crash between the SES call and the ledger
   * write). Either or both.
   */
  const sesFaults: LocalHandler = async ({ body }) => {
    const parsed = parseJsonBody(body);
    const value = (parsed.ok ? parsed.value : null) as { throttle?: unknown; lostAnswers?: unknown } | null;
    const fields = [];
    if (!value || (value.throttle === undefined && value.lostAnswers === undefined)) {
      fields.push({ field: 'throttle', message: 'give throttle and/or lostAnswers' });
    } else {
      if (!faultCount(value.throttle))
        fields.push({ field: 'throttle', message: 'a whole number from 0 to 1000000' });
      if (!faultCount(value.lostAnswers)) {
        fields.push({ field: 'lostAnswers', message: 'a whole number from 0 to 1000000' });
      }
    }
    if (fields.length > 0)
      return badRequest('Give the number of send requests to throttle or to lose.', fields);
    if (value?.throttle !== undefined) deps.sesFront.injectThrottling(value.throttle as number);
    if (value?.lostAnswers !== undefined) deps.sesFront.injectLostAnswers(value.lostAnswers as number);
    return { status: 200, body: faults() };
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
    { method: 'POST', template: '/local/ses/faults', value: sesFaults },
    {
      method: 'GET',
      template: '/local/ses/faults',
      value: async () => ({ status: 200, body: faults() }),
    },
    {
      method: 'GET',
      template: '/local/ses/journal',
      value: async () => ({ status: 200, body: { items: readJournal(deps.sesFront.journalPath) } }),
    },
  ];
};
