/**
 * Issue #12, item 3: neither duplicates nor silence after a crash. The embedded runtime is killed with SIGKILL in
 * the middle of a send (its senders had lease windows of recipients whose SES calls had not started, or whose
 * answers the kill cut off), then restarted on the same data folder with a short reconciliation window and sweep
 * interval. The recipients left in doubt that SES never accepted are sent once more by the sweeper (the event path
 * is healthy: the Send events of the others arrived); those SES did accept are reconciled by their events. In the
 * end every recipient holds exactly one message in the SES front's journal, and is delivered.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JOURNAL_FILE, messagesPerRecipient, readJournal } from '#local/ses/journal.ts';
import { flows, SIM } from '#test/helpers/flows.ts';
import {
  client,
  removeRuntime,
  type RuntimeProcess,
  startRuntimeProcess,
  waitFor,
} from '#test/helpers/runtime.ts';

const env = {
  SEND_RATE_LIMIT: '25',
  LOCAL_VISIBILITY_TIMEOUT_SECONDS: '5',
  SEND_CLAIM_LEASE_SECONDS: '2',
  // The sweeper every 2 s, and a 6 s reconciliation window (AWS: every 5 minutes, 24 hours).
  LOCAL_SWEEP_INTERVAL_SECONDS: '2',
  // 15 s: after the restart the ingester works through the Send events of the sends before the kill; on a loaded
  // machine (the e2e tier runs its files in parallel) that took more than two 6-second windows, and the sweeper
  // rightly withheld the resends of a path it could not show healthy (12 of 200 failed, the alarm's case).
  IN_DOUBT_WINDOW_MINUTES: '0.25',
};
const N = 200;
let runtime: RuntimeProcess | undefined;

afterAll(() => removeRuntime(runtime));

const messages = (deliveryId: string) =>
  messagesPerRecipient(readJournal(join(runtime!.dataDir, JOURNAL_FILE)), deliveryId);

describe('SIGKILL mid-send, restart: one message per recipient', () => {
  it('resends once the recipients SES never accepted, reconciles the others: exactly one message each', async () => {
    runtime = await startRuntimeProcess({ seed: false, env });
    let c = client(runtime.url);
    let token = await c.signIn('stella', ['start-deliveries', 'administration']);
    const ids = Array.from({ length: N }, (_, i) => `q${i}`);
    const { id } = await flows(
      c,
      () => ({ starter: token, admin: token }),
      () => runtime!.dataDir,
    ).prepare(
      ids.map((pid) => ({ id: pid, email: `success+${pid}@${SIM}` })),
      'Kill',
    );
    const delivery = async () => (await c.api('GET', '/deliveries/{id}', { id }, { token })).body;
    await c.api('POST', '/deliveries/{id}/confirm', { id }, { token });
    // Killed once the sweeper has seen some sends (its marks) and their Send events had time to arrive.
    await waitFor('a third of the sends', () => messages(id).size >= N / 3, 60_000);

    await runtime.kill();
    const before = messages(id);
    expect(before.size).toBeLessThan(N);

    runtime = await startRuntimeProcess({ seed: false, env, dataDir: runtime.dataDir });
    c = client(runtime.url);
    token = await c.signIn('stella', ['start-deliveries', 'administration']);

    const statuses = async () => {
      const counts: Record<string, number> = {};
      let cursor: string | null = null;
      do {
        const query = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await c.request('GET', `/deliveries/${id}/sending-logs?${query}`, { token });
        for (const e of page.body.items as Array<{ status: string; failureReason?: string }>) {
          counts[e.status] = (counts[e.status] ?? 0) + 1;
          // Why any failed, for the message of a timeout.
          if (e.failureReason)
            counts[`failed: ${e.failureReason}`] = (counts[`failed: ${e.failureReason}`] ?? 0) + 1;
        }
        cursor = page.body.nextCursor;
      } while (cursor);
      return counts;
    };
    await waitFor('every recipient delivered', async () => (await statuses()).delivered === N, 240_000).catch(
      async (error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(await statuses())}`);
      },
    );
    const after = messages(id);
    expect(after.size).toBe(N);
    const notOne = [...after].filter(([, count]) => count !== 1);
    expect(notOne).toEqual([]);
    expect((await delivery()).state).toBe('finished');
  }, 400_000);
});
