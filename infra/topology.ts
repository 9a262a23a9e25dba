/**
 * The topology: every function, its trigger, its environment and its resources, declared once. The CDK stacks
 * (infra/stacks) and the embedded local runtime (local/) are both built from this module, so local wiring cannot
 * drift from what is deployed. Pure data: no CDK or AWS SDK imports.
 */

export interface IndexSpec {
  name: string;
  partitionKey: string;
  sortKey?: string;
}

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
    indexes: [],
  },
  recipients: {
    description: 'Per-recipient sending log (sharded by delivery) and exclusion log',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      { name: 'byStatus', partitionKey: 'statusPk', sortKey: 'sk' },
      { name: 'bySesMessageId', partitionKey: 'sesMessageId' },
      { name: 'byProfile', partitionKey: 'profileId', sortKey: 'historySk' },
    ],
  },
  events: {
    description: 'Tracking log (opens, clicks), raw SES events and dedupe markers (TTL)',
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

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
}

export type Trigger = { kind: 'http'; routes: readonly HttpRoute[] };

export interface FunctionSpec {
  /** Path of the entry file from the repository root; it exports `handler`. */
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  trigger: Trigger;
  tables: Partial<Record<TableName, Access>>;
}

const route = (spec: `${HttpRoute['method']} ${string}`): HttpRoute => {
  const [method, path] = spec.split(' ') as [HttpRoute['method'], string];
  return { method, path };
};

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
        route('GET /audiences/{id}'),
        route('POST /audiences/{id}/members:batch'),
        route('GET /audiences/{id}/members'),
      ],
    },
    tables: { profiles: 'read-write', idempotency: 'read-write' },
  },
  deliveries: {
    entry: 'functions/http/deliveries.ts',
    description: 'Deliveries: create, edit, read, list, prepare, compute stats, executions',
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
      ],
    },
    tables: {
      deliveries: 'read-write',
      profiles: 'read',
      recipients: 'read-write',
      idempotency: 'read-write',
    },
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
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

/** Environment variable that carries a table's name to a function. */
export const tableEnv = (name: TableName): string => `TABLE_${name.toUpperCase()}`;

/** The environment a function gets from its topology entry (resource names resolved by the caller). */
export const functionEnvironment = (
  spec: FunctionSpec,
  tableNames: Record<TableName, string>,
): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const name of Object.keys(spec.tables) as TableName[]) env[tableEnv(name)] = tableNames[name];
  return env;
};

/** Every HTTP route with the function serving it: the local front and the HTTP API are built from this list. */
export const httpRoutes = (): Array<HttpRoute & { functionName: FunctionName; routeKey: string }> =>
  (Object.entries(functions) as Array<[FunctionName, FunctionSpec]>).flatMap(([functionName, spec]) =>
    spec.trigger.routes.map((r) => ({ ...r, functionName, routeKey: `${r.method} ${r.path}` })),
  );
