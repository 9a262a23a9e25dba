/** Schemas of the pipeline's queue messages (ids only) and of the schedules' input. */
import { z } from 'zod';

const id = z.string().min(1).max(200);
const version = z.number().int().min(1);

export const prepareJob = z.object({ deliveryId: id, version });
export const startJob = z.object({
  kind: z.enum(['start', 'cancel']),
  deliveryId: id,
  version,
  run: z.string().min(1),
});
export const sendJob = z.object({ deliveryId: id, version, recipientIds: z.array(id).min(1).max(100) });
export const scheduleInput = z.object({
  deliveryId: id,
  kind: z.enum(['once', 'recurring']),
  scheduledTime: z.string(),
});
