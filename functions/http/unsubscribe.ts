/**
 * The public one-click unsubscribe route (RFC 8058), with no sign-in: `GET /unsubscribe/{token}` shows a small
 * confirmation page whose button POSTs; `POST /unsubscribe/{token}` (what Gmail, Yahoo and other mailbox providers
 * send, body `List-Unsubscribe=One-Click`) opts the profile out at once and answers 200. A link that is not ours
 * answers 404, the same page whatever was wrong with it.
 */
import { isDomainError } from '#domain/errors.ts';
import { checkUnsubscribeLink, oneClickUnsubscribe } from '#use-cases/unsubscribe.ts';
import { unsubscribeAdapters } from '#functions/lib/adapters.ts';
import { STATUS } from '#functions/lib/errors.ts';
import { type HttpResult, publicHttpApi } from '#functions/lib/http.ts';

const deps = unsubscribeAdapters();

export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

const page = (statusCode: number, title: string, body: string): HttpResult => ({
  statusCode,
  headers: PAGE_HEADERS,
  body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#16191f}button{font:inherit;padding:.5rem 1.25rem;border-radius:1rem;border:0;background:#0972d3;color:#fff;cursor:pointer}</style></head><body><h1>${title}</h1>${body}</body></html>`,
});

/** A refused link, as the error mapping gives its status (404), in a page. */
const refused = (error: unknown): HttpResult => {
  if (isDomainError(error) && error.code === 'UNSUBSCRIBE_LINK_INVALID')
    return page(STATUS[error.kind], 'Link not valid', `<p>${error.message}</p>`);
  throw error;
};

export const handler = publicHttpApi({
  'GET /unsubscribe/{token}': async (req) => {
    try {
      const subject = await checkUnsubscribeLink(deps, req.params.token!);
      const note =
        subject.kind === 'proof' ? '<p>This link comes from a proof: unsubscribing changes nothing.</p>' : '';
      return page(
        200,
        'Unsubscribe',
        `<p>Stop receiving these emails?</p>${note}<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
      );
    } catch (error) {
      return refused(error);
    }
  },
  'POST /unsubscribe/{token}': async (req) => {
    try {
      const outcome = await oneClickUnsubscribe(deps, req.params.token!);
      return page(
        200,
        outcome.kind === 'proof' ? 'Proof link' : 'You are unsubscribed',
        outcome.kind === 'proof'
          ? '<p>This link comes from a proof: nobody was unsubscribed.</p>'
          : '<p>You will not receive these emails any more.</p>',
      );
    } catch (error) {
      return refused(error);
    }
  },
});
