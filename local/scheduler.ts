/**
 * The local EventBridge Scheduler. No emulator exists, so this serves the part of Scheduler's wire protocol
 * (restJson1) that `@aws-sdk/client-scheduler` uses for schedules, on its own loopback port:
 *
 *   CreateSchedule  POST   /schedules/{Name}                       body: the schedule, GroupName, ClientToken
 *   GetSchedule     GET    /schedules/{Name}?groupName=
 *   UpdateSchedule  PUT    /schedules/{Name}                       body: the whole schedule again
 *   DeleteSchedule  DELETE /schedules/{Name}?groupName=&clientToken=
 *   ListSchedules   GET    /schedules?ScheduleGroup=&NamePrefix=&State=&NextToken=&MaxResults=
 *
 * Timestamps are epoch seconds; errors are `{"Message"}` with `x-amzn-errortype` (ConflictException,
 * ResourceNotFoundException, ValidationException), which the SDK turns into its typed exceptions. Schedule groups
 * are not served: `default` and the groups given at start exist.
 *
 * Schedules persist in `<dataDir>/schedules.json` (written atomically after every change), with what the
 * scheduler needs to carry on after a restart: the next occurrence and a delivery being retried. A schedule that
 * came due while the runtime was down fires at the first tick after the start (a recurring one once, for its
 * latest missed occurrence).
 *
 * Firing: `tick()` delivers every due occurrence to its target (the runtime maps a target ARN to a function
 * invoked in-process, or a local queue), with the input's context attributes replaced. A failed delivery is retried
 * after 1, 2, 4... seconds (at most 60) while the RetryPolicy allows (MaximumRetryAttempts, default 185;
 * MaximumEventAgeInSeconds from the occurrence, default 86,400), then goes to the DeadLetterConfig queue, with the
 * attributes EventBridge puts on dead-letter messages. After its last occurrence a schedule with
 * `ActionAfterCompletion: DELETE` is deleted. The clock is injectable (`now`) and `tick()` is public, so tests
 * drive time; the runtime ticks every second. FlexibleTimeWindow is accepted and ignored (fires at the time).
 *
 * One difference from AWS to keep in mind: Scheduler invokes Lambda asynchronously, so in AWS a function error is
 * retried by Lambda's asynchronous invocation (2 retries by default) and not by the schedule's RetryPolicy; here
 * the function runs in-process and its errors are retried by the RetryPolicy and dead-lettered as above.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  type Bounds,
  nextOccurrence,
  parseScheduleExpression,
  renderInput,
  type ScheduleExpression,
} from './schedule-expressions.ts';

export const SCHEDULES_FILE = 'schedules.json';
export const DEFAULT_GROUP = 'default';

const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SQS_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/;
const DEFAULT_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 };

export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
  [other: string]: unknown;
}

/** A schedule as the API describes it (dates as ISO strings here), plus the scheduler's own state. */
export interface StoredSchedule {
  Arn: string;
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: string;
  EndDate?: string;
  Description?: string;
  State: 'ENABLED' | 'DISABLED';
  KmsKeyArn?: string;
  Target: ScheduleTarget;
  FlexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE'; MaximumWindowInMinutes?: number };
  ActionAfterCompletion: 'NONE' | 'DELETE';
  CreationDate: string;
  LastModificationDate: string;
  ClientToken?: string;
  /** The next occurrence to deliver (ISO), or null when there is none left. */
  next: string | null;
  /** An occurrence being delivered: its time, the attempts made, and when to try again. */
  pending?: { scheduledTime: string; attempts: number; retryAt: string };
}

/** Where the runtime delivers targets' inputs. */
export interface SchedulerTargets {
  /** Whether `arn` is a target this runtime can invoke (checked at create and update). */
  has(arn: string): boolean;
  /** Delivers the input (context attributes replaced); throws on failure (the error's name is its code). */
  deliver(arn: string, input: string): Promise<void>;
  /** Sends a dead-letter message to a queue; false when the ARN is not a local queue. */
  deadLetter(queueArn: string, body: string, attributes: Record<string, string>): Promise<boolean>;
}

