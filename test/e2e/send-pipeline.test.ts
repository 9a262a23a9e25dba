/**
 * The send pipeline through the embedded runtime, counted in the SES emulator's store and the SES front's
 * journal: exactly one message per To-deliver recipient and none for the excluded; throttling, lost SES answers
 * (the crash between the SES call and the ledger write), duplicate jobs, pause, resume and stop mid-send. Faults
 * come from the SES front, never from the handlers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '#test/helpers/aws-events.ts';
import { byStatus, type flows, SIM, signedInFlows } from '#test/helpers/flows.ts';
import type { client } from '#test/helpers/runtime.ts';
import { useRuntime, waitFor } from '#test/helpers/runtime.ts';

const runtime = useRuntime({
  seed: false,
  env: { SEND_RATE_LIMIT: '40', LOCAL_VISIBILITY_TIMEOUT_SECONDS: '4', SEND_CLAIM_LEASE_SECONDS: '2' },
});

let c: ReturnType<typeof client>;
let tokens: { starter: string; admin: string };
let f: ReturnType<typeof flows>;
let sesEmulator: string;

/** Messages the SES emulator holds, by recipient address. */
const store = async (): Promise<Map<string, number>> => {
  const body = (await (await fetch(`${sesEmulator}/store`)).json()) as {
    emails: Array<{ destination: { to: string[] } }>;
  };
  const counts = new Map<string, number>();
  for (const e of body.emails) for (const to of e.destination.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
};

/**
 * Statuses as the send left them: the event simulator runs alongside, so a sent recipient may already be
 * delivered (test/e2e/ses-events.test.ts covers the events); both count as sent here.
 */
const sendOutcome = async (id: string) =>
  byStatus((await f.sendingLog(id)).map((e) => ({ status: e.status === 'delivered' ? 'sent' : e.status })));
const sentCount = (id: string) => f.journal(id).filter((l) => l.outcome === 'sent').length;
const starter = () => tokens.starter;

beforeAll(async () => {
  ({ c, tokens, f } = await signedInFlows(runtime));
  sesEmulator = (await c.request('GET', '/local/endpoints')).body.sesEmulator as string;
});

describe('send pipeline on the embedded runtime', () => {
  it('sends exactly one message per To-deliver recipient and none to the excluded, with the right causes', async () => {
    const excluded = [
      { id: `x-none-${Date.now()}` },
      { id: `x-out-${Date.now()}`, email: `success+out@${SIM}`, optOut: true },
    ];
    const { id, addresses } = await f.prepared(30, excluded);
    const causes = await c.api('GET', '/deliveries/{id}/exclusion-logs', { id }, { token: tokens.admin });
    expect(causes.body.items.map((e: { cause: string }) => e.cause).sort()).toEqual([
      'address-missing',
      'opted-out',
    ]);
    expect((await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter() })).body.state).toBe(
      'sending',
    );
    await f.finished(id);
    const mail = await store();
    for (const a of addresses) expect(mail.get(a)).toBe(1);
    expect(mail.get(`success+out@${SIM}`)).toBeUndefined();
    expect(sentCount(id)).toBe(30);
    const view = await f.get(id);
    expect(view.deployment).toMatchObject({
      statusText: 'All messages have been processed.',
      kpis: { toDeliver: 30, sent: 30, processed: 30 },
    });
    expect(await sendOutcome(id)).toEqual({ sent: 30 });
  });

  it('rides out SES throttling (429) without failing anyone', async () => {
    const { id, addresses } = await f.prepared(20);
    await c.request('POST', '/local/ses/faults', { body: { throttle: 15 } });
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter() });
    await f.finished(id);
    const lines = f.journal(id);
    expect(lines.filter((l) => l.outcome === 'throttled').length).toBeGreaterThan(0);
    const mail = await store();
    for (const a of addresses) expect(mail.get(a)).toBe(1);
    expect(await sendOutcome(id)).toEqual({ sent: 20 });
  });

  it('a lost SES answer (crash between the SES call and the ledger write) never gives a second message', async () => {
    const { id, addresses } = await f.prepared(10);
    await c.request('POST', '/local/ses/faults', { body: { lostAnswers: 2 } });
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter() });
    await f.finished(id);
    const mail = await store();
    for (const a of addresses) expect(mail.get(a)).toBe(1);
    expect(f.journal(id).filter((l) => l.answerLost)).toHaveLength(2);
    // Both are accounted for: in-doubt, or already reconciled from their SES events (ses-events.test.ts).
    const outcome = await sendOutcome(id);
    expect((outcome.sent ?? 0) + (outcome['in-doubt'] ?? 0)).toBe(10);
  });

  it('a send job delivered twice and a starter run twice send nothing twice', async () => {
    const { id, addresses, ids } = await f.prepared(6);
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter() });
    await f.finished(id);
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
    const { id, addresses } = await f.prepared(120);
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter() });
    await waitFor('some sends', () => sentCount(id) >= 10, 60_000);
    expect((await c.api('POST', '/deliveries/{id}/pause', { id }, { token: starter() })).body.state).toBe(
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
    const paused = await f.get(id);
    expect(paused.deployment.kpis.sent).toBe(sentWhilePaused);
    expect(await sendOutcome(id)).toEqual({ sent: sentWhilePaused, pending: 120 - sentWhilePaused });
    await c.api('POST', '/deliveries/{id}/resume', { id }, { token: starter() });

    await f.finished(id).catch(async (error: Error) => {
      throw new Error(
        `${error.message}: ${JSON.stringify(await sendOutcome(id))} ${(await f.get(id)).state}`,
      );
    });
    const mail = await store();
    for (const a of addresses) expect(mail.get(a)).toBe(1);
    expect(sentCount(id)).toBe(120);
  }, 240_000);

  it('stop cancels every unprocessed recipient ("Delivery canceled")', async () => {
    const { id } = await f.prepared(120);
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: starter() });
    await waitFor('some sends', () => sentCount(id) >= 10, 60_000);
    expect((await c.api('POST', '/deliveries/{id}/stop', { id }, { token: starter() })).body.state).toBe(
      'stopped',
    );
    await waitFor('every recipient settled', async () => ((await sendOutcome(id)).pending ?? 0) === 0);
    const sent = sentCount(id);
    expect(await sendOutcome(id)).toEqual({ sent, canceled: 120 - sent });
    const log = await f.sendingLog(id);
    expect(log.find((e) => e.status === 'canceled')?.failureReason).toBe('Delivery canceled');
  });
});
