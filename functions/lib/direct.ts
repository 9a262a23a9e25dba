/**
 * The middy stack of functions invoked directly (EventBridge Scheduler targets, scheduled rules), defined once:
 * Powertools logger with the Lambda context.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from './http.ts';

export const directHandler = <R>(
  handle: (event: unknown, context: Context) => Promise<R>,
  options: { logEvent?: boolean } = {},
) =>
  middy<unknown, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: options.logEvent ?? false }))
    .handler(handle);