export interface LocalSchedulerOptions {
  dataDir: string;
  targets: SchedulerTargets;
  /** Schedule groups besides `default`. */
  groups?: readonly string[];
  /** Loopback port (default 0: a free one). */
  port?: number;
  region?: string;
  accountId?: string;
  /** The clock (epoch ms); default Date.now. */
  now?: () => number;
  /** Delay before retry n (1, 2...) of a failed delivery; default 2^(n-1) s, at most 60 s. */
  retryDelayMs?: (retry: number) => number;
  log?: (line: string) => void;
}

export interface TickResult {
  /** Deliveries attempted by this tick, and how they ended. */
  delivered: number;
  failed: number;
  deadLettered: number;
}

export interface LocalScheduler {
  readonly url: string;
  /** Delivers what is due now; resolves when the deliveries it started have ended. */
  tick(): Promise<TickResult>;
  /** Ticks every `intervalMs` (the runtime's clock) until stop. */
  startClock(intervalMs?: number): void;
  schedules(): StoredSchedule[];
  /** Stops the clock and the server; waits for deliveries under way (at most `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}
const validation = (message: string) => new ApiError(400, 'ValidationException', message);
const notFound = (message: string) => new ApiError(404, 'ResourceNotFoundException', message);
const conflict = (message: string) => new ApiError(409, 'ConflictException', message);

const key = (group: string, name: string) => `${group}/${name}`;

/** restJson1 timestamps are epoch seconds; accept ISO strings too. */
const readDate = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw validation(`Invalid ${field}`);
  return new Date(ms).toISOString();
};
const epochSeconds = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

const expressionOf = (s: Pick<StoredSchedule, 'ScheduleExpression' | 'ScheduleExpressionTimezone'>) => {
  const parsed = parseScheduleExpression(s.ScheduleExpression, s.ScheduleExpressionTimezone ?? 'UTC');
  if (!parsed.ok) throw validation(parsed.reason);
  return parsed.expression;
};

const boundsOf = (s: StoredSchedule): Bounds => ({
  timeZone: s.ScheduleExpressionTimezone ?? 'UTC',
  createdMs: Date.parse(s.CreationDate),
  ...(s.StartDate ? { startMs: Date.parse(s.StartDate) } : {}),
  ...(s.EndDate ? { endMs: Date.parse(s.EndDate) } : {}),
});

const firstOccurrence = (s: StoredSchedule, expression: ScheduleExpression, nowMs: number): string | null => {
  const next = nextOccurrence(expression, nowMs, boundsOf(s));
  return next === null ? null : new Date(next).toISOString();
};

const defaultRetryDelay = (retry: number) => Math.min(60_000, 1000 * 2 ** (retry - 1));

const readBody = async (request: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw validation('The request body is not valid JSON.');
  }
};

