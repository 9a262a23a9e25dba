/**
 * Errors to HTTP, in one place. Domain errors map by kind; Powertools idempotency errors map to 409; an AWS
 * service's refusal of a request as invalid (a ValidationException: a key over its size limit...) is a 400, since
 * only input can make a valid request invalid; anything else is a 500 with the request id and no stack trace (the
 * stack goes to the log).
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import { type ErrorKind, isDomainError } from '#domain/errors.ts';

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export interface HttpResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

export const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'unsupported-media-type': 415,
  throttled: 429,
};

export const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

export const errorResponse = (
  statusCode: number,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): HttpResult => {
  const body: ErrorBody = { error: { code, message, ...(details ? { details } : {}) } };
  return { statusCode, headers: JSON_HEADERS, body: JSON.stringify(body) };
};

/** An AWS SDK v3 service exception for a request the service refused as invalid (its fault: the client's). */
const isAwsValidationError = (error: unknown): boolean =>
  error instanceof Error &&
  error.name === 'ValidationException' &&
  (error as { $fault?: unknown }).$fault === 'client';

export const toErrorResponse = (
  error: unknown,
  requestId: string,
): { result: HttpResult; unexpected: boolean } => {
  if (isDomainError(error)) {
    return {
      result: errorResponse(STATUS[error.kind], error.code, error.message, error.details),
      unexpected: false,
    };
  }
  if (error instanceof IdempotencyValidationError) {
    return {
      result: errorResponse(
        409,
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was used with a different request.',
      ),
      unexpected: false,
    };
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return {
      result: errorResponse(
        409,
        'REQUEST_IN_PROGRESS',
        'A request with this Idempotency-Key is still in progress.',
      ),
      unexpected: false,
    };
  }
  if (isAwsValidationError(error)) {
    // Input should be checked before any AWS call (a 400 naming the field): one that got this far is logged.
    return {
      result: errorResponse(
        400,
        'INVALID_INPUT',
        'The request is not valid: a value is over a limit of the data store.',
        {
          fields: [],
          requestId,
        },
      ),
      unexpected: true,
    };
  }
  return {
    result: errorResponse(500, 'INTERNAL', 'Something went wrong on our side. Try again later.', {
      requestId,
    }),
    unexpected: true,
  };
};
