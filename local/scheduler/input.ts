/** Scheduler's context attributes in a target's input (what the local scheduler delivers on each attempt). */
export interface InvocationContext {
  scheduleArn: string;
  /** The occurrence being delivered (the same across the retries of one occurrence). */
  scheduledTimeMs: number;
  /** New on every attempt. */
  executionId: string;
  attemptNumber: number;
}

/** `<aws.scheduler.scheduled-time>` as Scheduler writes it: UTC, to the second, e.g. 2022-03-22T18:59:43Z. */
export const schedulerTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** Replaces Scheduler's context attributes in a target's input, as text, as Scheduler does. */
export const renderInput = (input: string, context: InvocationContext): string =>
  input
    .replaceAll('<aws.scheduler.schedule-arn>', context.scheduleArn)
    .replaceAll('<aws.scheduler.scheduled-time>', schedulerTime(context.scheduledTimeMs))
    .replaceAll('<aws.scheduler.execution-id>', context.executionId)
    .replaceAll('<aws.scheduler.attempt-number>', String(context.attemptNumber));
