/**
 * The send pipeline through the embedded runtime, counted in the SES emulator's store and the SES front's
 * journal: exactly one message per To-deliver recipient and none for the excluded; throttling, lost SES answers
 * (the crash between the SES call and the ledger write), duplicate jobs, pause, resume and stop mid-send. Faults
 * come from the SES front, never from the handlers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/aws-events.ts';
import { assertContract } from '../helpers/contract.ts';
import { client, useRuntime, waitFor } from '../helpers/runtime.ts';

const runtime = useRuntime({
  seed: false,
  env: { SEND_RATE_LIMIT: '40', LOCAL_VISIBILITY_TIMEOUT_SECONDS: '4', SEND_CLAIM_LEASE_SECONDS: '2' },
});
const SIM = 'simulator.amazonses.com';
const content = {
  from: 'news@example.com',
  subject: 'Hello {{firstName}}',
  html: '<p>Hi {{firstName}}</p>',
  text: 'Hi',
};

let c: ReturnType<typeof client>;
let starter: string;
let admin: string;
let sesEmulator: string;

interface JournalLine {
  outcome: string;
  destination: { to: string[] };
  tags: Array<{ name: string; value: string }>;
  answerLost?: boolean;
}

const journal = (deliveryId: string): JournalLine[] =>
  readFileSync(join(runtime().dataDir, 'ses-journal.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalLine)
    .filter((l) => l.tags?.some((t) => t.name === 'delivery' && t.value === deliveryId));

/** Messages the SES emulator holds, by recipient address. */
const store = async (): Promise<Map<string, number>> => {
  const body = (await (await fetch(`${sesEmulator}/store`)).json()) as {
    emails: Array<{ destination: { to: string[] } }>;
  };
  const counts = new Map<string, number>();
  for (const e of body.emails) for (const to of e.destination.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
};

let n = 0;
/** Profiles, an audience and a prepared delivery; returns ids and addresses. */
const prepared = async (count: number, extra: Array<Record<string, unknown>> = []) => {
  n += 1;
  const ids = Array.from({ length: count }, (_, i) => `e${n}-${i}`);
  const profiles = [...ids.map((id) => ({ id, email: `success+${id}@${SIM}`, firstName: id })), ...extra];
  expect((await c.api('POST', '/profiles:batch', {}, { token: starter, body: { profiles } })).status).toBe(
    200,
  );
  const audience = await c.api('POST', '/audiences', {}, { token: starter, body: { name: `Run ${n}` } });
  const members = profiles.map((p) => p.id as string);
  await c.api(
    'POST',
    '/audiences/{id}/members:batch',
    { id: audience.body.id },
    { token: starter, body: { profileIds: members } },
  );
  const delivery = await c.api(
    'POST',
    '/deliveries',
    {},
    {
      token: starter,
      body: { label: `Run ${n}`, audienceId: audience.body.id, content },
    },
  );
  const id = delivery.body.id as string;
  expect((await c.api('POST', '/deliveries/{id}/prepare', { id }, { token: starter })).status).toBe(202);
  await waitFor('preparation', async () => (await get(id)).state === 'ready', 60_000);
  return { id, ids, addresses: ids.map((i) => `success+${i}@${SIM}`) };
};

const get = async (id: string) => (await c.api('GET', '/deliveries/{id}', { id }, { token: starter })).body;
const finished = (id: string, states = ['finished']) =>
  waitFor(`delivery ${id} to end`, async () => states.includes((await get(id)).state), 120_000);
const sendingLog = async (id: string) => {
  const items: Array<{ recipientId: string; status: string; failureReason?: string }> = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await c.request('GET', `/deliveries/${id}/sending-logs?limit=100${query}`, { token: admin });
    assertContract('GET', '/deliveries/{id}/sending-logs', page.status, page.body);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
};
const byStatus = (items: Array<{ status: string }>) => {
  const out: Record<string, number> = {};
  for (const i of items) out[i.status] = (out[i.status] ?? 0) + 1;
  return out;
};
const sentCount = (id: string) => journal(id).filter((l) => l.outcome === 'sent').length;

beforeAll(async () => {
  c = client(runtime().url);
  starter = await c.signIn('stella', ['start-deliveries']);
  admin = await c.signIn('ada', ['administration']);
  sesEmulator = (await c.request('GET', '/local/endpoints')).body.sesEmulator as string;
});

describe('send pipeline on the embedded runtime', () => {
  it('sends exactly one message per To-deliver recipient and none to the excluded, with the right causes', async () => {
    const excluded = [
      { id: `x-none-${Date.now()}` },
      { id: `x-out-${Date.now()}`, email: `success+out@${SIM}`, optOut: true },
    ];
    const { id, addresses } = await prepared(30, excluded);
    const causes = await c.api('GET', '/deliveries/{id}/exclusion-logs', { id }, { token: admin });
    expect(causes.body.items.map((e: { cause: string }) => e.cause).sort()).toEqual([
      'address-missing',
      'opted-out',
    ]);
    expect((await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter })).body.state).toBe(
      'sending',
    );
    await finished(id);
    const mail = await store();
    for (const a of addresses) expect(mail.get(a)).toBe(1);
    expect(mail.get(`success+out@${SIM}`)).toBeUndefined();
    expect(sentCount(id)).toBe(30);
    const view = await get(id);
    expect(view.deployment).toMatchObject({
      statusText: 'All messages have been processed.',
      kpis: { toDeliver: 30, sent: 30, processed: 30 },
    });
    expect(byStatus(await sendingLog(id))).toEqual({ sent: 30 });
  });

  it('rides out SES throttling (429) without failing anyone', async () => {
    const { id, addresses } = await prepared(20);
    await c.request('POST', '/local/ses/faults', { body: { throttle: 15 } });
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter });
    await finished(id);
    const lines = journal(id);
    expect(lines.filter((l) => l.outcome === 'throttled').length).toBeGreaterThan(0);
    const mail = await store();
    for (const a of addresses) expect(mail.get(a)).toBe(1);
    expect(byStatus(await sendingLog(id))).toEqual({ sent: 20 });
  });

  it('a lost SES answer (crash between the SES call and the ledger write) leaves in-doubt, never a second message', async () => {
    const { id, addresses } = await prepared(10);
    await c.request('POST', '/local/ses/faults', { body: { lostAnswers: 2 } });
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter });
    await finished(id);
    const mail = await store();
    for (const a of addresses) expect(mail.get(a)).toBe(1);
    expect(journal(id).filter((l) => l.answerLost)).toHaveLength(2);
    expect(byStatus(await sendingLog(id))).toEqual({ sent: 8, 'in-doubt': 2 });
  });

  it('a send job delivered twice and a starter run twice send nothing twice', async () => {
    const { id, addresses, ids } = await prepared(6);
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter });
    await finished(id);
    const sqs = fixture<{ Records: Array<Record<string, unknown>> }>('lambda/sqs-event.json');
    const event = (body: unknown) => ({ Records: [{ ...sqs.Records[0], body: JSON.stringify(body) }] });
    const again = await c.request('POST', '/local/invoke/sender', {
      body: event({ deliveryId: id, version: 1, recipientIds: ids }),
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ batchItemFailures: [] });
    const start = await c.request('POST', '/local/invoke/starter', {
      body: event({ kind: 'start', deliveryId: id, version: 1, run: 'replayed' }),
    });
    expect(start.status).toBe(200);
    const mail = await store();
    for (const a of addresses) expect(mail.get(a)).toBe(1);
    expect(sentCount(id)).toBe(6);
  });

  it('pause stops new SES calls; resume sends exactly the unprocessed recipients', async () => {
    const { id, addresses } = await prepared(120);
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter });
    await waitFor('some sends', () => sentCount(id) >= 10, 60_000);
    expect((await c.api('POST', '/deliveries/{id}/pause', { id }, { token: starter })).body.state).toBe(
      'paused',
    );
    // In-flight jobs settle: nothing is sent after the senders saw the pause.
    await waitFor('the senders to stop', async () => {
      const before = sentCount(id);
      await new Promise((r) => setTimeout(r, 1500));
      return sentCount(id) === before;
    });
    const sentWhilePaused = sentCount(id);
    expect(sentWhilePaused).toBeLessThan(120);
    const paused = await get(id);
    expect(paused.deployment.kpis.sent).toBe(sentWhilePaused);
    expect(byStatus(await sendingLog(id))).toEqual({ sent: sentWhilePaused, pending: 120 - sentWhilePaused });
    await c.api('POST', '/deliveries/{id}/resume', { id }, { token: starter });

    await finished(id).catch(async (error: Error) => {
      throw new Error(
        `${error.message}: ${JSON.stringify(byStatus(await sendingLog(id)))} ${(await get(id)).state}`,
      );
    });
    const mail = await store();
    for (const a of addresses) expect(mail.get(a)).toBe(1);
    expect(sentCount(id)).toBe(120);
  }, 240_000);

  it('stop cancels every unprocessed recipient ("Delivery canceled")', async () => {
    const { id } = await prepared(120);
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter });
    await waitFor('some sends', () => sentCount(id) >= 10, 60_000);
    expect((await c.api('POST', '/deliveries/{id}/stop', { id }, { token: starter })).body.state).toBe(
      'stopped',
    );
    await waitFor('every recipient settled', async () => {
      const counts = byStatus(await sendingLog(id));
      return (counts.pending ?? 0) === 0;
    });
    const sent = sentCount(id);
    const log = await sendingLog(id);
    expect(byStatus(log)).toEqual({ sent, canceled: 120 - sent });
    expect(log.find((e) => e.status === 'canceled')?.failureReason).toBe('Delivery canceled');
  });
});
