/**
 * The embedded runtime killed with SIGKILL in the middle of a send, then restarted on the same data folder:
 * every recipient is accounted for (sent, or in-doubt when killed between the SES call and the ledger write) and
 * no address receives two messages. Counted in the SES front's journal, which survives the kill.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { client, type RuntimeProcess, startRuntimeProcess, waitFor } from '../helpers/runtime.ts';

const env = { SEND_RATE_LIMIT: '20', LOCAL_VISIBILITY_TIMEOUT_SECONDS: '5', SEND_CLAIM_LEASE_SECONDS: '2' };
const SIM = 'simulator.amazonses.com';
const N = 150;
let runtime: RuntimeProcess | undefined;

afterAll(async () => {
  if (runtime) {
    await runtime.stop();
    rmSync(runtime.dataDir, { recursive: true, force: true });
  }
});

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
    const log: Array<{ recipientId: string; status: string }> = [];
    let cursor: string | null = null;
    do {
      const page = await c.request(
        'GET',
        `/deliveries/${id}/sending-logs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { token },
      );
      log.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(log).toHaveLength(N);
    const sent = log.filter((e) => e.status === 'sent');
    const inDoubt = log.filter((e) => e.status === 'in-doubt');
    expect(sent.length + inDoubt.length).toBe(N);
    const mailed = new Set(addresses);
    for (const e of sent) expect(mailed.has(`success+${e.recipientId}@${SIM}`)).toBe(true);
    expect(addresses.length).toBeGreaterThanOrEqual(sent.length);
    expect(addresses.length).toBeLessThanOrEqual(N);
  }, 400_000);
});
