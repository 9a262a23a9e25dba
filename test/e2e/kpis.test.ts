/**
 * KPIs end to end on the embedded runtime (issue #9): a send to mailbox-simulator addresses, opens and clicks
 * through the local tracking URLs (a mail client, Apple Mail Privacy Protection's prefetch, a security scanner),
 * then the hourly stats aggregation and compute-stats run through `POST /local/invoke/...`. Every KPI and both
 * `computedAt` times are checked against a recount of the SES front's journal (what SES accepted) and the event
 * simulator's published events (what SES said happened next), written here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type flows, SIM, signedInFlows } from '#test/helpers/flows.ts';
import type { client } from '#test/helpers/runtime.ts';
import { useRuntime, waitFor } from '#test/helpers/runtime.ts';

const runtime = useRuntime({
  seed: false,
  env: { SEND_RATE_LIMIT: '40', SES_EVENT_DELAY_SCALE: '0.2', LOCAL_VISIBILITY_TIMEOUT_SECONDS: '4' },
});

let c: ReturnType<typeof client>;
let f: ReturnType<typeof flows>;
beforeAll(async () => {
  ({ c, f } = await signedInFlows(runtime));
});

const run = Date.now().toString(36);
const ADDRESSES = {
  a: `success+a${run}@${SIM}`,
  b: `success+b${run}@${SIM}`,
  c: `success+c${run}@${SIM}`,
  d: `success+d${run}@${SIM}`,
  bounce: `bounce+${run}@${SIM}`,
  complaint: `complaint+${run}@${SIM}`,
  ooto: `ooto+${run}@${SIM}`,
  suppressed: `SuppressionList+${run}@${SIM}`,
};
const MAIL_CLIENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Thunderbird/128.0';
const MPP = 'Mozilla/5.0';
const SCANNER = 'Barracuda Sentinel link protection';

interface Published {
  eventType?: string;
  record?: {
    eventType: string;
    delivery?: { timestamp: string };
    bounce?: { bounceType: string };
    open?: { userAgent?: string };
    click?: { userAgent?: string };
  };
}

const eventsOf = async (messageId: string): Promise<Published[]> => {
  const answer = await c.request('GET', `/local/ses/events?messageId=${encodeURIComponent(messageId)}`);
  expect(answer.status).toBe(200);
  return answer.body.items as Published[];
};

const rate = (a: number, b: number) => (b > 0 ? Math.min(1, Math.round((a / b) * 10_000) / 10_000) : 0);

/** The KPIs of DESIGN section 5 recounted from the journal (accepted messages) and the published events. */
const recount = async (deliveryId: string, toDeliver: number, human: (e: Published) => boolean) => {
  const sent = f.journal(deliveryId).filter((l) => l.outcome === 'sent' && l.messageId);
  const n = { sent: sent.length, delivered: 0, bouncesAndErrors: 0, opens: 0, uniqueOpens: 0, clicks: 0 };
  const more = { uniqueClicks: 0, humanOpens: 0, uniqueHumanOpens: 0, humanClicks: 0, uniqueHumanClicks: 0 };
  for (const line of sent) {
    const events = (await eventsOf(line.messageId!)).map((e) => e.record).filter((r) => r !== undefined);
    const types = events.map((r) => r.eventType);
    const hardBounce = events.some((r) => r.eventType === 'Bounce' && r.bounce?.bounceType === 'Permanent');
    const opens = types.filter((t) => t === 'Open').length;
    const clicks = types.filter((t) => t === 'Click').length;
    const humanEvents = events.filter(
      (r) => (r.eventType === 'Open' || r.eventType === 'Click') && human({ record: r }),
    );
    const humanOpens = humanEvents.filter((r) => r.eventType === 'Open').length;
    const humanClicks = humanEvents.filter((r) => r.eventType === 'Click').length;
    if (hardBounce) n.bouncesAndErrors++;
    else if (types.includes('Delivery') || opens + clicks > 0) n.delivered++;
    n.opens += opens > 0 ? opens : clicks > 0 ? 1 : 0;
    if (opens + clicks > 0) n.uniqueOpens++;
    n.clicks += clicks;
    if (clicks > 0) more.uniqueClicks++;
    more.humanOpens += humanOpens > 0 ? humanOpens : humanClicks > 0 ? 1 : 0;
    if (humanOpens + humanClicks > 0) more.uniqueHumanOpens++;
    more.humanClicks += humanClicks;
    if (humanClicks > 0) more.uniqueHumanClicks++;
  }
  return {
    toDeliver,
    ...n,
    ...more,
    processed: n.sent,
    deliveredRate: rate(n.delivered, n.sent),
    bouncesAndErrorsRate: rate(n.bouncesAndErrors, n.sent),
    openRate: rate(n.uniqueOpens, n.delivered),
    clickThroughRate: rate(more.uniqueClicks, n.delivered),
    humanOpenRate: rate(more.uniqueHumanOpens, n.delivered),
    humanClickThroughRate: rate(more.uniqueHumanClicks, n.delivered),
  };
};

