/**
 * The HTTP handlers, invoked as Lambda invokes them (AWS's HTTP API v2.0 event shape, stringified group claims),
 * against DynamoDB Local through the real SDK clients.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { type QueueName, queueEnv, type TableName, tableEnv } from '#topology/topology.ts';
import type { Role } from '#domain/roles.ts';
import { fixture, type HttpCall, httpEvent, lambdaContext } from '#test/helpers/aws-events.ts';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { toErrorResponse } from '#functions/lib/errors.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';

type Handler = (
  event: unknown,
  context: unknown,
) => Promise<{ statusCode: number; headers?: Record<string, string>; body: string }>;
const handlers: Record<string, Handler> = {};

beforeAll(async () => {
  const tables = sharedTables();
  for (const name of Object.keys(tables) as TableName[]) process.env[tableEnv(name)] = tables[name];
  const queues = inject('queues');
  for (const name of Object.keys(queues) as QueueName[]) process.env[queueEnv(name)] = queues[name].url;
  Object.assign(process.env, {
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    // Nothing here reaches AWS: a service without a local endpoint fails at once on a closed loopback port.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    SCHEDULE_GROUP: 'it-deliveries',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/it-scheduler',
    SCHEDULE_TARGET_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:scheduledStart',
    SCHEDULE_DLQ_ARN: 'arn:aws:sqs:us-east-1:000000000000:it-schedules-dlq',
  });
  for (const name of ['profiles', 'audiences', 'deliveries', 'delivery-control', 'logs']) {
    handlers[name] = ((await import(`../../functions/http/${name}.ts`)) as { handler: Handler }).handler;
  }
  preparerHandler = ((await import('#functions/queue/preparer.ts')) as { handler: typeof preparerHandler })
    .handler;
});

let preparerHandler: (event: unknown, context: unknown) => Promise<{ batchItemFailures: unknown[] }>;

/** Delivers what the prepare queue holds to the preparer handler, as the SQS event source does. */
const runPreparer = async () => {
  const sqs = new SQSClient({ endpoint: inject('endpoints').sqs, region: inject('region') });
  const queue = inject('queues').prepare;
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  const messages = out.Messages ?? [];
  const sqsFixture = fixture<{ Records: Array<Record<string, unknown>> }>('lambda/sqs-event.json');
  const event = {
    Records: messages.map((m) => ({
      ...sqsFixture.Records[0],
      messageId: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body,
      eventSourceARN: queue.arn,
    })),
  };
  const result = await preparerHandler(event, lambdaContext('preparer'));
  expect(result.batchItemFailures).toEqual([]);
  if (messages.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  sqs.destroy();
  return messages.length;
};

const call = async (fn: string, c: HttpCall) => {
  const result = await handlers[fn]!(httpEvent(c), lambdaContext(fn));
  return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body) };
};

const preparer = { username: 'pat', groups: ['prepare-deliveries'] as Role[] };
const starter = { username: 'stella', groups: ['start-deliveries'] as Role[] };
const unique = () => Math.random().toString(36).slice(2, 10);

