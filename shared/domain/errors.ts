/**
 * Domain errors. Each carries a stable `code` and a `kind`; the HTTP layer maps kinds to status codes in one
 * place (functions/lib/http.ts). No AWS imports here.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'unsupported-media-type'
  | 'throttled';

export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

export const invalid = (message: string, fields: FieldError[] = []): DomainError =>
  new DomainError('invalid', 'INVALID_INPUT', message, { fields });

export const forbidden = (message: string): DomainError => new DomainError('forbidden', 'FORBIDDEN', message);

export const notFound = (what: string, id: string): DomainError =>
  new DomainError('not-found', 'NOT_FOUND', `${what} ${id} was not found.`, { id });

/** 409: the current state (or version) does not allow the action. `details.state` names the current state. */
export const conflict = (message: string, details: Record<string, unknown>): DomainError =>
  new DomainError('conflict', 'CONFLICT', message, details);

export const quotaExceeded = (toDeliver: number, remaining: number, max24HourSend: number): DomainError =>
  new DomainError(
    'conflict',
    'QUOTA_EXCEEDED',
    `This send needs ${toDeliver} messages but only ${remaining} remain in the 24-hour sending quota.`,
    { toDeliver, remaining, max24HourSend },
  );

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