describe('KPIs: the hourly aggregation and compute-stats through /local/invoke', () => {
  it('agree with a recount of the journal and the simulator events, KPI by KPI, with their computedAt times', async () => {
    const { id } = await f.prepare(
      Object.entries(ADDRESSES).map(([name, email]) => ({ id: `${name}-${run}`, email, firstName: name })),
    );
    await f.confirm(id);
    await f.finished(id);
    const outcome = (e: { recipientId: string }) =>
      e.recipientId.startsWith('bounce') || e.recipientId.startsWith('suppressed') ? 'failed' : 'delivered';
    await waitFor(
      'every recipient at its outcome',
      async () => (await f.sendingLog(id)).every((e) => e.status === outcome(e)),
      60_000,
    );
    // The complaint arrives after the Delivery: wait for the simulator to have published everything it will.
    const messages = f.journal(id).filter((l) => l.outcome === 'sent');
    expect(messages).toHaveLength(8);
    const messageOf = (name: keyof typeof ADDRESSES) =>
      messages.find((l) => l.destination.to[0]!.toLowerCase() === ADDRESSES[name].toLowerCase())!.messageId!;
    await waitFor(
      'the complaint published',
      async () => (await eventsOf(messageOf('complaint'))).some((e) => e.record?.eventType === 'Complaint'),
      30_000,
    );

    // Opens and clicks: a reader (twice), Apple's prefetch, a scanner's click, a reader's click well after delivery.
    const base = runtime().url;
    const open = (name: keyof typeof ADDRESSES, ua: string) =>
      fetch(`${base}/local/ses/open/${messageOf(name)}`, { headers: { 'user-agent': ua } });
    const click = (name: keyof typeof ADDRESSES, ua: string) =>
      fetch(
        `${base}/local/ses/click/${messageOf(name)}?link=${encodeURIComponent('https://example.com/x')}`,
        {
          headers: { 'user-agent': ua },
          redirect: 'manual',
        },
      );
    expect((await open('a', MAIL_CLIENT)).status).toBe(200);
    expect((await open('a', MAIL_CLIENT)).status).toBe(200);
    expect((await open('b', MPP)).status).toBe(200);
    expect((await click('c', SCANNER)).status).toBe(302);
    const deliveredAt = (await eventsOf(messageOf('d'))).find((e) => e.record?.eventType === 'Delivery')!
      .record!.delivery!.timestamp;
    await waitFor(
      '6 s after the Delivery (a human does not click sooner)',
      () => Date.now() - Date.parse(deliveredAt) > 6_000,
      20_000,
    );
    expect((await click('d', MAIL_CLIENT)).status).toBe(302);
    await waitFor(
      'the opens and clicks ingested',
      async () => (await f.trackingLog(id)).length === 5,
      30_000,
    );

    // Human: a mail client, not Apple's bare "Mozilla/5.0" nor a scanner (shared/domain/engagement.ts).
    const human = (e: Published) => {
      const ua = e.record?.open?.userAgent ?? e.record?.click?.userAgent ?? '';
      return ua === MAIL_CLIENT;
    };
    const truth = await recount(id, 8, human);
    expect(truth).toMatchObject({ sent: 8, delivered: 6, bouncesAndErrors: 2, uniqueOpens: 4, clicks: 2 });
    expect(truth.humanOpens).toBeGreaterThan(0);
    expect(truth.humanOpens).toBeLessThan(truth.opens);

    // The hourly aggregation, run now: the tracking snapshot of this delivery (marked active by ingestion).
    const before = new Date().toISOString();
    const aggregated = await c.request('POST', '/local/invoke/stats-aggregation', { body: {} });
    const after = new Date().toISOString();
    expect(aggregated.status).toBe(200);
    expect(aggregated.headers.get('x-amz-function-error')).toBeNull();
    expect(aggregated.body.refreshed).toContain(id);
    const view = await f.get(id);
    expect(view.deployment.kpis).toEqual(truth);
    expect(
      view.deployment.computedAt.tracking >= before && view.deployment.computedAt.tracking <= after,
    ).toBe(true);
    expect(view.deployment.computedAt.realTime >= after).toBe(true);

    // Compute stats, invoked directly: the same KPIs, both snapshots stamped with the time its read started.
    const t0 = new Date().toISOString();
    const computed = await c.request('POST', '/local/invoke/compute-stats', { body: { deliveryId: id } });
    const t1 = new Date().toISOString();
    expect(computed.status).toBe(200);
    expect(computed.headers.get('x-amz-function-error')).toBeNull();
    expect(computed.body).toMatchObject({
      deliveryId: id,
      kpis: truth,
      repaired: {},
      complete: true,
      progress: { read: 8, toDeliver: 8 },
    });
    const { realTime, tracking } = computed.body.computedAt as { realTime: string; tracking: string };
    expect(realTime).toBe(tracking);
    expect(realTime >= t0 && realTime <= t1).toBe(true);
    const again = await f.get(id);
    expect(again.deployment.kpis).toEqual(truth);
    expect(again.deployment.computedAt.tracking).toBe(tracking);

    // Bulk repair and a malformed event: an answer for each, and the function's error for the second.
    const bulk = await c.request('POST', '/local/invoke/computeStats', {
      body: { state: 'finished', since: before.slice(0, 10) + 'T00:00:00Z' },
    });
    expect(bulk.body.results.map((r: { deliveryId: string }) => r.deliveryId)).toContain(id);
    const bad = await c.request('POST', '/local/invoke/compute-stats', { body: { nope: 1 } });
    expect(bad.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(bad.body.errorMessage).toMatch(/expects \{"deliveryId"/);
  }, 240_000);
});
