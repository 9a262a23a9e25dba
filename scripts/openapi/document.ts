/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the request and response schemas and the topology's
 * routes (`npm run openapi` writes docs/openapi.json; a unit test fails when the committed file is stale or a
 * route is undocumented).
 */
import { z } from 'zod';
import { httpRoutes } from '#topology/topology.ts';
import { DELIVERY_STATES } from '#domain/delivery.ts';
import * as res from './responses.ts';
import * as req from '#functions/http/schemas.ts';

type Json = Record<string, unknown>;

const schemas = {
  Error: res.errorBody,
  GatewayError: res.gatewayErrorBody,
  Profile: res.profile,
  ProfilePage: res.page(res.profile),
  Audience: res.audience,
  AudiencePage: res.page(res.audience),
  MembersResult: res.membersResult,
  MemberPage: res.page(z.string()),
  Delivery: res.delivery,
  DeliveryPage: res.page(res.delivery),
  SendingLogPage: res.page(res.sendingLogEntry),
  ExclusionLogPage: res.page(res.exclusionLogEntry),
  TrackingLogPage: res.page(res.trackingLogEntry),
  SendingHistoryPage: res.page(res.sendingLogEntry),
  ComputeStatsResult: res.computeStatsResult,
  Timeline: res.timeline,
  Proof: res.proof,
  ProofPage: res.page(res.proof),
  ProofInput: req.proofInput,
  ResendResult: res.resendResult,
  ProfilesBatch: req.profilesBatch,
  ProfilesBatchResult: z.object({
    items: z.array(res.profile),
    created: z.number().int().describe('profiles that did not exist before this request'),
    updated: z.number().int().describe('profiles that existed and were updated'),
  }),
  AudienceInput: req.audienceInput,
  MembersBatch: req.membersBatch,
  DeliveryInput: req.deliveryInput,
  DeliveryPatch: req.deliveryPatch,
} satisfies Record<string, z.ZodType>;

type SchemaName = keyof typeof schemas;

interface QueryParameter {
  name: string;
  description: string;
  schema: Json;
}

interface Operation {
  /** What the console's typed client calls it (docs/openapi.json → console/src/api/openapi.d.ts). */
  operationId: string;
  summary: string;
  roles: string;
  body?: SchemaName;
  ok: [number, SchemaName];
  idempotent?: boolean;
  query?: QueryParameter[];
  errors: number[];
  /** A public route (no JWT authorizer) answering HTML pages: no bearer token, no 401. */
  publicHtml?: true;
}

const paging: QueryParameter[] = [
  { name: 'cursor', description: 'nextCursor of the previous page', schema: { type: 'string' } },
  {
    name: 'limit',
    description: 'page size, 1 to 100 (default 50)',
    schema: { type: 'integer', minimum: 1, maximum: 100 },
  },
];

const enumOf = (values: readonly string[]): Json => ({ type: 'string', enum: [...values] });

