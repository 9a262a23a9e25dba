/**
 * Response schemas of the HTTP API, for the OpenAPI document (docs/openapi.json) that e2e tests validate real
 * responses against. They describe what the handlers answer; they are not used to build the answers.
 */
import { z } from 'zod';
import { DELIVERY_STATES } from '#domain/delivery.ts';

const isoTime = z.string().describe('ISO 8601 UTC time');
const userRef = z.object({ sub: z.string(), username: z.string() });

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** What API Gateway itself answers (401 from the JWT authorizer, its own 404, 413 and 429). */
export const gatewayErrorBody = z.object({ message: z.string() });

export const profile = z.object({
  id: z.string(),
  email: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  timeZone: z.string().optional(),
  optOut: z.boolean(),
  optOutAt: isoTime.optional().describe('When it opted out (absent while opted in)'),
  optOutSource: z
    .object({ deliveryId: z.string(), sesMessageId: z.string() })
    .optional()
    .describe('The message it unsubscribed from, for a list unsubscribe'),
  updatedAt: isoTime,
});

export const audience = z.object({
  id: z.string(),
  name: z.string(),
  memberCount: z.number().int(),
  createdAt: isoTime,
});

const state = z.enum(DELIVERY_STATES);

export const kpis = z.object({
  toDeliver: z.number().int(),
  sent: z.number().int(),
  processed: z.number().int(),
  delivered: z.number().int(),
  bouncesAndErrors: z.number().int(),
  deliveredRate: z.number().min(0).max(1),
  bouncesAndErrorsRate: z.number().min(0).max(1),
  opens: z.number().int(),
  uniqueOpens: z.number().int(),
  openRate: z.number().min(0).max(1),
  clicks: z.number().int(),
  uniqueClicks: z.number().int(),
  clickThroughRate: z.number().min(0).max(1),
  humanOpens: z
    .number()
    .int()
    .describe('Opens classified human (machine opens: mail privacy proxies, scanners)'),
  uniqueHumanOpens: z.number().int(),
  humanOpenRate: z.number().min(0).max(1).describe('uniqueHumanOpens / delivered, beside openRate'),
  humanClicks: z.number().int().describe('Clicks classified human (machine clicks: security scanners)'),
  uniqueHumanClicks: z.number().int(),
  humanClickThroughRate: z
    .number()
    .min(0)
    .max(1)
    .describe('uniqueHumanClicks / delivered, beside clickThroughRate'),
});

export const deployment = z.object({
  state,
  statusText: z.string(),
  progress: z.object({ processed: z.number().int(), toDeliver: z.number().int() }),
  preparation: z
    .object({
      targeted: z.number().int(),
      toDeliver: z.number().int(),
      excluded: z.number().int(),
      audienceSize: z.number().int(),
      percent: z.number().int().min(0).max(100),
    })
    .optional()
    .describe('Only while preparing: profiles read so far against the audience size'),
  kpis,
  computedAt: z.object({ realTime: isoTime.nullable(), tracking: isoTime.nullable() }),
});

const exclusionCounts = z.object({
  'address-missing': z.number().int().optional(),
  'duplicate-address': z.number().int().optional(),
  quarantined: z.number().int().optional(),
  denylisted: z.number().int().optional(),
  'opted-out': z.number().int().optional(),
});

export const delivery = z.object({
  id: z.string(),
  label: z.string(),
  content: z.object({ from: z.string(), subject: z.string(), html: z.string(), text: z.string() }),
  audienceId: z.string(),
  schedule: z.object({ contactDate: z.string(), timeZone: z.string() }).optional(),
  recurrence: z
    .object({ expression: z.string(), timeZone: z.string(), requestConfirmation: z.boolean() })
    .optional(),
  parentId: z.string().optional(),
  state,
  version: z.number().int().min(1),
  preparation: z
    .object({
      version: z.number().int(),
      targeted: z.number().int(),
      toDeliver: z.number().int(),
      excluded: z.number().int(),
      exclusions: exclusionCounts,
      startedAt: isoTime,
      completedAt: isoTime.optional(),
      errors: z.array(z.string()).optional(),
    })
    .optional(),
  confirmedBy: userRef.optional(),
  confirmedAt: isoTime.optional(),
  autoConfirmed: z.boolean().optional(),
  failureReason: z.string().optional(),
  pauseReason: z.string().optional().describe('Why the system paused it (daily quota, reputation guard)'),
  reputationBaseline: z
    .object({ processed: z.number().int(), bounces: z.number().int(), complaints: z.number().int() })
    .optional()
    .describe(
      "The totals at the reputation guard's last pause: after a resume it judges what happened since",
    ),
  resendOf: z
    .object({ deliveryId: z.string(), version: z.number().int(), label: z.string() })
    .optional()
    .describe('A resend: the delivery whose recipients that did not get it this one targets'),
  createdAt: isoTime,
  createdBy: userRef,
  updatedAt: isoTime,
  history: z.array(
    z.object({
      at: isoTime,
      action: z.string(),
      from: state.nullable(),
      to: state,
      by: z.union([userRef, z.object({ system: z.string() })]),
      reason: z.string().optional(),
    }),
  ),
  deployment,
});

