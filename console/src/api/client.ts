/**
 * The API client: openapi-fetch typed by the types generated from docs/openapi.json (./openapi.ts), so a
 * contract change that breaks a screen fails `npm run typecheck`. It sends the ID token as the HTTP API's JWT
 * authorizer expects, reports a 401 (an expired session), and turns error answers into ApiError.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './openapi.ts';

export type Schemas = components['schemas'];
export type Delivery = Schemas['Delivery'];
export type DeliveryState = Delivery['state'];
export type Kpis = Delivery['deployment']['kpis'];
export type Audience = Schemas['Audience'];
export type Profile = Schemas['Profile'];
export type SendingLogEntry = Schemas['SendingLogPage']['items'][number];
export type ExclusionLogEntry = Schemas['ExclusionLogPage']['items'][number];
export type TrackingLogEntry = Schemas['TrackingLogPage']['items'][number];
export type DeliveryInput = Schemas['DeliveryInput'];
export type Timeline = Schemas['Timeline'];
export type Proof = Schemas['Proof'];
export type ProofRecipient = Proof['recipients'][number];
export type ResendResult = Schemas['ResendResult'];
export type ResendTarget = ResendResult['resendTarget'];

export interface FieldError {
  field: string;
  message: string;
}

/** An error answer: the handlers' {"error": {code, message, details}} or API Gateway's {"message"}. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, body: unknown) {
    const error = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
      ?.error;
    const message =
      error?.message ?? (body as { message?: string } | undefined)?.message ?? `The API answered ${status}.`;
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = error?.code ?? (status === 401 ? 'UNAUTHORIZED' : `HTTP_${status}`);
    this.details = error?.details ?? {};
  }

  /** `details.fields` of a 400: each failing field and why. */
  get fields(): FieldError[] {
    const fields = this.details.fields;
    return Array.isArray(fields) ? (fields as FieldError[]) : [];
  }
}

export const createApi = (options: {
  baseUrl: string;
  token: () => string | null;
  onUnauthorized: () => void;
}) => {
  const client = createClient<paths>({ baseUrl: options.baseUrl || window.location.origin });
  client.use({
    onRequest({ request }) {
      const token = options.token();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) options.onUnauthorized();
      return response;
    },
  });
  return client;
};

export type Api = ReturnType<typeof createApi>;

/** The answer's data, or throws ApiError (what TanStack Query expects of a query or mutation function). */
export const unwrap = async <T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> => {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) throw new ApiError(response.status, error);
  return data;
};
