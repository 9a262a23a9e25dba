/**
 * Local-only routes of the embedded runtime (DESIGN section 6), served by the HTTP front without a token, on
 * loopback only: sign-in, the endpoints, Lambda-style direct invoke, the SES front's faults and journal (with each
 * sent message's tracking URLs), and the SES event simulator's tracking routes (open pixel, click redirect) and
 * published events.
 */
import type { FunctionName } from '#topology/topology.ts';
import { ROLES } from '#domain/roles.ts';
import type { EmulatorEndpoints } from './emulators.ts';
import type { LocalHandler, LocalResponse, Route } from './http-front.ts';
import type { Identity } from './identity.ts';
import { functionArn, invoke, type LoadedFunction } from './lambda.ts';
import type { TableNames } from './resources.ts';
import { type SesEventSimulator, trackingUrls } from './ses-events.ts';
import { readJournal, type SesFront } from './ses-front.ts';

/** A 1×1 transparent GIF, as an open-tracking pixel. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

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
  /** The SES event simulator: serves the tracking routes and the published events. */
  sesEvents?: SesEventSimulator;
  /** The front's URL, for tracking URLs when a request names no Host. */
  baseUrl?: string;
}

const errorBody = (status: number, code: string, message: string): LocalResponse => ({
  status,
  body: { error: { code, message } },
});

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

  const baseUrlOf = (headers: { host?: string | undefined }) =>
    headers.host ? `http://${headers.host}` : (deps.baseUrl ?? '');

  const journal: LocalHandler = async ({ headers }) => {
    const base = baseUrlOf(headers);
    return {
      status: 200,
      body: {
        items: readJournal(deps.sesFront.journalPath).map((entry) =>
          entry.outcome === 'sent' && entry.messageId
            ? { ...entry, ...trackingUrls(base, entry.messageId) }
            : entry,
        ),
      },
    };
  };

  const trackingRoutes = (events: SesEventSimulator): Array<Route<LocalHandler>> => {
    const unknown = (id: string) =>
      errorBody(404, 'NOT_FOUND', `No message ${id} was sent through the SES front.`);
    const published = (error: unknown) =>
      errorBody(502, 'PUBLISH_FAILED', `The event could not be published: ${(error as Error).message}`);
    const userAgentOf = (headers: { 'user-agent'?: string | undefined }) => headers['user-agent'] ?? '';

    /** The open pixel: publishes an Open with the request's User-Agent. */
    const open: LocalHandler = async ({ params, headers }) => {
      const id = decodeURIComponent(params.sesMessageId ?? '');
      let event;
      try {
        event = await events.open(id, { userAgent: userAgentOf(headers), ipAddress: '127.0.0.1' });
      } catch (error) {
        return published(error);
      }
      if (!event) return unknown(id);
      return {
        status: 200,
        headers: { 'content-type': 'image/gif', 'cache-control': 'no-store' },
        body: PIXEL_GIF,
      };
    };

    /** The click redirect: publishes a Click on `link` and answers 302 to it. */
    const click: LocalHandler = async ({ params, query, headers }) => {
      const id = decodeURIComponent(params.sesMessageId ?? '');
      const link = query.get('link') ?? '';
      const url = URL.canParse(link) ? new URL(link) : null;
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        return badRequest('Give the link to follow: ?link=<an http or https URL>.', [
          { field: 'link', message: link ? 'not an http or https URL' : 'required' },
        ]);
      }
      let event;
      try {
        event = await events.click(id, { userAgent: userAgentOf(headers), ipAddress: '127.0.0.1', link });
      } catch (error) {
        return published(error);
      }
      if (!event) return unknown(id);
      return { status: 302, headers: { location: link, 'cache-control': 'no-store' }, body: '' };
    };

    /** The events published for a message: each with its SQS body (the SNS envelope) and the record in it. */
    const list: LocalHandler = async ({ query }) => {
      const id = query.get('messageId') ?? '';
      if (!id)
        return badRequest('Give ?messageId=<SES message id>.', [{ field: 'messageId', message: 'required' }]);
      if (!events.message(id)) return unknown(id);
      return {
        status: 200,
        body: {
          items: events.published(id).map((event) => ({
            ...event,
            ...(event.envelope ? { record: JSON.parse(event.envelope.Message) as unknown } : {}),
          })),
        },
      };
    };

    return [
      { method: 'GET', template: '/local/ses/open/{sesMessageId}', value: open },
      { method: 'GET', template: '/local/ses/click/{sesMessageId}', value: click },
      { method: 'GET', template: '/local/ses/events', value: list },
    ];
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
    { method: 'GET', template: '/local/ses/journal', value: journal },
    ...(deps.sesEvents ? trackingRoutes(deps.sesEvents) : []),
  ];
};
