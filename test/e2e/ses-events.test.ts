/**
 * SES events end to end on the embedded runtime: a delivery to each mailbox-simulator address is sent through the
 * SES front, the event simulator publishes what SES would (in the SNS envelope, to the events queue), the ingester
 * applies it. Checked through the API: the sending log, the quarantine and denylist (as a second preparation
 * excludes them, and as stored), the profile history, opens and clicks from the local tracking URLs, and a lost
 * SES answer reconciled from the message's events.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoQuarantineRepository } from '#adapters/dynamodb/quarantine.ts';
import { byStatus, type flows, SIM, signedInFlows } from '#test/helpers/flows.ts';
import type { client } from '#test/helpers/runtime.ts';
import { useRuntime, waitFor } from '#test/helpers/runtime.ts';

const runtime = useRuntime({
  seed: false,
  env: {
    SEND_RATE_LIMIT: '40',
    SES_EVENT_DELAY_SCALE: '0.2',
    LOCAL_VISIBILITY_TIMEOUT_SECONDS: '4',
    SEND_CLAIM_LEASE_SECONDS: '2',
  },
});

let c: ReturnType<typeof client>;
let tokens: { starter: string; admin: string };
let f: ReturnType<typeof flows>;
let quarantine: DynamoQuarantineRepository;

beforeAll(async () => {
  ({ c, tokens, f } = await signedInFlows(runtime));
  const endpoints = (await c.request('GET', '/local/endpoints')).body as {
    dynamodb: string;
    tables: { profiles: string };
  };
  quarantine = new DynamoQuarantineRepository({
    client: createDocumentClient(
      new DynamoDBClient({
        endpoint: endpoints.dynamodb,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    ),
    tableName: endpoints.tables.profiles,
  });
});

const run = Date.now().toString(36);
/** One profile per mailbox-simulator address (labels and upper case honoured), plus an ordinary address. */
const PROFILES = {
  success: { email: `success+${run}@${SIM}`, status: 'delivered' },
  other: { email: `someone-${run}@example.com`, status: 'delivered' },
  bounce: { email: `bounce+${run}@${SIM}`, status: 'failed', failureType: 'hard', quarantine: 'quarantined' },
  ooto: { email: `ooto+${run}@${SIM}`, status: 'delivered' },
  complaint: { email: `complaint+${run}@${SIM}`, status: 'delivered', quarantine: 'denylisted' },
  suppressed: {
    email: `SuppressionList+${run}@${SIM}`,
    status: 'failed',
    failureType: 'hard',
    quarantine: 'quarantined',
  },
} as const;
type Name = keyof typeof PROFILES;
const profileId = (name: Name) => `${name}-${run}`;