export const OPERATIONS: Record<string, Operation> = {
  'POST /profiles:batch': {
    operationId: 'upsertProfiles',
    summary: 'Upsert up to 1,000 profiles',
    roles: 'prepare-deliveries, start-deliveries',
    body: 'ProfilesBatch',
    ok: [200, 'ProfilesBatchResult'],
    idempotent: true,
    errors: [400, 403, 409, 413, 415],
  },
  'GET /profiles/{id}': {
    operationId: 'getProfile',
    summary: 'A profile',
    roles: 'any signed-in user',
    ok: [200, 'Profile'],
    errors: [404],
  },
  'GET /profiles/{id}/history': {
    operationId: 'getProfileHistory',
    summary: 'Messages sent to a profile, newest first',
    roles: 'any signed-in user',
    ok: [200, 'SendingHistoryPage'],
    query: paging,
    errors: [400, 404],
  },
  'POST /audiences': {
    operationId: 'createAudience',
    summary: 'Create an audience',
    roles: 'prepare-deliveries, start-deliveries',
    body: 'AudienceInput',
    ok: [201, 'Audience'],
    idempotent: true,
    errors: [400, 403, 409, 415],
  },
  'GET /audiences': {
    operationId: 'listAudiences',
    summary: 'Audiences, newest first',
    roles: 'any signed-in user',
    ok: [200, 'AudiencePage'],
    query: paging,
    errors: [400],
  },
  'GET /audiences/{id}': {
    operationId: 'getAudience',
    summary: 'An audience',
    roles: 'any signed-in user',
    ok: [200, 'Audience'],
    errors: [404],
  },
  'POST /audiences/{id}/members:batch': {
    operationId: 'addAudienceMembers',
    summary: 'Add up to 1,000 profiles to an audience',
    roles: 'prepare-deliveries, start-deliveries',
    body: 'MembersBatch',
    ok: [200, 'MembersResult'],
    errors: [400, 403, 404, 415],
  },
  'GET /audiences/{id}/members': {
    operationId: 'listAudienceMembers',
    summary: 'Profile ids of an audience',
    roles: 'any signed-in user',
    ok: [200, 'MemberPage'],
    query: paging,
    errors: [400, 404],
  },
  'GET /audiences/{id}/profiles': {
    operationId: 'listAudienceProfiles',
    summary: 'Members of an audience with their profiles',
    roles: 'any signed-in user',
    ok: [200, 'ProfilePage'],
    query: paging,
    errors: [400, 404],
  },
  'POST /deliveries': {
    operationId: 'createDelivery',
    summary: 'Create a delivery (editing)',
    roles: 'prepare-deliveries, start-deliveries',
    body: 'DeliveryInput',
    ok: [201, 'Delivery'],
    idempotent: true,
    errors: [400, 403, 409, 415],
  },
  'GET /deliveries': {
    operationId: 'listDeliveries',
    summary: 'Deliveries, optionally by state',
    roles: 'any signed-in user',
    ok: [200, 'DeliveryPage'],
    query: [{ name: 'state', description: 'a delivery state', schema: enumOf(DELIVERY_STATES) }, ...paging],
    errors: [400],
  },
  'GET /deliveries/{id}': {
    operationId: 'getDelivery',
    summary: 'A delivery with its Deployment block',
    roles: 'any signed-in user',
    ok: [200, 'Delivery'],
    errors: [404],
  },
  'PATCH /deliveries/{id}': {
    operationId: 'updateDelivery',
    summary: 'Edit a delivery (back to editing; prepare again)',
    roles: 'prepare-deliveries, start-deliveries',
    body: 'DeliveryPatch',
    ok: [200, 'Delivery'],
    errors: [400, 403, 404, 409, 415],
  },
  'POST /deliveries/{id}/prepare': {
    operationId: 'prepareDelivery',
    summary: 'Prepare: target, exclusions, To deliver',
    roles: 'prepare-deliveries, start-deliveries',
    ok: [202, 'Delivery'],
    errors: [403, 404, 409],
  },
  'POST /deliveries/{id}/confirm': {
    operationId: 'confirmDelivery',
    summary: 'Confirm the send (now or at the contact date)',
    roles: 'start-deliveries only',
    ok: [200, 'Delivery'],
    errors: [403, 404, 409],
  },
  'POST /deliveries/{id}/pause': {
    operationId: 'pauseDelivery',
    summary: 'Pause a send',
    roles: 'start-deliveries only',
    ok: [200, 'Delivery'],
    errors: [403, 404, 409],
  },
  'POST /deliveries/{id}/resume': {
    operationId: 'resumeDelivery',
    summary: 'Resume a paused send',
    roles: 'start-deliveries only',
    ok: [200, 'Delivery'],
    errors: [403, 404, 409],
  },
  'POST /deliveries/{id}/stop': {
    operationId: 'stopDelivery',
    summary: 'Stop a send (terminal)',
    roles: 'start-deliveries only',
    ok: [200, 'Delivery'],
    errors: [403, 404, 409],
  },
  'POST /deliveries/{id}/compute-stats': {
    operationId: 'computeDeliveryStats',
    summary: 'Recompute every KPI from the logs',
    roles: 'any signed-in user',
    ok: [200, 'ComputeStatsResult'],
    errors: [404],
  },
  'GET /deliveries/{id}/executions': {
    operationId: 'listExecutions',
    summary: 'Executions of a recurring delivery',
    roles: 'any signed-in user',
    ok: [200, 'DeliveryPage'],
    query: paging,
    errors: [400, 404],
  },
  'GET /deliveries/{id}/timeline': {
    operationId: 'getDeliveryTimeline',
    summary: 'Sends and outcomes over time (the chart of the Deployment block)',
    roles: 'any signed-in user',
    ok: [200, 'Timeline'],
    errors: [404],
  },
  'GET /deliveries/{id}/sending-logs': {
    operationId: 'listSendingLogs',
    summary: 'Sending log',
    roles: 'administration',
    ok: [200, 'SendingLogPage'],
    query: [
      {
        name: 'status',
        description: 'a recipient status',
        schema: enumOf(req.recipientStatus.unwrap().options),
      },
      ...paging,
    ],
    errors: [400, 403, 404],
  },
  'GET /deliveries/{id}/exclusion-logs': {
    operationId: 'listExclusionLogs',
    summary: 'Exclusion log',
    roles: 'administration',
    ok: [200, 'ExclusionLogPage'],
    query: paging,
    errors: [400, 403, 404],
  },
  'GET /deliveries/{id}/tracking-logs': {
    operationId: 'listTrackingLogs',
    summary: 'Tracking log',
    roles: 'administration',
    ok: [200, 'TrackingLogPage'],
    query: [
      {
        name: 'type',
        description: 'open, click or opt-out',
        schema: enumOf(req.trackingType.unwrap().options),
      },
      ...paging,
    ],
    errors: [400, 403, 404],
  },
  'POST /deliveries/{id}/resend': {
    operationId: 'resendDelivery',
    summary:
      'Resend to who did not get it: a new delivery (editing) whose audience is the soft failures, canceled and in-doubt-expired recipients',
    roles: 'prepare-deliveries, start-deliveries',
    ok: [201, 'ResendResult'],
    idempotent: true,
    errors: [403, 404, 409],
  },
  'POST /deliveries/{id}/proofs': {
    operationId: 'sendProof',
    summary: 'Send a proof of the prepared content ([Proof] subject) to 1 to 20 addresses',
    roles: 'prepare-deliveries, start-deliveries',
    body: 'ProofInput',
    ok: [201, 'Proof'],
    idempotent: true,
    errors: [400, 403, 404, 409, 415],
  },
  'GET /deliveries/{id}/proofs': {
    operationId: 'listProofs',
    summary: 'The proofs of a delivery, newest first',
    roles: 'any signed-in user',
    ok: [200, 'ProofPage'],
    query: paging,
    errors: [400, 404],
  },
  'GET /unsubscribe/{token}': {
    operationId: 'getUnsubscribePage',
    summary: 'One-click unsubscribe link: a confirmation page whose button POSTs (a GET never unsubscribes)',
    roles: 'public (no sign-in): the token is signed',
    ok: [200, 'Error'],
    errors: [404],
    publicHtml: true,
  },
  'POST /unsubscribe/{token}': {
    operationId: 'unsubscribe',
    summary:
      'One-click unsubscribe (RFC 8058): opts the recipient out at once; body List-Unsubscribe=One-Click',
    roles: 'public (no sign-in): the token is signed',
    ok: [200, 'Error'],
    errors: [404],
    publicHtml: true,
  },
};

