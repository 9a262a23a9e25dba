/**
 * The pipeline's queue messages (ids only, never addresses or content) and the schedules' input: zod schemas the
 * consumers parse with, and the types the producers write, inferred from them (one definition of each format).
 */
import { z } from 'zod';

const id = z.string().min(1).max(200);
const version = z.number().int().min(1);

/** A prepare-queue message: prepare this version of the delivery. */
export const prepareJobSchema = z.object({ deliveryId: id, version });
export type PrepareJob = z.infer<typeof prepareJobSchema>;

/** A start-queue message: enqueue the send jobs of a delivery (start or resume), or cancel its pending recipients. */
export const startJobSchema = z.object({
  kind: z.enum(['start', 'cancel']),
  deliveryId: id,
  version,
  /** One run per confirm, resume or stop: checkpoints of another run are ignored. */
  run: z.string().min(1),
});
export type StartJob = z.infer<typeof startJobSchema>;

/** One send-queue message: recipient ids only (never addresses or content), all of one log shard. */
export const sendJobSchema = z.object({ deliveryId: id, version, recipientIds: z.array(id).min(1).max(100) });
export type SendJob = z.infer<typeof sendJobSchema>;

/** What EventBridge Scheduler hands the scheduled-start function (the schedule's input). */
export const scheduleInputSchema = z.object({
  deliveryId: id,
  kind: z.enum(['once', 'recurring']),
  /** `<aws.scheduler.scheduled-time>`, replaced by Scheduler. */
  scheduledTime: z.string(),
});
export type ScheduleInput = z.infer<typeof scheduleInputSchema>;
