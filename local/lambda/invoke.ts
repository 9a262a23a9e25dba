/**
 * Lambda in the local runtime: loads each topology function's handler once (as at a cold start) and invokes it
 * in-process with a Lambda context whose deadline is the topology timeout, reporting function errors as Lambda's
 * Invoke API does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionName, type FunctionSpec, functionEntries } from '#topology/topology.ts';

export const LOCAL_ACCOUNT_ID = '000000000000';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LoadedFunction {
  name: FunctionName;
  spec: FunctionSpec;
  handler: LambdaHandler;
}

export type InvokeOutcome =
  { ok: true; result: unknown } | { ok: false; errorType: string; errorMessage: string; trace: string[] };

/**
 * Imports every topology entry once. The environment must be set before: handlers read their configuration at
 * module load, as they do at a cold start in Lambda.
 */
export const loadFunctions = async (repoRoot: string): Promise<Map<FunctionName, LoadedFunction>> => {
  const loaded = new Map<FunctionName, LoadedFunction>();
  for (const [name, spec] of functionEntries()) {
    const module = (await import(pathToFileURL(`${repoRoot}/${spec.entry}`).href)) as { handler?: unknown };
    if (typeof module.handler !== 'function')
      throw new Error(`${spec.entry} does not export a handler function`);
    loaded.set(name, { name, spec, handler: module.handler as LambdaHandler });
  }
  return loaded;
};

const region = (): string => process.env.AWS_REGION ?? 'us-east-1';

export const functionArn = (name: string): string =>
  `arn:aws:lambda:${region()}:${LOCAL_ACCOUNT_ID}:function:${name}`;

/** A Lambda context: request id, names, memory, and the time left before the topology timeout. */
export const buildContext = (fn: { name: string; spec: FunctionSpec }, requestId = randomUUID()): Context => {
  const deadline = Date.now() + fn.spec.timeoutSeconds * 1000;
  const unsupported = () => {
    throw new Error('The callback-style context methods are not supported; return a promise.');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn(fn.name),
    memoryLimitInMB: String(fn.spec.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
};

/** Runs a handler within its timeout; a throw or a timeout is a function error, as Lambda reports it. */
export const invoke = async (
  fn: LoadedFunction,
  event: unknown,
  context = buildContext(fn),
): Promise<InvokeOutcome> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`Task timed out after ${fn.spec.timeoutSeconds.toFixed(2)} seconds`);
      error.name = 'Sandbox.Timedout';
      reject(error);
    }, context.getRemainingTimeInMillis());
    timer.unref();
  });
  try {
    return { ok: true, result: await Promise.race([fn.handler(event, context), timeout]) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      ok: false,
      errorType: e.name || 'Error',
      errorMessage: e.message,
      trace: (e.stack ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    };
  } finally {
    clearTimeout(timer);
  }
};