const HTML_PAGE = { 'text/html': { schema: { type: 'string', description: 'A small HTML page' } } };

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (name: SchemaName) => ({ 'application/json': { schema: ref(name) } });

const toSchema = (schema: z.ZodType): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'output',
    unrepresentable: 'any',
  }) as Json;
  return rest;
};

export const buildOpenApi = (): Json => {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of httpRoutes()) {
    const op = OPERATIONS[route.routeKey];
    if (!op) throw new Error(`Route ${route.routeKey} is not documented in scripts/openapi/document.ts`);
    const parameters = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        ...(op.publicHtml
          ? { description: 'the signed token of the link', schema: { type: 'string' } }
          : {
              description: 'an id; a malformed one (encoding, length, characters) is a 400 naming it',
              schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' },
            }),
      })),
      ...(op.query ?? []).map((q) => ({
        name: q.name,
        in: 'query',
        required: false,
        description: q.description,
        schema: q.schema,
      })),
      ...(op.idempotent
        ? [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'replays the first answer to a retry',
              schema: { type: 'string', maxLength: 255 },
            },
          ]
        : []),
    ];
    const responses: Record<string, Json> = op.publicHtml
      ? {
          [op.ok[0]]: { description: 'OK', content: HTML_PAGE },
          429: { description: 'Throttled (answered by API Gateway)', content: jsonContent('GatewayError') },
        }
      : {
          [op.ok[0]]: { description: 'OK', content: jsonContent(op.ok[1]) },
          401: {
            description: 'Missing or invalid token (answered by API Gateway)',
            content: jsonContent('GatewayError'),
          },
        };
    const pathErrors = route.path.includes('{') && !op.publicHtml ? [400] : [];
    for (const status of [...new Set([...pathErrors, ...op.errors])].sort())
      responses[status] = {
        description: op.publicHtml ? 'The link is not valid' : 'Error',
        content: op.publicHtml ? HTML_PAGE : jsonContent('Error'),
      };
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: op.operationId,
      summary: op.summary,
      description: `Roles: ${op.roles}.`,
      tags: [route.functionName],
      ...(op.publicHtml ? { security: [] } : {}),
      parameters,
      ...(op.body ? { requestBody: { required: true, content: jsonContent(op.body) } } : {}),
      ...(op.publicHtml && route.method === 'POST'
        ? {
            requestBody: {
              required: false,
              content: {
                'application/x-www-form-urlencoded': {
                  schema: { type: 'object', properties: { 'List-Unsubscribe': { const: 'One-Click' } } },
                },
              },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Confirm-and-send API',
      version: '1.0.0',
      description:
        'The console contract (DESIGN section 6). JSON over HTTPS with `Authorization: Bearer <Cognito ID token>`. ' +
        'Errors the handlers produce are {"error": {code, message, details?}}; API Gateway answers 401, its own 404, 413 and 429 as {"message"}.',
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'The embedded runtime (npm start)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'The HTTP API in AWS (its URL is a stack output)',
        variables: {
          apiId: { default: 'api-id', description: 'The HTTP API id' },
          region: { default: 'eu-west-1', description: 'The stack region' },
        },
      },
    ],
    security: [{ cognitoIdToken: [] }],
    paths,
    components: {
      securitySchemes: { cognitoIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, toSchema(schema)])),
    },
  };
};
