/**
 * EmailSender on SES v2: one SendEmail per recipient, Simple content, through the configuration set (so SES
 * publishes the message's events), tagged so events can be attributed. SES has no idempotency key: the client
 * must never retry a send by itself (see createSesClient), and every error is classified (limits.md 1.3) so the
 * sender knows whether the message may have gone out.
 */
import {
  type MessageHeader,
  type MessageTag,
  SendEmailCommand,
  SESv2Client,
  type SESv2ClientConfig,
} from '@aws-sdk/client-sesv2';
import type { EmailSender, OutgoingEmail, SendOutcome } from '#ports/index.ts';

export interface SesEmailSenderOptions {
  /** A client created by createSesClient (maxAttempts 1). */
  client: SESv2Client;
  configurationSetName: string;
}

export interface SesClientOptions {
  /** Client settings (region, endpoint, credentials...); `maxAttempts` is always 1. */
  config?: Omit<SESv2ClientConfig, 'maxAttempts' | 'requestHandler'>;
  /** Time to wait for an answer before the call fails (its outcome then unknown). Default 10 s. */
  requestTimeoutMs?: number;
  /** Time to wait for the TCP connection. Default 3 s. */
  connectionTimeoutMs?: number;
}

/**
 * The SES v2 client the sender must use. `maxAttempts: 1`: the SDK's standard retry strategy retries throttles,
 * 5xx answers, timeouts and socket errors, and a retry after a timeout or a lost answer could send the same
 * message twice (SES may have accepted the first call). The sender decides what to do with each outcome instead:
 * a throttle is released and retried later, anything that may have been accepted becomes in-doubt.
 * `throwOnRequestTimeout`: without it the SDK only logs a warning when the request timeout passes.
 */
export const createSesClient = (options: SesClientOptions = {}): SESv2Client =>
  new SESv2Client({
    ...options.config,
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      throwOnRequestTimeout: true,
    },
  });

const DAILY_QUOTA = 'daily message quota exceeded';
const PAUSED = new Set(['SendingPausedException', 'AccountSuspendedException']);
const REJECTED = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'NotFoundException',
  'BadRequestException',
]);

/**
 * What an error of SendEmail means (limits.md 1.3), checked in this order:
 * - a message containing "Daily message quota exceeded" (any exception, any status) → `daily-quota`;
 * - HTTP 429 or TooManyRequestsException ("Maximum sending rate exceeded.") → `throttled`;
 * - SendingPausedException, AccountSuspendedException → `paused`;
 * - HTTP 403 (AccessDenied, an unrecognised or expired credential: refused before any sending) → `paused`;
 * - MessageRejected, MailFromDomainNotVerifiedException, NotFoundException, BadRequestException, any HTTP 400
 *   → `rejected`;
 * - anything else (5xx, timeouts, socket errors, an answer lost after SES accepted the message) → `unknown`.
 */
export const classifySendError = (error: unknown): Exclude<SendOutcome, { kind: 'accepted' }> => {
  const e = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const status = e.$metadata?.httpStatusCode;
  const code = typeof e.code === 'string' ? ` ${e.code}` : '';
  const reason = `${name}${status === undefined ? '' : ` (HTTP ${status})`}${code}: ${message}`;
  if (message.toLowerCase().includes(DAILY_QUOTA)) return { kind: 'daily-quota', reason };
  if (status === 429 || name === 'TooManyRequestsException') return { kind: 'throttled', reason };
  if (PAUSED.has(name) || status === 403) return { kind: 'paused', reason };
  if (REJECTED.has(name) || status === 400) return { kind: 'rejected', reason };
  return { kind: 'unknown', reason };
};

export class SesEmailSender implements EmailSender {
  readonly #client: SESv2Client;
  readonly #configurationSetName: string;

  constructor(options: SesEmailSenderOptions) {
    this.#client = options.client;
    this.#configurationSetName = options.configurationSetName;
  }

  async send(email: OutgoingEmail): Promise<SendOutcome> {
    const headers: MessageHeader[] = Object.entries(email.headers ?? {}).map(([Name, Value]) => ({
      Name,
      Value,
    }));
    const tags: MessageTag[] = Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value }));
    try {
      const out = await this.#client.send(
        new SendEmailCommand({
          FromEmailAddress: email.from,
          Destination: { ToAddresses: [email.to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: {
                ...(email.html ? { Html: { Data: email.html, Charset: 'UTF-8' } } : {}),
                ...(email.text ? { Text: { Data: email.text, Charset: 'UTF-8' } } : {}),
              },
              ...(headers.length > 0 ? { Headers: headers } : {}),
            },
          },
          EmailTags: tags,
          ConfigurationSetName: this.#configurationSetName,
        }),
      );
      if (!out.MessageId) return { kind: 'unknown', reason: 'SES answered without a MessageId' };
      return { kind: 'accepted', messageId: out.MessageId };
    } catch (error) {
      return classifySendError(error);
    }
  }
}