describe('SES events through the embedded runtime', () => {
  let first: string;

  it('applies the mailbox simulator to the sending log, the quarantine and the profile history', async () => {
    const { id, audienceId } = await f.prepare(
      Object.entries(PROFILES).map(([name, p]) => ({
        id: profileId(name as Name),
        email: p.email,
        firstName: name,
      })),
    );
    first = id;
    await f.confirm(id);
    await f.finished(id);
    const expected = Object.fromEntries(
      Object.entries(PROFILES).map(([name, p]) => [profileId(name as Name), p]),
    );
    await waitFor(
      'every recipient to reach its outcome',
      async () => (await f.sendingLog(id)).every((e) => e.status === expected[e.recipientId]!.status),
      60_000,
    );
    const log = await f.sendingLog(id);
    expect(byStatus(log)).toEqual({ delivered: 4, failed: 2 });
    for (const e of log) {
      const p = expected[e.recipientId]!;
      expect(e).toMatchObject({ status: p.status, sesMessageId: expect.any(String) });
      if ('failureType' in p) expect(e.failureType).toBe(p.failureType);
    }
    expect(log.find((e) => e.recipientId === profileId('bounce'))!.failureReason).toMatch(/5\.1\.1/);
    expect(log.find((e) => e.recipientId === profileId('suppressed'))!.failureReason).toMatch(/suppressed/);

    // The complaint and the bounces reach the quarantine (the complaint arrives after the Delivery).
    await waitFor(
      'quarantine and denylist',
      async () =>
        (await quarantine.getMany(Object.values(PROFILES).map((p) => p.email))).length === 3 &&
        (await quarantine.getMany([PROFILES.complaint.email]))[0]?.status === 'denylisted',
      30_000,
    );
    const entries = await quarantine.getMany(Object.values(PROFILES).map((p) => p.email));
    expect(Object.fromEntries(entries.map((q) => [q.address, q.status]))).toEqual({
      [PROFILES.bounce.email]: 'quarantined',
      [PROFILES.complaint.email]: 'denylisted',
      [PROFILES.suppressed.email.toLowerCase()]: 'quarantined',
    });
    const view = await f.get(id);
    expect(view.deployment.kpis).toMatchObject({
      toDeliver: 6,
      sent: 6,
      processed: 6,
      delivered: 4,
      bouncesAndErrors: 2,
      deliveredRate: 0.6667,
      bouncesAndErrorsRate: 0.3333,
    });

    // The dashboard's chart: the same sends and outcomes, bucketed over time.
    const timeline = await c.api('GET', '/deliveries/{id}/timeline', { id }, { token: tokens.starter });
    expect(timeline.status).toBe(200);
    const total = (key: 'sent' | 'delivered' | 'bouncesAndErrors') =>
      timeline.body.buckets.reduce((n: number, b: Record<string, number>) => n + b[key]!, 0);
    expect([total('sent'), total('delivered'), total('bouncesAndErrors')]).toEqual([6, 4, 2]);

    // A second delivery to the same audience excludes the quarantined and denylisted addresses.
    const second = await c.api(
      'POST',
      '/deliveries',
      {},
      {
        token: tokens.starter,
        body: {
          label: 'Again',
          audienceId,
          content: { from: 'news@example.com', subject: 'Again', html: '<p>x</p>', text: 'x' },
        },
      },
    );
    const againId = second.body.id as string;
    await c.api('POST', '/deliveries/{id}/prepare', { id: againId }, { token: tokens.starter });
    await waitFor('second preparation', async () => (await f.get(againId)).state === 'ready', 60_000);
    const excluded = await f.exclusionLog(againId);
    expect(Object.fromEntries(excluded.map((x) => [x.profileId, x.cause]))).toEqual({
      [profileId('bounce')]: 'quarantined',
      [profileId('complaint')]: 'denylisted',
      [profileId('suppressed')]: 'quarantined',
    });
    await f.confirm(againId);
    await f.finished(againId);
    await waitFor(
      'the second delivery delivered',
      async () => (await f.sendingLog(againId)).every((e) => e.status === 'delivered'),
      60_000,
    );

    // Profile history: newest first, each message with its status.
    const success = await f.history(profileId('success'));
    expect(success.map((h) => [h.deliveryId, h.status])).toEqual([
      [againId, 'delivered'],
      [id, 'delivered'],
    ]);
    const bounced = await f.history(profileId('bounce'));
    expect(bounced).toEqual([
      expect.objectContaining({ deliveryId: id, status: 'failed', failureType: 'hard' }),
    ]);
  }, 240_000);

  it('records opens and clicks from the local tracking URLs in the tracking log, the entry and the history', async () => {
    const entry = (await f.sendingLog(first)).find((e) => e.recipientId === profileId('success'))!;
    const messageId = entry.sesMessageId!;
    const pixel = await fetch(`${runtime().url}/local/ses/open/${messageId}`, {
      headers: { 'user-agent': 'e2e-mail-client' },
    });
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    const link = 'https://example.com/spring?utm=e2e';
    const click = await fetch(
      `${runtime().url}/local/ses/click/${messageId}?link=${encodeURIComponent(link)}`,
      { redirect: 'manual' },
    );
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe(link);
    expect((await fetch(`${runtime().url}/local/ses/open/no-such-message`)).status).toBe(404);

    await waitFor(
      'the open and the click ingested',
      async () => (await f.trackingLog(first)).length === 2,
      30_000,
    );
    const tracking = await f.trackingLog(first);
    expect(tracking).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          recipientId: profileId('success'),
          type: 'open',
          userAgent: 'e2e-mail-client',
        }),
        expect.objectContaining({ recipientId: profileId('success'), type: 'click', link }),
      ]),
    );
    const updated = (await f.sendingLog(first)).find((e) => e.recipientId === profileId('success'))!;
    expect(updated).toMatchObject({ opens: 1, clicks: 1, status: 'delivered' });
    const [, older] = await f.history(profileId('success'));
    expect(older).toMatchObject({ deliveryId: first, opens: 1, clicks: 1 });
    const stats = await c.api(
      'POST',
      '/deliveries/{id}/compute-stats',
      { id: first },
      { token: tokens.starter },
    );
    expect(stats.body.kpis).toMatchObject({
      opens: 1,
      uniqueOpens: 1,
      clicks: 1,
      uniqueClicks: 1,
      openRate: 0.25,
      clickThroughRate: 0.25,
    });
    expect(stats.body.repaired).toEqual({});
  });

  it('reconciles recipients whose SES answers were lost from their events: delivered, one message each', async () => {
    const { id, addresses } = await f.prepared(6);
    await c.request('POST', '/local/ses/faults', { body: { lostAnswers: 2 } });
    await f.confirm(id);
    await f.finished(id);
    await waitFor(
      'every recipient delivered',
      async () => (await f.sendingLog(id)).every((e) => e.status === 'delivered'),
      60_000,
    );
    const journal = f.journal(id).filter((l) => l.outcome === 'sent');
    expect(journal.filter((l) => l.answerLost)).toHaveLength(2);
    expect(journal.map((l) => l.destination.to[0]).sort()).toEqual([...addresses].sort());
    const log = await f.sendingLog(id);
    const lost = new Set(journal.filter((l) => l.answerLost).map((l) => l.messageId));
    expect(log.filter((e) => lost.has(e.sesMessageId!))).toHaveLength(2);
    expect((await f.get(id)).deployment.kpis).toMatchObject({ sent: 6, processed: 6, delivered: 6 });
  }, 120_000);
});
