/**
 * Deliverability end to end on the embedded runtime, over HTTP as the console and a mailbox provider would: the
 * one-click unsubscribe headers on every message (as the SES front journaled them), the public route (the signed
 * token refused when tampered with; the provider's one-click POST played by the SES simulator) opting the profile
 * out of the next preparation; proofs absent from every KPI and log of recipients; opens classified human or
 * machine in the tracking log with the human rates beside the all-events ones; the reputation guard pausing a send
 * to bounce@ addresses and not a clean one; a resend targeting exactly the recipients the stopped send left.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type flows, SIM, signedInFlows } from '#test/helpers/flows.ts';
import { type client, useRuntime, waitFor } from '#test/helpers/runtime.ts';

const runtime = useRuntime({
  seed: false,
  env: {
    // Slow enough that bounces are ingested while the guarded send still sends.
    SEND_RATE_LIMIT: '12',
    SES_EVENT_DELAY_SCALE: '0',
    GUARD_MIN_PROCESSED: '10',
  },
});

let c: ReturnType<typeof client>;
let tokens: { starter: string; admin: string };
let f: ReturnType<typeof flows>;
let preparerToken: string;

beforeAll(async () => {
  ({ c, tokens, f } = await signedInFlows(runtime));
  preparerToken = await c.signIn('pat', ['prepare-deliveries']);
});

const run = Date.now().toString(36);
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

describe('one-click unsubscribe', () => {
  it('puts the headers on every message, refuses a tampered token, and the provider POST opts out for next time', async () => {
    const { id, ids } = await f.prepared(3);
    await f.confirm(id);
    await f.finished(id);
    const lines = f.journal(id) as Array<
      ReturnType<typeof f.journal>[number] & { headers?: Record<string, string> }
    >;
    expect(lines).toHaveLength(3);
    const base = runtime().url;
    for (const line of lines) {
      expect(line.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(line.headers?.['List-Unsubscribe']).toMatch(
        new RegExp(`^<${base.replace(/\./g, '\\.')}/unsubscribe/u1\\.[\\w-]+\\.[\\w-]{43}>$`),
      );
    }
    const line = lines.find((l) => l.destination.to[0] === `success+${ids[0]}@${SIM}`)!;
    const url = /<([^>]+)>/.exec(line.headers!['List-Unsubscribe']!)![1]!;
    const path = new URL(url).pathname;

    // The page: a GET never unsubscribes.
    // An HTML page (the contract says text/html: no JSON body to hold against it), with no token asked for.
    const page = await c.request('GET', path);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('<form method="post">');
    expect(
      (await c.api('GET', '/profiles/{id}', { id: ids[0]! }, { token: tokens.starter })).body.optOut,
    ).toBe(false);

    // A tampered token: the same signature over another recipient's payload.
    const [version, payload, mac] = path.split('/')[2]!.split('.');
    const other = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...other, r: ids[1] })).toString('base64url');
    const refused = await c.request('POST', `/unsubscribe/${version}.${forged}.${mac}`, {
      raw: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(refused.status).toBe(404);
    expect(refused.text).toContain('This unsubscribe link is not valid.');
    expect(
      (await c.api('GET', '/profiles/{id}', { id: ids[1]! }, { token: tokens.starter })).body.optOut,
    ).toBe(false);

    // The mailbox provider's one-click POST, played by the SES simulator for this message.
    const oneClick = await c.request('POST', `/local/ses/unsubscribe/${encodeURIComponent(line.messageId!)}`);
    expect(oneClick.body).toEqual({ url, status: 200 });
    expect(
      (await c.api('GET', '/profiles/{id}', { id: ids[0]! }, { token: tokens.starter })).body.optOut,
    ).toBe(true);
    const optOuts = (await f.trackingLog(id)).filter((e) => e.type === 'opt-out');
    expect(optOuts.map((e) => e.recipientId)).toEqual([ids[0]]);

    // The next preparation excludes the profile.
    const next = await f.prepare(ids.map((pid) => ({ id: pid, email: `success+${pid}@${SIM}` })));
    expect((await f.get(next.id)).preparation.exclusions).toEqual({ 'opted-out': 1 });
  });
});

describe('proofs', () => {
  it('send the prepared content to reviewers and never count in KPIs, logs, quarantine or history', async () => {
    const { id, ids } = await f.prepared(2);
    const bounceProof = `bounce+proof-${run}@${SIM}`;
    const sent = await c.api(
      'POST',
      '/deliveries/{id}/proofs',
      { id },
      { token: preparerToken, body: { addresses: [`success+proof-${run}@${SIM}`, bounceProof] } },
    );
    expect(sent.status).toBe(201);
    expect(sent.body.subject).toBe('[Proof] Hello {{firstName}}');
    await waitFor('the proof events', async () => {
      const log = await c.api('GET', '/deliveries/{id}/proofs', { id }, { token: tokens.starter });
      const statuses = log.body.items[0].recipients.map((r: { status: string }) => r.status);
      return statuses[0] === 'delivered' && statuses[1] === 'bounced';
    });
    const proofLines = f.journal(id) as Array<{ tags: Array<{ name: string; value: string }> }>;
    expect(proofLines).toHaveLength(2);
    for (const l of proofLines)
      expect(l.tags.map((t) => t.name).sort()).toEqual(['delivery', 'proof', 'proof-recipient']);

    const stats = await c.api('POST', '/deliveries/{id}/compute-stats', { id }, { token: tokens.starter });
    expect(stats.body.kpis).toMatchObject({
      sent: 0,
      processed: 0,
      delivered: 0,
      bouncesAndErrors: 0,
      opens: 0,
    });
    const log = await f.sendingLog(id);
    expect(log.map((e) => [e.recipientId, e.status]).sort()).toEqual(ids.map((r) => [r, 'pending']).sort());
    expect(await f.trackingLog(id)).toEqual([]);
    // The proof's bounce quarantined nothing: a profile at that address is targeted.
    const next = await f.prepare([{ id: `proof-reader-${run}`, email: bounceProof }]);
    expect((await f.get(next.id)).preparation).toMatchObject({ toDeliver: 1, exclusions: {} });
    expect(await f.history(`proof-reader-${run}`)).toEqual([]);
  });

  it('are refused before preparation (409) and to users who may not prepare (403)', async () => {
    const { id } = await f.prepared(1);
    const workflow = await c.signIn('wendy', ['workflow']);
    const body = { addresses: [`success@${SIM}`] };
    expect((await c.api('POST', '/deliveries/{id}/proofs', { id }, { token: workflow, body })).status).toBe(
      403,
    );
    await c.api('PATCH', '/deliveries/{id}', { id }, { token: tokens.starter, body: { label: 'edited' } });
    expect(
      (await c.api('POST', '/deliveries/{id}/proofs', { id }, { token: tokens.starter, body })).status,
    ).toBe(409);
  });
});

describe('human opens', () => {
  it('classify each open in the tracking log; the Deployment block shows human rates beside all-events ones', async () => {
    const { id } = await f.prepared(2);
    await f.confirm(id);
    await f.finished(id);
    await waitFor('both delivered', async () =>
      (await f.sendingLog(id)).every((e) => e.status === 'delivered'),
    );
    const [first, second] = await f.sendingLog(id);
    // Apple Mail Privacy Protection prefetches both; one reader then opens in a browser.
    for (const e of [first!, second!])
      await c.request('GET', `/local/ses/open/${e.sesMessageId}`, {
        headers: { 'user-agent': 'Mozilla/5.0' },
      });
    await c.request('GET', `/local/ses/open/${first!.sesMessageId}`, { headers: { 'user-agent': CHROME } });
    await waitFor('three opens', async () => (await f.trackingLog(id)).length === 3);
    const tracked = (await f.trackingLog(id)) as Array<{
      recipientId: string;
      classification?: string;
      classificationRule?: string;
    }>;
    expect(
      tracked
        .map((e) => [e.recipientId === first!.recipientId, e.classification, e.classificationRule])
        .sort(),
    ).toEqual([
      [false, 'machine', 'apple-mpp'],
      [true, 'human', 'mail-client'],
      [true, 'machine', 'apple-mpp'],
    ]);
    await c.api('POST', '/deliveries/{id}/compute-stats', { id }, { token: tokens.starter });
    expect((await f.get(id)).deployment.kpis).toMatchObject({
      opens: 3,
      uniqueOpens: 2,
      openRate: 1,
      humanOpens: 1,
      uniqueHumanOpens: 1,
      humanOpenRate: 0.5,
    });
  });
});

describe('the reputation guard and resend', () => {
  it('pauses a send to bounce@ addresses past the threshold; only a starter resumes; a resend targets who was left', async () => {
    const bouncing = Array.from({ length: 30 }, (_, i) => ({
      id: `g${run}-b${i}`,
      email: `bounce+g${run}-${i}@${SIM}`,
    }));
    // Enough clean recipients that the send is still going when the guard pauses it (12 a second: 10 s), so the stop
    // below finds recipients pending on a loaded machine too (with 30, all were sometimes sent before the pause);
    // at most 100 (one page of the resend's members, read below).
    const clean = Array.from({ length: 90 }, (_, i) => ({
      id: `g${run}-s${i}`,
      email: `success+g${run}-${i}@${SIM}`,
    }));
    const { id } = await f.prepare([...bouncing, ...clean], `Guarded ${run}`);
    await f.confirm(id);
    await waitFor('the guard to pause the send', async () => (await f.get(id)).state === 'paused', 60_000);
    const paused = await f.get(id);
    expect(paused.deployment.statusText).toMatch(
      /^Paused: Reputation guard: bounce rate [\d.]+ % \(\d+ hard bounces of \d+ processed\) is above 4 %$/,
    );
    expect(paused.history.at(-1)).toMatchObject({
      action: 'guard-pause',
      by: { system: 'reputation-guard' },
    });
    expect((await c.api('POST', '/deliveries/{id}/resume', { id }, { token: preparerToken })).status).toBe(
      403,
    );
    const resumed = await c.api('POST', '/deliveries/{id}/resume', { id }, { token: tokens.starter });
    expect([resumed.status, resumed.body.state]).toEqual([200, 'sending']);
    expect(resumed.body.deployment.statusText).toBe('Sending');
    // Stop it: whoever was not sent is canceled.
    await c.api('POST', '/deliveries/{id}/stop', { id }, { token: tokens.starter });
    await waitFor(
      'no recipient pending',
      async () => (await f.sendingLog(id)).every((e) => e.status !== 'pending'),
      60_000,
    );
    await waitFor(
      'every sent recipient settled',
      async () =>
        (await f.sendingLog(id)).every((e) => ['delivered', 'failed', 'canceled'].includes(e.status)),
      60_000,
    );

    const log = await f.sendingLog(id);
    const canceled = log
      .filter((e) => e.status === 'canceled')
      .map((e) => e.profileId)
      .sort();
    expect(canceled.length).toBeGreaterThan(0);
    const resend = await c.api('POST', '/deliveries/{id}/resend', { id }, { token: preparerToken });
    expect(resend.status).toBe(201);
    expect(resend.body.resendOf).toEqual({ deliveryId: id, version: 1, label: `Guarded ${run}` });
    // Exactly the canceled: never the hard bounces, nor the delivered.
    expect([...resend.body.resendTarget.profileIds].sort()).toEqual(canceled);
    const members = await c.request('GET', `/audiences/${resend.body.audienceId}/members?limit=100`, {
      token: tokens.starter,
    });
    expect([...members.body.items].sort()).toEqual(canceled);
    expect(
      (await c.api('POST', '/deliveries/{id}/prepare', { id: resend.body.id }, { token: preparerToken }))
        .status,
    ).toBe(202);
    await waitFor('the resend prepared', async () => (await f.get(resend.body.id)).state === 'ready');
    expect((await f.get(resend.body.id)).preparation.toDeliver).toBe(canceled.length);
  });

  it('does not pause a clean send', async () => {
    const { id } = await f.prepared(20);
    await f.confirm(id);
    await f.finished(id);
    expect((await f.get(id)).history.map((h: { action: string }) => h.action)).not.toContain('guard-pause');
  });
});
