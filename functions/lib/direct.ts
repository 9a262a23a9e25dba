/**
 * The middy stack of functions invoked directly (EventBridge Scheduler targets, scheduled rules), defined once:
 * observability (Powertools logger with the Lambda context, tracer, metrics: functions/lib/observability.ts).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { observe } from './observability.ts';

export const directHandler = <R>(
  handle: (event: unknown, context: Context) => Promise<R>,
  options: { logEvent?: boolean } = {},
) =>
  middy<unknown, R, Error, Context>()
    .use(observe({ logEvent: options.logEvent ?? false }))
    .handler(handle);
