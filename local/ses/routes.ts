/**
 * The SES stand-ins' local routes (DESIGN section 6), served by the HTTP front without a token: the SES front's
 * faults and journal (with each sent message's tracking URLs), and the event simulator's tracking routes (open
 * pixel, click redirect) and published events.
 */
import {
  badRequest,
  errorBody,
  type LocalHandler,
  parseJsonBody,
  type Route,
} from '#local/gateway/routes.ts';
import type { SesFront } from './front.ts';
import { readJournal } from './journal.ts';
import { DEMO_LINK } from './mailbox.ts';
import type { SesEventSimulator } from './simulator.ts';

/** A 1×1 transparent GIF, as an open-tracking pixel. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** The local tracking URLs of a message (DESIGN section 6): the open pixel and a click on `link`. */
export const trackingUrls = (baseUrl: string, sesMessageId: string, link = DEMO_LINK) => ({
  openUrl: `${baseUrl}/local/ses/open/${encodeURIComponent(sesMessageId)}`,
  clickUrl: `${baseUrl}/local/ses/click/${encodeURIComponent(sesMessageId)}?link=${encodeURIComponent(link)}`,
});

export interface SesRoutesDeps {
  sesFront: SesFront;
  /** The SES event simulator: serves the tracking routes and the published events. */
  sesEvents?: SesEventSimulator;
  /** The front's URL, for tracking URLs when a request names no Host. */
  baseUrl?: string;
}

/** `/local/ses/faults` and `/local/ses/journal`, and the tracking routes when there is a simulator. */
export const sesRoutes = (deps: SesRoutesDeps): Array<Route<LocalHandler>> => {
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
      const id = params.sesMessageId ?? '';
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
      const id = params.sesMessageId ?? '';
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

    /**
     * What a mailbox provider does when its reader clicks "Unsubscribe" on a message: an RFC 8058 one-click POST
     * (`List-Unsubscribe=One-Click`) to the HTTP(S) URL of the message's List-Unsubscribe header, as the SES front
     * journaled it. Answers the URL and the status the unsubscribe route gave.
     */
    const oneClick: LocalHandler = async ({ params }) => {
      const id = decodeURIComponent(params.sesMessageId ?? '');
      const entry = events.message(id);
      if (!entry) return unknown(id);
      const header = entry.headers?.['List-Unsubscribe'] ?? '';
      const url = /<(https?:\/\/[^>]+)>/.exec(header)?.[1];
      if (!url || entry.headers?.['List-Unsubscribe-Post'] !== 'List-Unsubscribe=One-Click') {
        return errorBody(409, 'NO_ONE_CLICK', `Message ${id} has no one-click List-Unsubscribe header.`);
      }
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      return { status: 200, body: { url, status: response.status } };
    };

    return [
      { method: 'POST', template: '/local/ses/unsubscribe/{sesMessageId}', value: oneClick },
      { method: 'GET', template: '/local/ses/open/{sesMessageId}', value: open },
      { method: 'GET', template: '/local/ses/click/{sesMessageId}', value: click },
      { method: 'GET', template: '/local/ses/events', value: list },
    ];
  };

  return [
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
