/**
 * The topology: every function, its trigger, its environment and its resources, declared once. The CDK stacks
 * (infra/stacks) and the embedded local runtime (local/) are both built from this module, so local wiring cannot
 * drift from what is deployed. Data and the domain's sizing rules: no CDK or AWS SDK imports.
 */
import { EVENTS_PER_SEND, INGEST_BATCH_SECONDS, senderConcurrency, targetSendRate } from '#domain/sending.ts';
import { type FunctionSettingName, settings, settingsIn } from './settings.ts';

/**
 * What an index copies from the table's items: everything (the default), the keys only, or the keys and a few
 * attributes. An update that changes only attributes an index does not project writes nothing to it.
 */
export type Projection =
  { type: 'ALL' } | { type: 'KEYS_ONLY' } | { type: 'INCLUDE'; attributes: readonly string[] };

export interface IndexSpec {
  name: string;
  partitionKey: string;
  sortKey?: string;
  /** Default ALL. */
  projection?: Projection;
}

/** An index's projection, ALL when the topology declares none. */
export const projectionOf = (index: IndexSpec): Projection => index.projection ?? { type: 'ALL' };

export interface TableSpec {
  description: string;
  partitionKey: string;
  sortKey?: string;
  indexes: readonly IndexSpec[];
  ttlAttribute?: string;
}

/** Key design and the writes of each step: docs/data-model.md. All keys are strings. */
export const tables = {
  deliveries: {
    description:
      'Deliveries (with history), KPI snapshots, sharded counters, preparation and start checkpoints',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      { name: 'byState', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
      { name: 'byParent', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    ],
  },
  profiles: {
    description: 'Profiles, audiences and their sharded members, address quarantine and denylist',
    partitionKey: 'pk',
    sortKey: 'sk',
    // Sparse, keys only: a profile by its (normalized) address, for the feedback notifications SES sends without
    // message tags. Written when a profile gets or changes its address, never per message sent.
    indexes: [{ name: 'byEmail', partitionKey: 'emailKey', projection: { type: 'KEYS_ONLY' } }],
  },
  recipients: {
    description:
      'Sending log (packed target pages, page leases, an entry per recipient once sent, failed, in doubt or canceled) and packed exclusion log, sharded by delivery',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      // A profile's history, and where a message id of that profile went (a feedback notification, which has no
      // tags): it projects the message id alone, so nothing an SES event changes is projected and a Delivery event
      // or an open writes the entry alone. One index written per message sent, not two (docs/data-model.md).
      {
        name: 'byProfile',
        partitionKey: 'profileId',
        sortKey: 'historySk',
        projection: { type: 'INCLUDE', attributes: ['sesMessageId'] },
      },
      // Sparse: only in-doubt entries carry doubtPk (the sweeper's list, with when each became in doubt).
      {
        name: 'inDoubt',
        partitionKey: 'doubtPk',
        sortKey: 'sk',
        projection: { type: 'INCLUDE', attributes: ['updatedAt'] },
      },
    ],
  },
  events: {
    description: 'Tracking log (opens, clicks, opt-outs) and SES outcome markers (TTL)',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
    ttlAttribute: 'expiresAt',
  },
  idempotency: {
    description: 'Powertools idempotency records for Idempotency-Key on creating POSTs',
    partitionKey: 'id',
    indexes: [],
    ttlAttribute: 'expiration',
  },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof tables;

export type Access = 'read' | 'write' | 'read-write';

const writes = (access: Access | undefined): boolean => access === 'write' || access === 'read-write';

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  /**
   * `none`: a public route, with no JWT authorizer (the one-click unsubscribe links mailbox providers POST to); it is
   * throttled on its own. Every other route is behind the Cognito JWT authorizer.
   */
  auth?: 'none';
}

/** Secrets made at deploy time (Secrets Manager, generated values) that functions read. */
export const secrets = {
  unsubscribeKey: {
    description: 'HMAC key of the one-click unsubscribe links (shared/domain/unsubscribe.ts)',
    setting: 'UNSUBSCRIBE_KEY_SECRET',
  },
} as const;

export type SecretName = keyof typeof secrets;

export interface QueueSpec {
  description: string;
  /** At least 6 × the timeout of the function consuming it (Lambda's guidance for SQS event sources). */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the queue's dead-letter queue (at least 5). */
  maxReceiveCount: number;
  retentionDays: number;
}

