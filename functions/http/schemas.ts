/**
 * Request schemas of the HTTP API (DESIGN section 6). They check shape and size; the domain checks meaning
 * (time zones, DST gaps, recurrence expressions). docs/openapi.json is generated from these schemas.
 */
import { z } from 'zod';
import { DELIVERY_STATES } from '#domain/delivery.ts';
import { ID_MAX_LENGTH, ID_PATTERN, PROFILE_ID_PATTERN } from '#domain/profiles.ts';

const id = z.string().trim().min(1).max(ID_MAX_LENGTH).regex(ID_PATTERN, 'letters, digits and _ . : - only');
const profileId = z
  .string()
  .trim()
  .min(1)
  .max(ID_MAX_LENGTH)
  .regex(PROFILE_ID_PATTERN, 'letters, digits and _ - only (it becomes an SES message tag value)');
const text = (max: number) => z.string().max(max);
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

export const profileInput = z.strictObject({
  id: profileId.optional(),
  email: nullable(text(254)),
  firstName: nullable(text(200)),
  lastName: nullable(text(200)),
  timeZone: nullable(text(64)),
  optOut: z.boolean().optional(),
});

export const profilesBatch = z.strictObject({ profiles: z.array(profileInput) });

export const audienceInput = z.strictObject({ name: z.string().trim().min(1).max(200) });

export const membersBatch = z.strictObject({ profileIds: z.array(id) });

const content = z.strictObject({
  from: z.string().trim().min(3).max(320),
  subject: z.string().trim().min(1).max(998),
  // The delivery item holds the content twice (current and prepared snapshot) under DynamoDB's 400 KB limit.
  html: text(100 * 1024),
  text: text(50 * 1024),
});

const schedule = z.strictObject({
  contactDate: z.string().describe('Local wall time YYYY-MM-DDTHH:mm:ss in timeZone'),
  timeZone: z.string().min(1).max(64).describe('IANA time zone, e.g. Europe/Paris'),
});

const recurrence = z.strictObject({
  expression: z.string().min(1).max(256).describe('EventBridge Scheduler rate(...) or cron(...)'),
  timeZone: z.string().min(1).max(64),
  requestConfirmation: z
    .boolean()
    .optional()
    .describe('Ask for a confirm before each execution (default true)'),
});

export const deliveryInput = z.strictObject({
  label: z.string().trim().min(1).max(200),
  content,
  audienceId: id,
  schedule: schedule.nullable().optional(),
  recurrence: recurrence.nullable().optional(),
});

export const deliveryPatch = deliveryInput
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'name at least one field to change' });

export const stateFilter = z.enum(DELIVERY_STATES).optional();

export const trackingType = z.enum(['open', 'click', 'opt-out']).optional();

export const recipientStatus = z
  .enum(['pending', 'sent', 'delivered', 'failed', 'canceled', 'in-doubt'])
  .optional();

/** A proof: 1 to 20 addresses (repeats in any case are sent once). */
export const proofInput = z.strictObject({
  addresses: z.array(z.email().max(254)).min(1).max(20).describe('Where to send the proof'),
});
