/**
 * The console's Content-Security-Policy, one text for both places that serve it: the embedded runtime
 * (local/console/serve.ts, so the browser tier runs every screen under it) and CloudFront in AWS (the console
 * stack's response headers policy, infra/stacks/console.ts), which adds the API's and Cognito's hosts.
 *
 * Its own files only for scripts; inline styles (Cloudscape sets some, and a message's HTML in the preview frame
 * is full of them); images from anywhere over HTTPS (the preview shows a message's remote images); calls to its own
 * origin and to `connectTo`; nothing may frame it, and nothing it loads may be a plugin.
 */
export const consoleContentSecurityPolicy = (options: {
  /** Origins the console calls besides its own (the API, Cognito), e.g. `https://*.execute-api.<region>.amazonaws.com`. */
  connectTo: readonly string[];
  /** Served over HTTPS: upgrade any http: URL a page names. */
  https: boolean;
}): string =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "font-src 'self' data:",
    ["connect-src 'self'", ...options.connectTo].join(' '),
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    ...(options.https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