/** Standard queues; each has a dead-letter queue `<name>-dlq` (14 days' retention) and redrive. */
export const queues = {
  prepare: {
    description: 'Preparation jobs: one per prepared version of a delivery, plus its continuations',
    visibilityTimeoutSeconds: 6 * 300,
    maxReceiveCount: 5,
    retentionDays: 4,
  },
  start: {
    description: 'Start, resume and cancel jobs: enumerate the pending recipients of a delivery',
    visibilityTimeoutSeconds: 6 * 300,
    maxReceiveCount: 5,
    retentionDays: 4,
  },
  send: {
    description:
      'Send jobs: the pending recipient ids of one target page (up to 100; ids only: no address or content)',
    visibilityTimeoutSeconds: 6 * 120,
    maxReceiveCount: 8,
    retentionDays: 4,
  },
  events: {
    description:
      'SES events of the configuration set, through its SNS topic (raw delivery off: each body is the SNS envelope)',
    visibilityTimeoutSeconds: 6 * 60,
    maxReceiveCount: 5,
    retentionDays: 4,
  },
} as const satisfies Record<string, QueueSpec>;

export type QueueName = keyof typeof queues;

export type Trigger =
  | { kind: 'http'; routes: readonly HttpRoute[] }
  | {
      kind: 'queue';
      queue: QueueName;
      batchSize: number;
      /** Event source maximum concurrency (2 to 1,000): senders are paced as rate / maxConcurrency each. */
      maxConcurrency: number;
      maxBatchingWindowSeconds?: number;
      /**
       * The function also takes jobs from its trigger queue itself (ReceiveMessage, DeleteMessage: a JobSource),
       * besides the batches the event source hands it: it gets the queue's URL (`QUEUE_URL_<QUEUE>`) and its role
       * may consume the queue by a grant of its own.
       */
      receivesMore?: boolean;
    }
  /** Invoked by EventBridge Scheduler with the schedule's input as the event (no envelope). */
  | { kind: 'schedule-target' }
  /** Runs every `minutes` (an EventBridge rule `rate(...)` in AWS; an interval in the local runtime). */
  | { kind: 'every'; minutes: number }
  /**
   * No trigger: invoked directly by operators (`aws lambda invoke` on its fixed name, `POST /local/invoke/...`
   * locally, or a CLI).
   */
  | { kind: 'direct' };

/** The queue the SES configuration set's events land on (through SNS in AWS, the event simulator locally). */
export const SES_EVENTS_QUEUE = 'events' satisfies QueueName;

/**
 * Settings a function may need besides its tables and queues (topology/settings.ts, scope `function`), with their
 * descriptions; CDK and the local runtime fill them.
 */
export const SETTINGS = Object.fromEntries(
  settingsIn('function').map((name) => [name, settings[name].description]),
) as Record<FunctionSettingName, string>;

export type SettingName = FunctionSettingName;

export interface FunctionSpec {
  /** Path of the entry file from the repository root; it exports `handler`. */
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  trigger: Trigger;
  tables: Partial<Record<TableName, Access>>;
  /** Queues the function sends to (its trigger queue is implied by the trigger). */
  sendsTo?: readonly QueueName[];
  /**
   * Dead-letter queues the function moves refused messages to itself, at once (a record that can never be
   * processed goes to the DLQ with its reason instead of being received maxReceiveCount times).
   */
  refusesTo?: readonly QueueName[];
  /** SES: `send` (SendEmail through the configuration set), `account` (GetAccount for quotas). */
  ses?: readonly ('send' | 'account')[];
  /** Creates and deletes the deliveries' schedules (and passes the scheduler role). */
  schedules?: boolean;
  /** Secrets the function reads (GetSecretValue on exactly those). */
  secrets?: readonly SecretName[];
  settings?: readonly SettingName[];
}

const route = (spec: `${HttpRoute['method']} ${string}`, options: { auth?: 'none' } = {}): HttpRoute => {
  const [method, path] = spec.split(' ') as [HttpRoute['method'], string];
  return { method, path, ...options };
};

/** The settings of a function that signs unsubscribe links. */
const SIGNS_UNSUBSCRIBE_LINKS = [
  'UNSUBSCRIBE_KEY_SECRET',
  'UNSUBSCRIBE_BASE_URL',
  'UNSUBSCRIBE_MAILTO',
] as const;