export const sendingLogEntry = z.object({
  deliveryId: z.string(),
  version: z.number().int(),
  recipientId: z.string(),
  profileId: z.string(),
  email: z.string(),
  status: z.enum(['pending', 'sent', 'delivered', 'failed', 'canceled', 'in-doubt']),
  failureType: z.enum(['hard', 'soft', 'error']).optional(),
  failureReason: z.string().optional(),
  sesMessageId: z.string().optional(),
  sentAt: isoTime.optional(),
  deliveredAt: isoTime.optional(),
  updatedAt: isoTime,
  opens: z.number().int().optional(),
  clicks: z.number().int().optional(),
  firstOpenAt: isoTime.optional(),
  firstClickAt: isoTime.optional(),
});

export const trackingLogEntry = z.object({
  deliveryId: z.string(),
  version: z.number().int(),
  recipientId: z.string(),
  profileId: z.string(),
  sesMessageId: z.string(),
  type: z.enum(['open', 'click', 'opt-out']),
  at: isoTime,
  link: z.string().optional(),
  userAgent: z.string().optional(),
  ipAddress: z.string().optional(),
  classification: z
    .enum(['human', 'machine'])
    .optional()
    .describe('Opens and clicks: a reader, or a mail privacy proxy or security scanner'),
  classificationRule: z
    .string()
    .optional()
    .describe(
      'The rule that decided: gmail-image-proxy, apple-mpp, scanner-user-agent, no-user-agent, click-too-fast, mail-client',
    ),
  eventId: z.string(),
});

export const proof = z.object({
  deliveryId: z.string(),
  proofId: z.string(),
  version: z.number().int().describe('The prepared version whose content was sent'),
  subject: z.string(),
  sentAt: isoTime,
  sentBy: userRef,
  recipients: z.array(
    z.object({
      address: z.string(),
      status: z.enum(['pending', 'sent', 'failed', 'delivered', 'bounced', 'complained']),
      sesMessageId: z.string().optional(),
      reason: z.string().optional(),
      opens: z.number().int(),
      clicks: z.number().int(),
      updatedAt: isoTime,
    }),
  ),
});

export const resendResult = delivery.extend({
  resendTarget: z.object({
    profileIds: z.array(z.string()),
    byCause: z.object({
      'soft-bounce': z.number().int(),
      canceled: z.number().int(),
      'in-doubt-expired': z.number().int(),
    }),
    leftOut: z.object({
      optedOut: z.number().int(),
      quarantined: z.number().int(),
      noAddress: z.number().int(),
    }),
  }),
});

export const exclusionLogEntry = z.object({
  deliveryId: z.string(),
  version: z.number().int(),
  profileId: z.string(),
  email: z.string().nullable(),
  status: z.literal('ignored'),
  cause: z.enum(['address-missing', 'duplicate-address', 'quarantined', 'denylisted', 'opted-out']),
  reason: z.string(),
  at: isoTime,
});

export const computeStatsResult = z.object({
  deliveryId: z.string(),
  kpis,
  computedAt: z.object({ realTime: isoTime, tracking: isoTime }),
  /** Corrections ADDed to the delivery's counters (empty when they agreed with the logs). */
  repaired: z.record(z.string(), z.number().int()),
  /**
   * Set when the counters differ from the logs and their repair waits: `moving`, they moved during the recount;
   * `settling`, the log was written less than the settle time ago (the counts of its last writes may still be on
   * their way). Null when they agreed, were repaired, or the recount is not complete.
   */
  pendingRepair: z
    .object({ reason: z.enum(['moving', 'settling']), retryAfter: isoTime })
    .nullable()
    .describe('Why the repair of the counters waits, and after when it can succeed (null: nothing waits)'),
  /** False when the recount ran out of time: it continues from its checkpoint at the next run (compute-stats function). */
  complete: z.boolean(),
  /** Recipients read (those with a sending-log entry) against To deliver. */
  progress: z.object({ read: z.number().int(), toDeliver: z.number().int() }),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const membersResult = z.object({ audience, added: z.number().int() });

export const timeline = z.object({
  deliveryId: z.string(),
  bucketSeconds: z.number().int().min(1).describe('Width of each bucket'),
  buckets: z.array(
    z.object({
      at: isoTime.describe('Start of the bucket'),
      sent: z.number().int(),
      delivered: z.number().int(),
      bouncesAndErrors: z.number().int(),
      uniqueOpens: z.number().int(),
      uniqueClicks: z.number().int(),
    }),
  ),
});
