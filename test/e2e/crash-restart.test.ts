/**
 * The embedded runtime killed with SIGKILL in the middle of a send, then restarted on the same data folder:
 * every recipient is accounted for (sent, or in-doubt when killed between the SES call and the ledger write) and
 * no address receives two messages; once the SES events of every accepted message are ingested (the simulator
 * resumes after the kill too), every recipient is delivered, the in-doubt ones reconciled. Counted in the SES
 * front's journal, which survives the kill.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  client,
  removeRuntime,
  type RuntimeProcess,
  startRuntimeProcess,
  waitFor,
} from '#test/helpers/runtime.ts';

const env = {
  SEND_RATE_LIMIT: '20',
  LOCAL_VISIBILITY_TIMEOUT_SECONDS: '5',
  SEND_CLAIM_LEASE_SECONDS: '2',
  // The sweeper every 2 s, and a 6 s reconciliation window (AWS: every 5 minutes, 24 hours).
  LOCAL_SWEEP_INTERVAL_SECONDS: '2',
  IN_DOUBT_WINDOW_MINUTES: '0.1',
  // A repair of the counters trusts a log written 5 s ago (deployed: 330 s, the longest writer's timeout and 30 s).
  COUNTER_SETTLE_SECONDS: '5',
};
const SIM = 'simulator.amazonses.com';
const N = 150;
let runtime: RuntimeProcess | undefined;

afterAll(() => removeRuntime(runtime));

interface Line {
  outcome: string;
  destination: { to: string[] };
  tags: Array<{ name: string; value: string }>;
}

const sentTo = (dataDir: string, deliveryId: string): string[] =>
  readFileSync(join(dataDir, 'ses-journal.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Line];
      } catch {
        return []; // a line cut by the kill
      }
    })
    .filter(
      (l) => l.outcome === 'sent' && l.tags.some((t) => t.name === 'delivery' && t.value === deliveryId),
    )
    .flatMap((l) => l.destination.to);

describe('SIGKILL mid-send, then restart', () => {
  it('finishes the send with every recipient accounted for and no duplicate', async () => {
    runtime = await startRuntimeProcess({ seed: false, env });
    let c = client(runtime.url);
    let token = await c.signIn('stella', ['start-deliveries', 'administration']);
    const ids = Array.from({ length: N }, (_, i) => `k${i}`);
    await c.api(
      'POST',
      '/profiles:batch',
      {},
      {
        token,
        body: { profiles: ids.map((id) => ({ id, email: `success+${id}@${SIM}` })) },
      },
    );
    const audience = await c.api('POST', '/audiences', {}, { token, body: { name: 'Crash' } });
    await c.api(
      'POST',
      '/audiences/{id}/members:batch',
      { id: audience.body.id },
      { token, body: { profileIds: ids } },
    );
    const created = await c.api(
      'POST',
      '/deliveries',
      {},
      {
        token,
        body: {
          label: 'Crash',
          audienceId: audience.body.id,
          content: { from: 'news@example.com', subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' },
        },
      },
    );
    const id = created.body.id as string;
    await c.api('POST', '/deliveries/{id}/prepare', { id }, { token });
    const state = async () =>
      (await c.api('GET', '/deliveries/{id}', { id }, { token })).body.state as string;
    await waitFor('preparation', async () => (await state()) === 'ready', 60_000);
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token });
    await waitFor('a few sends', () => sentTo(runtime!.dataDir, id).length >= 20, 60_000);

    await runtime.kill();
    const before = sentTo(runtime.dataDir, id).length;
    expect(before).toBeLessThan(N);

    runtime = await startRuntimeProcess({ seed: false, env, dataDir: runtime.dataDir });
    c = client(runtime.url);
    token = await c.signIn('stella', ['start-deliveries', 'administration']);
    await waitFor('the send to finish', async () => (await state()) === 'finished', 240_000);

    const addresses = sentTo(runtime.dataDir, id);
    expect(new Set(addresses).size).toBe(addresses.length); // nobody received two messages
    const log = async () => {
      const items: Array<{ recipientId: string; status: string; failureType?: string }> = [];
      let cursor: string | null = null;
      do {
        const page = await c.request(
          'GET',
          `/deliveries/${id}/sending-logs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          { token },
        );
        items.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      return items;
    };
    const settled = await log();
    expect(settled).toHaveLength(N);
    // Sent (or delivered already), or in-doubt when the kill fell between the claim and the ledger write (or
    // failed already, that in-doubt's window over): none pending.
    expect(
      settled.filter((e) => ['sent', 'delivered', 'in-doubt', 'failed'].includes(e.status)),
    ).toHaveLength(N);
    // The event simulator resumes after the kill: every message SES accepted gets its events, which reconcile its
    // recipient if it was in-doubt; a recipient claimed but killed before its SES call has no SES record and fails
    // after the window ("in doubt: no SES record", the sweeper). In the end each recipient is delivered, with
    // exactly one message, or failed with no message at all.
    const final = async () => {
      const items = await log();
      return {
        delivered: items.filter((e) => e.status === 'delivered'),
        failed: items.filter((e) => e.status === 'failed'),
      };
    };
    await waitFor(
      'every recipient delivered or failed',
      async () => {
        const { delivered, failed } = await final();
        return delivered.length + failed.length === N;
      },
      120_000,
    ).catch(async (error: Error) => {
      const left = (await log()).filter((e) => e.status !== 'delivered' && e.status !== 'failed');
      throw new Error(`${error.message}: ${JSON.stringify(left)}`);
    });
    const { delivered, failed } = await final();
    const mailed = sentTo(runtime.dataDir, id);
    expect(new Set(mailed)).toEqual(new Set(delivered.map((e) => `success+${e.recipientId}@${SIM}`)));
    expect(mailed).toHaveLength(delivered.length);
    for (const e of failed) {
      expect(e).toMatchObject({ failureType: 'error', failureReason: 'in doubt: no SES record' });
    }
    // The kill lost counter deltas not yet ADDed; once nothing is left in doubt the sweeper computes the
    // statistics from the logs, which repairs the counters the Deployment block reads.
    const kpis = async () =>
      (await c.api('GET', '/deliveries/{id}', { id }, { token })).body.deployment.kpis as Record<
        string,
        number
      >;
    const expected = {
      sent: delivered.length,
      processed: N,
      delivered: delivered.length,
      bouncesAndErrors: failed.length,
    };
    await waitFor(
      'the counters repaired',
      async () => {
        const now = await kpis();
        return Object.entries(expected).every(([k, v]) => now[k] === v);
      },
      60_000,
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}: ${JSON.stringify(await kpis())} expected ${JSON.stringify(expected)}`,
      );
    });
  }, 400_000);
});