export const functions = {
  profiles: {
    entry: 'functions/http/profiles.ts',
    description: 'Profiles: batch upsert, read, history',
    timeoutSeconds: 29,
    memoryMb: 512,
    trigger: {
      kind: 'http',
      routes: [
        route('POST /profiles:batch'),
        route('GET /profiles/{id}'),
        route('GET /profiles/{id}/history'),
      ],
    },
    tables: { profiles: 'read-write', recipients: 'read', idempotency: 'read-write' },
  },
  audiences: {
    entry: 'functions/http/audiences.ts',
    description: 'Audiences and their members',
    timeoutSeconds: 29,
    memoryMb: 512,
    trigger: {
      kind: 'http',
      routes: [
        route('POST /audiences'),
        route('GET /audiences'),
        route('GET /audiences/{id}'),
        route('POST /audiences/{id}/members:batch'),
        route('GET /audiences/{id}/members'),
        route('GET /audiences/{id}/profiles'),
      ],
    },
    tables: { profiles: 'read-write', idempotency: 'read-write' },
  },
  deliveries: {
    entry: 'functions/http/deliveries.ts',
    description: 'Deliveries: create, edit, read, list, prepare, compute stats, executions, resend',
    timeoutSeconds: 29,
    memoryMb: 512,
    trigger: {
      kind: 'http',
      routes: [
        route('POST /deliveries'),
        route('GET /deliveries'),
        route('GET /deliveries/{id}'),
        route('PATCH /deliveries/{id}'),
        route('POST /deliveries/{id}/prepare'),
        route('POST /deliveries/{id}/compute-stats'),
        route('GET /deliveries/{id}/executions'),
        route('GET /deliveries/{id}/timeline'),
        route('POST /deliveries/{id}/resend'),
      ],
    },
    // Profiles: a resend makes an audience; events: compute-stats counts the human opens and clicks.
    tables: {
      deliveries: 'read-write',
      profiles: 'read-write',
      recipients: 'read-write',
      events: 'read',
      idempotency: 'read-write',
    },
    // Prepare enqueues the preparation job.
    sendsTo: ['prepare'],
    // Editing a scheduled delivery deletes its schedule (shared/use-cases/deliveries.ts).
    schedules: true,
    settings: ['SCHEDULE_GROUP', 'SCHEDULER_ROLE_ARN', 'SCHEDULE_TARGET_ARN', 'SCHEDULE_DLQ_ARN'],
  },
  deliveryControl: {
    entry: 'functions/http/delivery-control.ts',
    description: 'Confirm (Start deliveries role), pause, resume, stop',
    timeoutSeconds: 29,
    memoryMb: 512,
    trigger: {
      kind: 'http',
      routes: [
        route('POST /deliveries/{id}/confirm'),
        route('POST /deliveries/{id}/pause'),
        route('POST /deliveries/{id}/resume'),
        route('POST /deliveries/{id}/stop'),
      ],
    },
    tables: { deliveries: 'read-write', recipients: 'read' },
    sendsTo: ['start'],
    ses: ['account'],
    schedules: true,
    settings: ['SCHEDULE_GROUP', 'SCHEDULER_ROLE_ARN', 'SCHEDULE_TARGET_ARN', 'SCHEDULE_DLQ_ARN'],
  },
  logs: {
    entry: 'functions/http/logs.ts',
    description: 'Sending, exclusion and tracking logs (administration role)',
    timeoutSeconds: 29,
    memoryMb: 512,
    trigger: {
      kind: 'http',
      routes: [
        route('GET /deliveries/{id}/sending-logs'),
        route('GET /deliveries/{id}/exclusion-logs'),
        route('GET /deliveries/{id}/tracking-logs'),
      ],
    },
    tables: { deliveries: 'read', recipients: 'read', events: 'read' },
  },
  preparer: {
    entry: 'functions/queue/preparer.ts',
    description: 'Prepares a delivery in the background: target, exclusions, one pending entry per recipient',
    timeoutSeconds: 300,
    memoryMb: 1024,
    trigger: { kind: 'queue', queue: 'prepare', batchSize: 1, maxConcurrency: 5 },
    tables: { deliveries: 'read-write', profiles: 'read', recipients: 'write' },
    // Continuations, and the start of a recurring execution that needs no confirmation.
    sendsTo: ['prepare', 'start'],
  },
  starter: {
    entry: 'functions/queue/starter.ts',
    description: 'Enqueues the pending recipients of a delivery (start, resume) or cancels them (stop)',
    timeoutSeconds: 300,
    memoryMb: 512,
    trigger: { kind: 'queue', queue: 'start', batchSize: 1, maxConcurrency: 5 },
    tables: { deliveries: 'read-write', recipients: 'read-write' },
    sendsTo: ['send', 'start'],
  },
  sender: {
    entry: 'functions/queue/sender.ts',
    description:
      'Sends one SES message per recipient of its target pages, under each page lease, paced below the SES rate',
    timeoutSeconds: 120,
    memoryMb: 512,
    // One job per target page (up to 100 recipients): 5 pages a batch, run in parallel under one pacer. As each job
    // ends, its worker takes the next page from the send queue itself (receivesMore) under the same pacer, while the
    // invocation has time for a whole job: an invocation runs on until the queue is empty or about 30 s before its
    // timeout, so its pace does not drain between batches (each new invocation's start, the pacer's start delay and
    // the quota read, and its drain, the last SES answers, come once per invocation, not once per 5 pages), and the
    // last pages of a send go to whichever sender is free.
    trigger: {
      kind: 'queue',
      queue: 'send',
      batchSize: 5,
      receivesMore: true,
      maxConcurrency: sendEventSourceConcurrency({
        maxSendRate: settings.SES_MAX_SEND_RATE.default,
        fraction: settings.SEND_RATE_FRACTION.default,
      }),
    },
    tables: { deliveries: 'read-write', profiles: 'read', recipients: 'read-write' },
    ses: ['send', 'account'],
    secrets: ['unsubscribeKey'],
    settings: [
      'SES_CONFIGURATION_SET',
      'SEND_RATE_FRACTION',
      'SEND_RATE_LIMIT',
      'SENDER_MAX_CONCURRENCY',
      ...SIGNS_UNSUBSCRIBE_LINKS,
    ],
  },
  proofs: {
    entry: 'functions/http/proofs.ts',
    description: 'Proofs: the prepared content to up to 20 addresses, and the proof log',
    timeoutSeconds: 29,
    memoryMb: 512,
    trigger: {
      kind: 'http',
      routes: [route('POST /deliveries/{id}/proofs'), route('GET /deliveries/{id}/proofs')],
    },
    // Idempotency: a retried proof request (same Idempotency-Key) replays the first answer instead of sending again.
    tables: { deliveries: 'read-write', idempotency: 'read-write' },
    ses: ['send'],
    secrets: ['unsubscribeKey'],
    settings: ['SES_CONFIGURATION_SET', ...SIGNS_UNSUBSCRIBE_LINKS],
  },
  unsubscribe: {
    entry: 'functions/http/unsubscribe.ts',
    description:
      'One-click unsubscribe (RFC 8058): the public route of the List-Unsubscribe links, no sign-in',
    timeoutSeconds: 10,
    memoryMb: 256,
    trigger: {
      kind: 'http',
      routes: [
        route('GET /unsubscribe/{token}', { auth: 'none' }),
        route('POST /unsubscribe/{token}', { auth: 'none' }),
      ],
    },
    tables: { profiles: 'read-write', recipients: 'read', events: 'write' },
    secrets: ['unsubscribeKey'],
    settings: ['UNSUBSCRIBE_KEY_SECRET'],
  },
  scheduledStart: {
    entry: 'functions/schedule/scheduled-start.ts',
    description:
      "Target of the deliveries' schedules: starts a scheduled send, or creates a recurring execution",
    timeoutSeconds: 60,
    memoryMb: 512,
    trigger: { kind: 'schedule-target' },
    tables: { deliveries: 'read-write', profiles: 'read', recipients: 'read' },
    sendsTo: ['prepare', 'start'],
    ses: ['account'],
  },
  ingester: {
    entry: 'functions/queue/ingester.ts',
    description:
      'Ingests SES events: sending and tracking logs, quarantine and denylist, opt-outs, delivery counters, proofs, reputation guard',
    timeoutSeconds: 60,
    memoryMb: 512,
    // Up to 100 events an invocation, ingested in parallel: one counter ADD per delivery per batch.
    trigger: {
      kind: 'queue',
      queue: 'events',
      batchSize: 100,
      // Sized for the send rate like the sender's (5 at the settings' defaults); CDK derives it from its own.
      maxConcurrency: eventsEventSourceConcurrency({
        maxSendRate: settings.SES_MAX_SEND_RATE.default,
        fraction: settings.SEND_RATE_FRACTION.default,
      }),
      maxBatchingWindowSeconds: 1,
    },
    // Deliveries read-write: the reputation guard reads a sending delivery and its counters, and pauses it.
    tables: {
      deliveries: 'read-write',
      profiles: 'read-write',
      recipients: 'read-write',
      events: 'read-write',
    },
    refusesTo: ['events'],
    settings: ['GUARD_BOUNCE_RATE', 'GUARD_COMPLAINT_RATE', 'GUARD_MIN_PROCESSED'],
  },
  sweeper: {
    entry: 'functions/schedule/sweeper.ts',
    description:
      'Every 5 minutes: abandoned claims become in-doubt, in-doubt past the window is resent once or fails, stalled sends are re-driven',
    // Below its period, so one run ends before the next starts.
    timeoutSeconds: 240,
    memoryMb: 512,
    trigger: { kind: 'every', minutes: 5 },
    // Events: the statistics computed when a send is let go count the human opens and clicks.
    tables: { deliveries: 'read-write', recipients: 'read-write', events: 'read' },
    sendsTo: ['start'],
    // The once-only resend of an in-doubt recipient (shared/use-cases/in-doubt.ts), paced at one sender's share.
    ses: ['send', 'account'],
    secrets: ['unsubscribeKey'],
    settings: [
      'IN_DOUBT_WINDOW_MINUTES',
      'EVENTS_VISIBILITY_TIMEOUT_SECONDS',
      'SES_CONFIGURATION_SET',
      'SEND_RATE_FRACTION',
      'SEND_RATE_LIMIT',
      'SENDER_MAX_CONCURRENCY',
      ...SIGNS_UNSUBSCRIBE_LINKS,
    ],
  },
  statsAggregation: {
    entry: 'functions/schedule/stats-aggregation.ts',
    description:
      'Every hour: refreshes the KPI snapshots (open rate, CTR) of the deliveries sending or active since its last run',
    timeoutSeconds: 300,
    memoryMb: 512,
    trigger: { kind: 'every', minutes: 60 },
    // Deliveries: snapshots written, counters read; events: the activity registry and the tracking log.
    tables: { deliveries: 'read-write', events: 'read-write' },
  },
  computeStats: {
    entry: 'functions/direct/compute-stats.ts',
    description:
      'Compute stats for operators: recounts deliveries from their logs, repairs their counters, answers the KPIs',
    // A recount larger than one run continues from its checkpoint at the next invocation.
    timeoutSeconds: 900,
    memoryMb: 1024,
    trigger: { kind: 'direct' },
    // Deliveries: snapshots, counter repairs, the recount checkpoint; recipients: the sending log; events: human opens.
    tables: { deliveries: 'read-write', recipients: 'read', events: 'read' },
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

/**
 * How long after a sending-log write the counter ADD that goes with it may still land (docs/data-model.md, "When
 * the counters are repaired"). Each function that writes the log and ADDs the counters (the ADDs gathered over its
 * invocation, written at its end) does both within one invocation, so within its timeout: the longest of those
 * timeouts, and a margin for a request sent at the very end. A repair of the counters from a recount trusts a log
 * only once its last write is older than this; before, a difference may be an ADD still on its way.
 */
export const counterSettleSeconds: number =
  Math.max(
    ...Object.values(functions as Record<string, FunctionSpec>)
      .filter((spec) => writes(spec.tables.recipients) && writes(spec.tables.deliveries))
      .map((spec) => spec.timeoutSeconds),
  ) + 30;

/** The name operators invoke a function by: `computeStats` → `compute-stats` (also its AWS name's suffix). */
export const kebabName = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The send event source's maximum concurrency for the send rate a deployment is sized for (its SES account's max
 * send rate, the fraction and the cap): shared/domain/sending.ts `senderConcurrency`. The topology's sender carries
 * the value for the settings' defaults; CDK and the local runtime derive it from theirs (`withQueueConcurrency`).
 */
export function sendEventSourceConcurrency(rate: {
  maxSendRate: number;
  fraction: number;
  limit?: number | undefined;
}): number {
  return senderConcurrency(targetSendRate(rate.maxSendRate, rate.fraction, rate.limit));
}

/**
 * The events event source's maximum concurrency for a send rate: the events SES publishes while sending
 * (EVENTS_PER_SEND a message) in batches of the trigger's size, each taking INGEST_BATCH_SECONDS, with 1.5 headroom;
 * never below the topology's 5.
 */
export function eventsEventSourceConcurrency(rate: {
  maxSendRate: number;
  fraction: number;
  limit?: number | undefined;
}): number {
  const eventsPerSecond = targetSendRate(rate.maxSendRate, rate.fraction, rate.limit) * EVENTS_PER_SEND;
  return Math.min(1000, Math.max(5, Math.ceil(((eventsPerSecond * INGEST_BATCH_SECONDS) / 100) * 1.5)));
}

/** A function's spec with another maximum concurrency on its queue trigger (the sender, sized for a rate). */
export const withQueueConcurrency = <S extends FunctionSpec>(spec: S, maxConcurrency: number): S =>
  spec.trigger.kind === 'queue' ? { ...spec, trigger: { ...spec.trigger, maxConcurrency } } : spec;

/** Environment variable that carries a table's name to a function. */
export const tableEnv = (name: TableName): string => `TABLE_${name.toUpperCase()}`;

/** Environment variable that carries a queue's URL to a function. */
export const queueEnv = (name: QueueName): string => `QUEUE_URL_${name.toUpperCase()}`;

/** Environment variable that carries the URL of a queue's dead-letter queue to a function that refuses to it. */
export const deadLetterEnv = (name: QueueName): string => `DLQ_URL_${name.toUpperCase()}`;

/** The queues a function touches: the one that triggers it and those it sends to. */
export const functionQueues = (spec: FunctionSpec): QueueName[] => [
  ...new Set([...(spec.trigger.kind === 'queue' ? [spec.trigger.queue] : []), ...(spec.sendsTo ?? [])]),
];

/**
 * The environment a function gets from its topology entry (resource names resolved by the caller): its tables, the
 * URLs of the queues it sends to and of its trigger queue if it `receivesMore`, the DLQs it refuses to, its settings.
 */
export const functionEnvironment = (
  spec: FunctionSpec,
  tableNames: Record<TableName, string>,
  queueUrls: Partial<Record<QueueName, string>> = {},
  settings: Partial<Record<SettingName, string>> = {},
  deadLetterUrls: Partial<Record<QueueName, string>> = {},
): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const name of Object.keys(spec.tables) as TableName[]) env[tableEnv(name)] = tableNames[name];
  const queues = [
    ...(spec.trigger.kind === 'queue' && spec.trigger.receivesMore ? [spec.trigger.queue] : []),
    ...(spec.sendsTo ?? []),
  ];
  for (const name of queues) {
    const url = queueUrls[name];
    if (url !== undefined) env[queueEnv(name)] = url;
  }
  for (const name of spec.refusesTo ?? []) {
    const url = deadLetterUrls[name];
    if (url !== undefined) env[deadLetterEnv(name)] = url;
  }
  for (const name of spec.settings ?? []) {
    const value = settings[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
};

/** The topology's entries, typed (Object.entries loses the key types). */
export const functionEntries = (): Array<[FunctionName, FunctionSpec]> =>
  Object.entries(functions) as Array<[FunctionName, FunctionSpec]>;
export const queueEntries = (): Array<[QueueName, QueueSpec]> =>
  Object.entries(queues) as Array<[QueueName, QueueSpec]>;
export const tableNameList = (): TableName[] => Object.keys(tables) as TableName[];

/** Every HTTP route with the function serving it: the local front and the HTTP API are built from this list. */
export const httpRoutes = (): Array<HttpRoute & { functionName: FunctionName; routeKey: string }> =>
  functionEntries().flatMap(([functionName, spec]) =>
    spec.trigger.kind === 'http'
      ? spec.trigger.routes.map((r) => ({ ...r, functionName, routeKey: `${r.method} ${r.path}` }))
      : [],
  );