describe('HTTP handlers on DynamoDB Local', () => {
  it('runs the confirm flow: profiles → audience → delivery → prepare → 403 → confirm → 409', async () => {
    const ids = ['a', 'b', 'c'].map((x) => `${x}-${unique()}`);
    const profiles = await call('profiles', {
      routeKey: 'POST /profiles:batch',
      user: preparer,
      body: {
        profiles: [
          { id: ids[0], email: 'success+1@simulator.amazonses.com' },
          { id: ids[1], email: 'SUCCESS+1@simulator.amazonses.com' },
          { id: ids[2] },
        ],
      },
    });
    expect(profiles.status).toBe(200);
    const audience = await call('audiences', {
      routeKey: 'POST /audiences',
      user: preparer,
      body: { name: 'It' },
    });
    expect(audience.status).toBe(201);
    const members = await call('audiences', {
      routeKey: 'POST /audiences/{id}/members:batch',
      pathParameters: { id: audience.body.id },
      user: preparer,
      body: { profileIds: ids },
    });
    expect(members.body).toMatchObject({ added: 3, audience: { memberCount: 3 } });

    const created = await call('deliveries', {
      routeKey: 'POST /deliveries',
      user: preparer,
      body: {
        label: 'Integration',
        audienceId: audience.body.id,
        content: { from: 'news@example.com', subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' },
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const prepared = await call('deliveries', {
      routeKey: 'POST /deliveries/{id}/prepare',
      pathParameters: { id },
      user: preparer,
    });
    expect(prepared).toMatchObject({ status: 202, body: { state: 'preparing' } });
    expect(await runPreparer()).toBe(1);
    const ready = await call('deliveries', {
      routeKey: 'GET /deliveries/{id}',
      pathParameters: { id },
      user: preparer,
    });
    expect(ready.body).toMatchObject({
      state: 'ready',
      preparation: {
        targeted: 3,
        toDeliver: 1,
        exclusions: { 'duplicate-address': 1, 'address-missing': 1 },
      },
      deployment: {
        kpis: { toDeliver: 1 },
        statusText: 'Send preparation completed. Confirm to start sending.',
      },
    });

    const refused = await call('delivery-control', {
      routeKey: 'POST /deliveries/{id}/confirm',
      pathParameters: { id },
      user: preparer,
    });
    expect(refused).toMatchObject({
      status: 403,
      body: {
        error: { code: 'FORBIDDEN', message: 'Your permissions do not allow you to confirm a delivery.' },
      },
    });
    const confirmed = await call('delivery-control', {
      routeKey: 'POST /deliveries/{id}/confirm',
      pathParameters: { id },
      user: starter,
    });
    expect(confirmed).toMatchObject({
      status: 200,
      body: { state: 'sending', confirmedBy: { sub: 'sub-stella', username: 'stella' } },
    });
    const again = await call('delivery-control', {
      routeKey: 'POST /deliveries/{id}/confirm',
      pathParameters: { id },
      user: starter,
    });
    expect(again).toMatchObject({
      status: 409,
      body: { error: { code: 'CONFLICT', details: { state: 'sending' } } },
    });

    const logs = await call('logs', {
      routeKey: 'GET /deliveries/{id}/exclusion-logs',
      pathParameters: { id },
      user: { username: 'ada', groups: ['administration'] },
    });
    expect(logs.body.items.map((e: { cause: string }) => e.cause).sort()).toEqual([
      'address-missing',
      'duplicate-address',
    ]);

    // The tracking log: administration only, an unknown type filter is a 400 on the field, empty before events.
    const admin = { username: 'ada', groups: ['administration'] as Role[] };
    const tracking = (user: typeof admin, query?: Record<string, string>) =>
      call('logs', {
        routeKey: 'GET /deliveries/{id}/tracking-logs',
        pathParameters: { id },
        user,
        ...(query ? { query } : {}),
      });
    expect(await tracking(starter)).toMatchObject({ status: 403 });
    expect(await tracking(admin, { type: 'bounce' })).toMatchObject({
      status: 400,
      body: { error: { details: { fields: [{ field: 'type' }] } } },
    });
    expect(await tracking(admin, { type: 'click' })).toMatchObject({
      status: 200,
      body: { items: [], nextCursor: null },
    });
  });

  it('answers 401 without claims, 400 on malformed JSON with the fields, 415 without a JSON body, 404 for an unknown id', async () => {
    expect(await call('deliveries', { routeKey: 'GET /deliveries', user: null })).toMatchObject({
      status: 401,
      body: { message: 'Unauthorized' },
    });
    expect(
      await call('audiences', { routeKey: 'POST /audiences', user: preparer, body: '{"name": ' }),
    ).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'INVALID_INPUT',
          details: { fields: [{ field: '(body)', message: 'malformed JSON' }] },
        },
      },
    });
    expect(
      await call('audiences', {
        routeKey: 'POST /audiences',
        user: preparer,
        body: { name: 'x' },
        headers: { 'content-type': 'text/plain' },
      }),
    ).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
    expect(
      await call('deliveries', { routeKey: 'GET /deliveries/{id}', pathParameters: { id: 'nope' } }),
    ).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    const invalid = await call('deliveries', {
      routeKey: 'POST /deliveries',
      user: preparer,
      body: { label: '' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(
      expect.arrayContaining(['label', 'content', 'audienceId']),
    );
  });

  it('replays a create retried with the same Idempotency-Key, and refuses the key with another body', async () => {
    const key = `key-${unique()}`;
    const first = await call('audiences', {
      routeKey: 'POST /audiences',
      user: preparer,
      body: { name: 'Once' },
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
    });
    const retry = await call('audiences', {
      routeKey: 'POST /audiences',
      user: preparer,
      body: { name: 'Once' },
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
    });
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const other = await call('audiences', {
      routeKey: 'POST /audiences',
      user: preparer,
      body: { name: 'Other' },
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
    });
    expect(other).toMatchObject({ status: 409, body: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } } });
  });
});

/** The fields a 400 names. */
const fieldsOf = (r: { body: { error?: { details?: { fields?: Array<{ field: string }> } } } }) =>
  (r.body.error?.details?.fields ?? []).map((f) => f.field);

describe('bad input never reaches a 5xx (checks run 401 → 403 → 400 → 404 → 409)', () => {
  const workflow = { username: 'wes', groups: ['workflow'] as Role[] };

  it('answers 400 naming the id for a malformed percent-encoding in a path segment (GET /profiles/%ZZ)', async () => {
    const r = await call('profiles', { routeKey: 'GET /profiles/{id}', pathParameters: { id: '%ZZ' } });
    expect(r.status).toBe(400);
    expect(fieldsOf(r)).toEqual(['id']);
  });

  it('answers 403 to a prepare-only user and 400 to a starter for POST /deliveries/%E0%A4%A/confirm', async () => {
    const path = { routeKey: 'POST /deliveries/{id}/confirm', pathParameters: { id: '%E0%A4%A' } };
    expect(await call('delivery-control', { ...path, user: preparer })).toMatchObject({
      status: 403,
      body: {
        error: { code: 'FORBIDDEN', message: 'Your permissions do not allow you to confirm a delivery.' },
      },
    });
    const r = await call('delivery-control', { ...path, user: starter });
    expect(r.status).toBe(400);
    expect(fieldsOf(r)).toEqual(['id']);
  });

  it('answers 400 naming the id, before any DynamoDB call, for an id over the key limit (2,100 characters)', async () => {
    const r = await call('deliveries', {
      routeKey: 'GET /deliveries/{id}',
      pathParameters: { id: 'x'.repeat(2_100) },
    });
    expect(r.status).toBe(400);
    expect(fieldsOf(r)).toEqual(['id']);
  });

  it('refuses a user without the role with 403 before reading the body or the path', async () => {
    for (const body of ['{"label": ', { label: '' }, { label: 'ok' }]) {
      expect(
        await call('deliveries', {
          routeKey: 'PATCH /deliveries/{id}',
          pathParameters: { id: '%ZZ' },
          user: workflow,
          body,
        }),
      ).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    }
    expect(
      await call('audiences', {
        routeKey: 'POST /audiences',
        user: workflow,
        body: { name: 'x' },
        headers: { 'content-type': 'text/plain' },
      }),
    ).toMatchObject({ status: 403 });
  });

  it('refuses a profile id SES could not carry as a message tag value (a dot), naming the field', async () => {
    const r = await call('profiles', {
      routeKey: 'POST /profiles:batch',
      user: preparer,
      body: { profiles: [{ id: `ann.smith-${unique()}`, email: 'ann@example.com' }] },
    });
    expect(r.status).toBe(400);
    expect(fieldsOf(r)).toEqual(['profiles.0.id']);
  });

  it('answers 400, not 500, to a ValidationException DynamoDB throws (a key over its size limit)', async () => {
    const client = documentClient();
    const refused = await client
      .send(
        new GetCommand({ TableName: sharedTables().profiles, Key: { pk: 'x'.repeat(2_100), sk: 'PROFILE' } }),
      )
      .then(
        () => null,
        (error: unknown) => error,
      );
    client.destroy();
    expect(refused).toMatchObject({ name: 'ValidationException' });
    const { result, unexpected } = toErrorResponse(refused, 'req-1');
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    expect(unexpected).toBe(true); // logged: input that got this far was not validated
  });
});
