/**
 * A CreateSchedule or UpdateSchedule body, validated as Scheduler validates it (ValidationException, or
 * ResourceNotFoundException for a group that does not exist), and the schedule it makes, with its first occurrence.
 */
import { validation, notFound } from './errors.ts';
import { parseScheduleExpression } from './expressions.ts';
import { firstOccurrence } from './occurrences.ts';
import { DEFAULT_GROUP, type ScheduleTarget, type StoredSchedule } from './store.ts';

const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SQS_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/;

export interface ScheduleContext {
  /** The groups that exist. */
  groups: ReadonlySet<string>;
  /** Whether the runtime can invoke a target. */
  canTarget(arn: string): boolean;
  arnOf(group: string, name: string): string;
  nowMs: number;
}

/** The group a body names (`default` when it names none). */
export const groupOf = (body: Record<string, unknown>): string =>
  typeof body.GroupName === 'string' && body.GroupName !== '' ? body.GroupName : DEFAULT_GROUP;

/** restJson1 timestamps are epoch seconds; accept ISO strings too. */
const readDate = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw validation(`Invalid ${field}`);
  return new Date(ms).toISOString();
};

const checkTarget = (target: ScheduleTarget | undefined, context: ScheduleContext): ScheduleTarget => {
  if (!target || typeof target !== 'object') throw validation('Target is required.');
  if (typeof target.Arn !== 'string' || target.Arn === '') throw validation('Target.Arn is required.');
  if (typeof target.RoleArn !== 'string' || !ROLE_ARN.test(target.RoleArn))
    throw validation('Target.RoleArn must be an IAM role ARN.');
  if (!context.canTarget(target.Arn))
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
  return target;
};

const checkWindow = (window: StoredSchedule['FlexibleTimeWindow'] | undefined) => {
  if (!window || (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE'))
    throw validation('FlexibleTimeWindow.Mode must be OFF or FLEXIBLE.');
  if (window.Mode === 'FLEXIBLE') {
    const max = window.MaximumWindowInMinutes;
    if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > 1440)
      throw validation('FlexibleTimeWindow.MaximumWindowInMinutes must be between 1 and 1440.');
  }
  return window;
};

/** Validates a Create/Update body and builds the schedule; `created` is the schedule an update replaces. */
export const buildSchedule = (
  name: string,
  body: Record<string, unknown>,
  context: ScheduleContext,
  created?: StoredSchedule,
): StoredSchedule => {
  const group = groupOf(body);
  if (!NAME.test(name)) throw validation(`Invalid schedule name ${name}`);
  if (!NAME.test(group)) throw validation(`Invalid group name ${group}`);
  if (!context.groups.has(group)) throw notFound(`Schedule group ${group} does not exist.`);
  if (typeof body.ScheduleExpression !== 'string' || body.ScheduleExpression.length > 256)
    throw validation('ScheduleExpression is required.');
  const timeZone = body.ScheduleExpressionTimezone;
  if (timeZone !== undefined && typeof timeZone !== 'string')
    throw validation('Invalid ScheduleExpressionTimezone');
  const target = checkTarget(body.Target as ScheduleTarget | undefined, context);
  const window = checkWindow(body.FlexibleTimeWindow as StoredSchedule['FlexibleTimeWindow'] | undefined);
  const state = body.State ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED') throw validation('State must be ENABLED or DISABLED.');
  const after = body.ActionAfterCompletion ?? 'NONE';
  if (after !== 'NONE' && after !== 'DELETE')
    throw validation('ActionAfterCompletion must be NONE or DELETE.');
  const at = new Date(context.nowMs).toISOString();
  const schedule: StoredSchedule = {
    Arn: context.arnOf(group, name),
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
  const parsed = parseScheduleExpression(
    schedule.ScheduleExpression,
    schedule.ScheduleExpressionTimezone ?? 'UTC',
  );
  if (!parsed.ok) throw validation(parsed.reason);
  schedule.next = firstOccurrence(schedule, parsed.expression, context.nowMs);
  return schedule;
};

/** A schedule as GetSchedule answers it: dates as epoch seconds, the scheduler's own state left out. */
export const describeSchedule = (s: StoredSchedule): Record<string, unknown> => {
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

export const epochSeconds = (iso: string | undefined) =>
  iso === undefined ? undefined : Date.parse(iso) / 1000;