export const startLocalScheduler = async (options: LocalSchedulerOptions): Promise<LocalScheduler> => {
  const now = options.now ?? Date.now;
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const log = options.log ?? (() => {});
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const groups = new Set([DEFAULT_GROUP, ...(options.groups ?? [])]);
  const file = join(options.dataDir, SCHEDULES_FILE);
  mkdirSync(options.dataDir, { recursive: true });

  // ---- store ----
  const store = new Map<string, StoredSchedule>();
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { schedules?: StoredSchedule[] };
      for (const s of saved.schedules ?? []) store.set(key(s.GroupName, s.Name), s);
    } catch (error) {
      const aside = `${file}.unreadable-${Date.now()}`;
      renameSync(file, aside);
      log(`Scheduler: ${file} could not be read (${(error as Error).message}); moved aside to ${aside}`);
    }
  }
  const save = () => {
    const schedules = [...store.values()].sort((a, b) => a.Arn.localeCompare(b.Arn));
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ schedules }, null, 2)}\n`, { flush: true });
    renameSync(`${file}.tmp`, file);
  };

  const scheduleArn = (group: string, name: string) =>
    `arn:aws:scheduler:${region}:${accountId}:schedule/${group}/${name}`;

  const getOrThrow = (group: string, name: string): StoredSchedule => {
    if (!groups.has(group)) throw notFound(`Schedule group ${group} does not exist.`);
    const s = store.get(key(group, name));
    if (!s) throw notFound(`Schedule ${name} does not exist.`);
    return s;
  };

  /** Validates a Create/Update body and builds the schedule (without its state). */
  const buildSchedule = (
    name: string,
    body: Record<string, unknown>,
    created?: StoredSchedule,
  ): StoredSchedule => {
    const group =
      typeof body.GroupName === 'string' && body.GroupName !== '' ? body.GroupName : DEFAULT_GROUP;
    if (!NAME.test(name)) throw validation(`Invalid schedule name ${name}`);
    if (!NAME.test(group)) throw validation(`Invalid group name ${group}`);
    if (!groups.has(group)) throw notFound(`Schedule group ${group} does not exist.`);
    if (typeof body.ScheduleExpression !== 'string' || body.ScheduleExpression.length > 256)
      throw validation('ScheduleExpression is required.');
    const timeZone = body.ScheduleExpressionTimezone;
    if (timeZone !== undefined && typeof timeZone !== 'string')
      throw validation('Invalid ScheduleExpressionTimezone');
    const target = body.Target as ScheduleTarget | undefined;
    if (!target || typeof target !== 'object') throw validation('Target is required.');
    if (typeof target.Arn !== 'string' || target.Arn === '') throw validation('Target.Arn is required.');
    if (typeof target.RoleArn !== 'string' || !ROLE_ARN.test(target.RoleArn))
      throw validation('Target.RoleArn must be an IAM role ARN.');
    if (!options.targets.has(target.Arn))
      throw validation(
        `The local scheduler cannot invoke target ${target.Arn} (not a local function or queue).`,
      );
    if (target.Input !== undefined && (typeof target.Input !== 'string' || target.Input.length === 0))
      throw validation('Target.Input must be a non-empty string.');
    const retry = target.RetryPolicy;
    if (retry !== undefined) {
      const { MaximumRetryAttempts: attempts, MaximumEventAgeInSeconds: age } = retry;
      if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 0 || attempts > 185))
        throw validation('RetryPolicy.MaximumRetryAttempts must be between 0 and 185.');
      if (age !== undefined && (!Number.isInteger(age) || age < 60 || age > 86_400))
        throw validation('RetryPolicy.MaximumEventAgeInSeconds must be between 60 and 86400.');
    }
    const dlq = target.DeadLetterConfig?.Arn;
    if (dlq !== undefined && !SQS_ARN.test(dlq))
      throw validation('DeadLetterConfig.Arn must be an SQS queue ARN.');
    const window = body.FlexibleTimeWindow as StoredSchedule['FlexibleTimeWindow'] | undefined;
    if (!window || (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE'))
      throw validation('FlexibleTimeWindow.Mode must be OFF or FLEXIBLE.');
    if (window.Mode === 'FLEXIBLE') {
      const max = window.MaximumWindowInMinutes;
      if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > 1440)
        throw validation('FlexibleTimeWindow.MaximumWindowInMinutes must be between 1 and 1440.');
    }
    const state = body.State ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') throw validation('State must be ENABLED or DISABLED.');
    const after = body.ActionAfterCompletion ?? 'NONE';
    if (after !== 'NONE' && after !== 'DELETE')
      throw validation('ActionAfterCompletion must be NONE or DELETE.');
    const at = new Date(now()).toISOString();
    const schedule: StoredSchedule = {
      Arn: scheduleArn(group, name),
      Name: name,
      GroupName: group,
      ScheduleExpression: body.ScheduleExpression,
      ...(timeZone !== undefined ? { ScheduleExpressionTimezone: timeZone } : {}),
      ...(body.StartDate !== undefined ? { StartDate: readDate(body.StartDate, 'StartDate')! } : {}),
      ...(body.EndDate !== undefined ? { EndDate: readDate(body.EndDate, 'EndDate')! } : {}),
      ...(typeof body.Description === 'string' ? { Description: body.Description } : {}),
      State: state,
      ...(typeof body.KmsKeyArn === 'string' ? { KmsKeyArn: body.KmsKeyArn } : {}),
      Target: target,
      FlexibleTimeWindow: window,
      ActionAfterCompletion: after,
      CreationDate: created?.CreationDate ?? at,
      LastModificationDate: at,
      ...(typeof body.ClientToken === 'string' ? { ClientToken: body.ClientToken } : {}),
      next: null,
    };
    if (schedule.StartDate && schedule.EndDate && schedule.EndDate <= schedule.StartDate)
      throw validation('EndDate must be after StartDate.');
    schedule.next = firstOccurrence(schedule, expressionOf(schedule), now());
    return schedule;
  };

  const describe = (s: StoredSchedule) => {
    const out: Record<string, unknown> = {
      Arn: s.Arn,
      GroupName: s.GroupName,
      Name: s.Name,
      ScheduleExpression: s.ScheduleExpression,
      StartDate: epochSeconds(s.StartDate),
      EndDate: epochSeconds(s.EndDate),
      Description: s.Description,
      ScheduleExpressionTimezone: s.ScheduleExpressionTimezone,
      State: s.State,
      CreationDate: epochSeconds(s.CreationDate),
      LastModificationDate: epochSeconds(s.LastModificationDate),
      KmsKeyArn: s.KmsKeyArn,
      Target: s.Target,
      FlexibleTimeWindow: s.FlexibleTimeWindow,
      ActionAfterCompletion: s.ActionAfterCompletion,
    };
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
  };

  // ---- API ----
  const api = async (
    method: string,
    path: string,
    query: URLSearchParams,
    body: () => Promise<unknown>,
  ): Promise<unknown> => {
    const one = /^\/schedules\/([^/]+)$/.exec(path);
    if (one) {
      const name = decodeURIComponent(one[1]!);
      if (method === 'POST') {
        const input = (await body()) as Record<string, unknown>;
        const group =
          typeof input.GroupName === 'string' && input.GroupName !== '' ? input.GroupName : DEFAULT_GROUP;
        const existing = store.get(key(group, name));
        if (existing) {
          // A retried request (same client token) gets the first answer.
          if (typeof input.ClientToken === 'string' && input.ClientToken === existing.ClientToken)
            return { ScheduleArn: existing.Arn };
          throw conflict(`Schedule ${name} already exists.`);
        }
        const schedule = buildSchedule(name, input);
        store.set(key(schedule.GroupName, name), schedule);
        save();
        return { ScheduleArn: schedule.Arn };
      }
      if (method === 'PUT') {
        const input = (await body()) as Record<string, unknown>;
        const group =
          typeof input.GroupName === 'string' && input.GroupName !== '' ? input.GroupName : DEFAULT_GROUP;
        const existing = getOrThrow(group, name);
        const schedule = buildSchedule(name, input, existing);
        store.set(key(group, name), schedule);
        save();
        return { ScheduleArn: schedule.Arn };
      }
      const group = query.get('groupName') || DEFAULT_GROUP;
      if (method === 'GET') return describe(getOrThrow(group, name));
      if (method === 'DELETE') {
        getOrThrow(group, name);
        store.delete(key(group, name));
        save();
        return {};
      }
    }
    if (path === '/schedules' && method === 'GET') {
      const group = query.get('ScheduleGroup');
      const prefix = query.get('NamePrefix') ?? '';
      const state = query.get('State');
      const max = Number(query.get('MaxResults') ?? 100);
      if (!Number.isInteger(max) || max < 1 || max > 100)
        throw validation('MaxResults must be between 1 and 100.');
      if (group !== null && !groups.has(group)) throw notFound(`Schedule group ${group} does not exist.`);
      const all = [...store.values()]
        .filter((s) => (group === null || s.GroupName === group) && s.Name.startsWith(prefix))
        .filter((s) => state === null || s.State === state)
        .sort((a, b) => key(a.GroupName, a.Name).localeCompare(key(b.GroupName, b.Name)));
      const token = query.get('NextToken');
      const from = token
        ? all.findIndex((s) => key(s.GroupName, s.Name) > Buffer.from(token, 'base64url').toString())
        : 0;
      const page = from < 0 ? [] : all.slice(from, from + max);
      const last = page[page.length - 1];
      const more = from >= 0 && from + max < all.length && last;
      return {
        Schedules: page.map((s) => ({
          Arn: s.Arn,
          Name: s.Name,
          GroupName: s.GroupName,
          State: s.State,
          CreationDate: epochSeconds(s.CreationDate),
          LastModificationDate: epochSeconds(s.LastModificationDate),
          Target: { Arn: s.Target.Arn },
        })),
        ...(more ? { NextToken: Buffer.from(key(last.GroupName, last.Name)).toString('base64url') } : {}),
      };
    }
    throw new ApiError(
      404,
      'UnknownOperationException',
      `The local scheduler does not serve ${method} ${path}.`,
    );
  };

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    let status = 200;
    let payload: unknown;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    try {
      payload = await api(request.method ?? 'GET', url.pathname, url.searchParams, () => readBody(request));
    } catch (error) {
      if (error instanceof ApiError) {
        status = error.status;
        headers['x-amzn-errortype'] = error.type;
        payload = { Message: error.message };
      } else {
        status = 500;
        headers['x-amzn-errortype'] = 'InternalServerException';
        payload = { Message: (error as Error).message };
        log(`Scheduler: ${request.method} ${url.pathname} failed: ${(error as Error).stack}`);
      }
    }
    headers['x-amzn-requestid'] = randomUUID();
    const text = JSON.stringify(payload);
    response.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
    response.end(text);
  };

  const server: Server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      log(`Scheduler: ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // ---- firing ----
  const inFlight = new Map<string, Promise<void>>();

  /** After an occurrence is done with: delete a completed schedule when asked to, else keep it. */
  const complete = (k: string, s: StoredSchedule) => {
    if (s.next === null && !s.pending && s.ActionAfterCompletion === 'DELETE') {
      store.delete(k);
      log(`Scheduler: ${s.GroupName}/${s.Name} completed and was deleted`);
    }
  };

  const deadLetter = async (
    s: StoredSchedule,
    input: string,
    error: Error,
    condition: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds',
    retries: number,
  ) => {
    const dlq = s.Target.DeadLetterConfig?.Arn;
    const what = `${s.GroupName}/${s.Name}: ${error.name}: ${error.message} (${condition} exhausted after ${retries} retries)`;
    if (!dlq) {
      log(`Scheduler: dropped the event of ${what}; the schedule has no dead-letter queue`);
      return;
    }
    const sent = await options.targets
      .deadLetter(dlq, input, {
        ERROR_CODE: error.name,
        ERROR_MESSAGE: error.message.slice(0, 1024),
        EXHAUSTED_RETRY_CONDITION: condition,
        RETRY_ATTEMPTS: String(retries),
        SCHEDULE_ARN: s.Arn,
        TARGET_ARN: s.Target.Arn,
      })
      .catch((e: unknown) => {
        log(`Scheduler: could not send to the dead-letter queue ${dlq}: ${(e as Error).message}`);
        return true;
      });
    if (!sent) log(`Scheduler: ${dlq} is not a local queue; the event of ${what} is dropped`);
  };

  /** One attempt at the pending occurrence of schedule `k`. */
  const attempt = async (k: string, result: TickResult): Promise<void> => {
    const s = store.get(k);
    if (!s?.pending) return;
    const { scheduledTime } = s.pending;
    const attemptNumber = s.pending.attempts + 1;
    const retry = { ...DEFAULT_RETRY, ...s.Target.RetryPolicy };
    const input = renderInput(s.Target.Input ?? '{}', {
      scheduleArn: s.Arn,
      scheduledTimeMs: Date.parse(scheduledTime),
      executionId: randomBytes(16).toString('hex'),
      attemptNumber,
    });
    const ageExceeded = () => now() - Date.parse(scheduledTime) > retry.MaximumEventAgeInSeconds * 1000;
    let error: Error | null = null;
    if (ageExceeded() && attemptNumber === 1) {
      error = Object.assign(new Error('The event is older than MaximumEventAgeInSeconds'), {
        name: 'EventAgeExceeded',
      });
    } else {
      try {
        await options.targets.deliver(s.Target.Arn, input);
      } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
      }
    }
    const current = store.get(k);
    if (current !== s) return; // deleted or replaced meanwhile: this occurrence is gone with it
    if (!error) {
      result.delivered += 1;
      delete s.pending;
      complete(k, s);
      save();
      return;
    }
    result.failed += 1;
    const retries = attemptNumber - 1;
    const condition = ageExceeded()
      ? 'MaximumEventAgeInSeconds'
      : retries >= retry.MaximumRetryAttempts
        ? 'MaximumRetryAttempts'
        : null;
    if (condition) {
      result.deadLettered += 1;
      delete s.pending;
      await deadLetter(s, input, error, condition, retries);
      if (store.get(k) === s) complete(k, s);
    } else {
      s.pending = {
        scheduledTime,
        attempts: attemptNumber,
        retryAt: new Date(now() + retryDelay(attemptNumber)).toISOString(),
      };
      log(
        `Scheduler: ${s.GroupName}/${s.Name} attempt ${attemptNumber} failed (${error.name}: ${error.message}); retrying`,
      );
    }
    save();
  };

  const tick = async (): Promise<TickResult> => {
    const result: TickResult = { delivered: 0, failed: 0, deadLettered: 0 };
    const nowMs = now();
    const started: Array<Promise<void>> = [];
    let changed = false;
    for (const [k, s] of store) {
      if (inFlight.has(k) || s.State !== 'ENABLED') continue;
      if (!s.pending) {
        if (s.next === null || Date.parse(s.next) > nowMs) continue;
        // Due: deliver the latest occurrence that is due (occurrences missed while down are skipped).
        const expression = expressionOf(s);
        const bounds = boundsOf(s);
        let scheduled = Date.parse(s.next);
        let skipped = false;
        // After a long stop, look from a day back rather than step through every missed occurrence.
        const dayAgo = nowMs - 86_400_000;
        if (expression.kind !== 'at' && scheduled < dayAgo) {
          const recent = nextOccurrence(expression, dayAgo, bounds);
          if (recent !== null && recent <= nowMs) [scheduled, skipped] = [recent, true];
        }
        let following = expression.kind === 'at' ? null : nextOccurrence(expression, scheduled, bounds);
        while (following !== null && following <= nowMs) {
          [scheduled, skipped] = [following, true];
          following = nextOccurrence(expression, scheduled, bounds);
        }
        if (skipped)
          log(
            `Scheduler: ${s.GroupName}/${s.Name} missed occurrences; delivering the latest, ${new Date(scheduled).toISOString()}`,
          );
        s.pending = { scheduledTime: new Date(scheduled).toISOString(), attempts: 0, retryAt: s.next };
        s.next = following === null ? null : new Date(following).toISOString();
        changed = true;
      } else if (Date.parse(s.pending.retryAt) > nowMs) continue;
      const run = attempt(k, result).finally(() => inFlight.delete(k));
      inFlight.set(k, run);
      started.push(run);
    }
    if (changed) save();
    await Promise.all(started);
    return result;
  };

  let clock: NodeJS.Timeout | undefined;
  let stopped: Promise<void> | null = null;

  return {
    url,
    tick,
    startClock(intervalMs = 1000) {
      if (clock) return;
      const run = () => {
        tick().catch((error: unknown) => log(`Scheduler: tick failed: ${(error as Error).stack}`));
      };
      clock = setInterval(run, intervalMs);
      run();
    },
    schedules: () => [...store.values()].map((s) => structuredClone(s)),
    stop(graceMs = 30_000) {
      stopped ??= (async () => {
        clearInterval(clock);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled(inFlight.values()),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, graceMs);
            timer.unref();
          }),
        ]);
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
};
