/**
 * The send pipeline on in-memory fakes: preparation, start, send, pause/resume/stop, faults. The same flows run
 * against the emulators in test/integration and test/e2e.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { DomainError } from '#domain/errors.ts';
import { inEvidenceSample } from '#domain/in-doubt.ts';
import { createPacer, senderRate } from '#domain/sending.ts';
import { shardOf } from '#domain/shards.ts';
import type { SendJob, StartJob } from '#ports/index.ts';
import { addMembers, createAudience } from '#use-cases/audiences.ts';
import { confirm, pause, queueSendStarter, resume, stop } from '#use-cases/control.ts';
import { createDelivery, getDelivery } from '#use-cases/deliveries.ts';
import { requestPreparation, runPreparationJob } from '#use-cases/preparation.ts';
import { upsertProfiles } from '#use-cases/profiles.ts';
import { executionId, onSchedule } from '#use-cases/scheduled-start.ts';
import { RetryLater, type SendDeps, sendJob } from '#use-cases/send.ts';
import { runStartJob } from '#use-cases/start.ts';
import { computeStats } from '#use-cases/stats.ts';
import { IN_DOUBT_REASON, type SweepDeps, sweep } from '#use-cases/sweep.ts';
import { preparer, starter } from '#test/helpers/actors.ts';
import { deliveryInput } from '#test/helpers/deliveries.ts';
import { FakeMetrics } from '#test/helpers/fake-metrics.ts';
import { type FakeDeps, FakeIngestLag, fakeDeps } from '#test/helpers/fakes/index.ts';

let deps: FakeDeps;
let world: ReturnType<typeof wire>;

/** The fakes wired as the handlers wire the adapters, with a virtual clock behind every sleep. */
const wire = (d: FakeDeps) => {
  const sleep = async (ms: number) => d.clock.advance(ms);
  const sendStarter = queueSendStarter(d.startQueue, d.clock);
  const send: SendDeps = {
    deliveries: d.deliveries,
    ledger: d.ledger,
    counters: d.counters,
    email: d.email,
    pacer: createPacer(50, () => d.clock.now().getTime(), sleep),
    clock: d.clock,
    sleep,
    random: () => 0.5,
    owner: 'sender-1',
    leaseMs: 60_000,
  };
  const sweeper: SweepDeps = { ...d, inDoubtWindowMs: 60 * 60_000 };
  return {
    sweeper,
    control: { ...d, sendStarter },
    prep: { ...d, sendStarter },
    start: { ...d, checkpoints: d.startCheckpoints },
    send,
    sendStarter,
  };
};

beforeEach(() => {
  deps = fakeDeps();
  world = wire(deps);
});

const rejection = async (promise: Promise<unknown>): Promise<DomainError> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: DomainError) => error,
  );

/** An ingester's write of a Delivery event to the log, its batch's ADD not made yet (it comes at the batch's end). */
const deliveredInLog = async (id: string, recipientId: string) => {
  const ref = { deliveryId: id, version: 1 };
  const at = deps.clock.now().toISOString();
  const entry = (await deps.ledger.get(ref, recipientId))!;
  expect(
    await deps.ledger.applyEvent(ref, entry, { status: 'delivered', deliveredAt: at, updatedAt: at }),
  ).not.toBeNull();
};

/** A prepared delivery to `n` recipients (success+i@ addresses), returned ready. */
const readyDelivery = async (n: number, overrides = {}) => {
  const ids = Array.from({ length: n }, (_, i) => `r${String(i).padStart(4, '0')}`);
  const audience = await createAudience(deps, preparer, { name: 'A' });
  for (let i = 0; i < n; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    await upsertProfiles(
      deps,
      preparer,
      chunk.map((id) => ({ id, email: `success+${id}@simulator.amazonses.com`, firstName: id })),
    );
    await addMembers(deps, preparer, audience.id, chunk);
  }
  const created = await createDelivery(
    deps,
    preparer,
    deliveryInput({ audienceId: audience.id, ...overrides }),
  );
  await requestPreparation(deps, preparer, created.id);
  const result = await runPreparationJob(world.prep, deps.preparer.started.at(-1)!, Number.POSITIVE_INFINITY);
  expect(result).toMatchObject({ state: 'ready' });
  return { id: created.id, ids };
};

/** Runs every start job, then every send job, as the queues would deliver them (once each). */
const drain = async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 20; round++) {
    const starts = deps.startQueue.drain();
    const sends = deps.sendQueue.drain();
    if (starts.length === 0 && sends.length === 0) break;
    for (const job of starts) await runStartJob(world.start, job, Number.POSITIVE_INFINITY);
    for (const job of sends) {
      try {
        outcomes.push((await sendJob(world.send, job)).outcome);
      } catch (error) {
        if (!(error instanceof RetryLater)) throw error;
        outcomes.push('retry');
        deps.sendQueue.sent.push(job); // redelivered after its visibility timeout
      }
    }
  }
  return outcomes;
};

const mailTo = (id: string) =>
  deps.email.sent.filter((m) => m.to === `success+${id}@simulator.amazonses.com`).length;
const statuses = (id: string) => {
  const log = deps.recipientLog.sending.get(`${id}#1`)!;
  const out: Record<string, number> = {};
  for (const e of log.values()) out[e.status] = (out[e.status] ?? 0) + 1;
  return out;
};

describe('send pipeline', () => {
  it("tags only its evidence sample's messages in a larger delivery, and counts their sends apart (evidenceSent)", async () => {
    const { id, ids } = await readyDelivery(2_100);
    await confirm(world.control, starter, id);
    await drain();
    expect(deps.email.sent).toHaveLength(2_100);
    const sampled = ids.filter((r) => inEvidenceSample(r, 2_100));
    expect(sampled.length).toBeGreaterThan(900); // one in 2: 1,050 expected
    expect(sampled.length).toBeLessThan(1_200);
    const tagged = deps.email.sent.filter((m) => m.tags.evidence === '1').map((m) => m.tags.recipient);
    expect(tagged.sort()).toEqual([...sampled].sort());
    expect(await deps.counters.read(id)).toMatchObject({ sent: 2_100, evidenceSent: sampled.length });
  });

  it('sends exactly one message per recipient, tagged, personalized, then finishes', async () => {
    const { id, ids } = await readyDelivery(60);
    await confirm(world.control, starter, id);
    expect(deps.startQueue.sent).toEqual([
      { kind: 'start', deliveryId: id, version: 1, run: expect.stringMatching(/^start-/) },
    ]);
    await drain();
    expect(deps.email.sent).toHaveLength(60);
    for (const r of ids) expect(mailTo(r)).toBe(1);
    const first = deps.email.sent.find((m) => m.to.startsWith('success+r0000'))!;
    // A delivery this small is its own evidence sample: every message carries the tag (shared/domain/in-doubt.ts).
    expect(first.tags).toEqual({ delivery: id, version: '1', recipient: 'r0000', evidence: '1' });
    expect(first.html).toBe('<p>Hello r0000</p>');
    expect(await deps.counters.read(id)).toMatchObject({ sent: 60, evidenceSent: 60 });
    expect(statuses(id)).toEqual({ sent: 60 });
    const view = await getDelivery(world.control, id);
    expect(view.state).toBe('finished');
    expect(view.deployment.statusText).toBe('All messages have been processed.');
    expect(view.deployment.kpis).toMatchObject({ toDeliver: 60, sent: 60, processed: 60 });
    expect(view.deployment.progress).toEqual({ processed: 60, toDeliver: 60 });
  });

  it('enqueues ids only, one job per target page (at most 100 recipients of one shard)', async () => {
    const { id } = await readyDelivery(60);
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const jobs = deps.sendQueue.sent;
    expect(jobs.every((j) => j.recipientIds.length <= 50)).toBe(true);
    expect(jobs.every((j) => new Set(j.recipientIds.map((r) => shardOf(r))).size === 1)).toBe(true);
    expect(jobs.flatMap((j) => j.recipientIds).sort()).toHaveLength(60);
    expect(Object.keys(jobs[0]!).sort()).toEqual(['deliveryId', 'recipientIds', 'version']);
  });

  it('interleaves the shards on the queue: the first jobs are of every shard, not one shard after another', async () => {
    // Senders take jobs in about queue order: jobs of one shard after another would put every sender's writes into
    // one log partition at a time (the bench measured one shard taking 75 % of a second's writes).
    const { id } = await readyDelivery(3200);
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const shards = deps.sendQueue.sent.map((j) => shardOf(j.recipientIds[0]!));
    expect(new Set(shards.slice(0, 16)).size).toBe(16);
    expect(deps.sendQueue.sent.flatMap((j) => j.recipientIds)).toHaveLength(3200);
  });

  it('a send job delivered twice sends nothing twice', async () => {
    const { id } = await readyDelivery(10);
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const jobs = deps.sendQueue.drain();
    for (const job of [...jobs, ...jobs]) await sendJob(world.send, job);
    expect(deps.email.sent).toHaveLength(10);
  });

  it('the starter run twice (or retried after a timeout) enqueues each recipient once', async () => {
    const { id } = await readyDelivery(40);
    await confirm(world.control, starter, id);
    const job = deps.startQueue.drain()[0]!;
    expect(await runStartJob(world.start, job, -1)).toBe('continued');
    expect(deps.startQueue.sent).toEqual([job]);
    await runStartJob(world.start, job, Number.POSITIVE_INFINITY);
    await runStartJob(world.start, job, Number.POSITIVE_INFINITY);
    const enqueued = deps.sendQueue.sent.flatMap((j) => j.recipientIds);
    expect(enqueued).toHaveLength(40);
    expect(new Set(enqueued).size).toBe(40);
  });

  it('a crash between the SES call and the ledger write leaves the recipient in-doubt, never resent', async () => {
    const { id } = await readyDelivery(3);
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const jobs = deps.sendQueue.drain();
    const markSent = deps.ledger.markSent.bind(deps.ledger);
    let crashes = 1;
    deps.ledger.markSent = async (...args) => {
      if (crashes-- > 0) throw new Error('Lambda crashed');
      return markSent(...args);
    };
    const crashed: SendJob[] = [];
    for (const job of jobs) await sendJob(world.send, job).catch(() => crashed.push(job));
    expect(crashed).toHaveLength(1);
    expect(deps.email.sent).toHaveLength(3);
    deps.clock.advance(61_000); // the message comes back after its visibility timeout, past the page's lease
    const report = await sendJob(world.send, crashed[0]!);
    expect(report).toMatchObject({ sent: 0, inDoubt: 1 });
    expect(deps.email.sent).toHaveLength(3);
    expect(statuses(id)).toEqual({ sent: 2, 'in-doubt': 1 });
    expect((await getDelivery(world.control, id)).state).toBe('finished');
  });

  it('a duplicate arriving while another sender holds the page lease skips it', async () => {
    const { id } = await readyDelivery(1);
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const [job] = deps.sendQueue.drain() as [SendJob];
    const ref = { deliveryId: id, version: 1 };
    const [page] = await deps.ledger.pagesOf(ref, ['r0000']);
    const now = deps.clock.now();
    const lease = {
      owner: 'other',
      at: now.toISOString(),
      leaseUntil: new Date(now.getTime() + 60_000).toISOString(),
    };
    expect((await deps.ledger.acquire(ref, page!, lease, ['r0000'], now)).acquired).toBe(true);
    expect(await sendJob(world.send, job)).toMatchObject({ skipped: 1, sent: 0 });
    expect(deps.email.sent).toHaveLength(0);
  });

  it('a sender whose window was taken over meanwhile does not count the recipient twice', async () => {
    const { id } = await readyDelivery(1);
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const [job] = deps.sendQueue.drain() as [SendJob];
    const ref = { deliveryId: id, version: 1 };
    const [page] = await deps.ledger.pagesOf(ref, ['r0000']);
    const send = deps.email.send.bind(deps.email);
    deps.email.send = async (email) => {
      // while SES answers, another sender finds the page's lease expired and makes its window in-doubt
      await deps.ledger.markInDoubt(ref, page!.targets[0]!, deps.clock.now().toISOString());
      return send(email);
    };
    expect(await sendJob(world.send, job)).toMatchObject({ sent: 0, skipped: 1 });
    expect((await deps.counters.read(id)).sent).toBe(0);
  });

  it('a sender that finds the page given back after its first read sends nothing the other one recorded', async () => {
    const { id } = await readyDelivery(40);
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const job = (deps.sendQueue.drain() as SendJob[]).find((j) => j.recipientIds.length >= 2)!;
    const ref = { deliveryId: id, version: 1 };
    const [page] = await deps.ledger.pagesOf(ref, job.recipientIds);
    const other = page!.targets[1]!;
    const acquire = deps.ledger.acquire.bind(deps.ledger);
    deps.ledger.acquire = async (...args) => {
      // Between this job's read of the entries and its lease, another sender (the job before a pause) recorded
      // a send and gave the page back.
      await deps.ledger.markSent(ref, other, {
        sesMessageId: 'm-other',
        at: '2026-11-22T10:00:00Z',
        by: 'other',
      });
      deps.ledger.acquire = acquire;
      return acquire(...args);
    };
    expect(await sendJob(world.send, job)).toMatchObject({ sent: job.recipientIds.length - 1, skipped: 1 });
    expect(mailTo(other.recipientId)).toBe(0);
  });

  it('slides the window: every call is in the lease written before it, with 10 or fewer left in flight at each write', async () => {
    const { id } = await readyDelivery(3200);
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const job = (deps.sendQueue.drain() as SendJob[]).sort(
      (a, b) => b.recipientIds.length - a.recipientIds.length,
    )[0]!;
    expect(job.recipientIds.length).toBeGreaterThan(50);
    const ref = { deliveryId: id, version: 1 };
    const [page] = await deps.ledger.pagesOf(ref, job.recipientIds);
    const windows: string[][] = [];
    const extend = deps.ledger.extend.bind(deps.ledger);
    deps.ledger.extend = async (r, p, lease, window, until) => {
      windows.push([...window]);
      return extend(r, p, lease, window, until);
    };
    let inFlight = 0;
    let most = 0;
    const send = deps.email.send.bind(deps.email);
    deps.email.send = async (email) => {
      const lease = (await deps.ledger.leases(ref, page!.shard)).get(page!.id)!;
      expect(lease.window).toContain(email.tags.recipient);
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1)); // SES answering: calls overlap
      inFlight -= 1;
      return send(email);
    };
    const report = await sendJob(
      {
        ...world.send,
        pacer: createPacer(
          1000,
          () => Date.now(),
          (ms) => new Promise((r) => setTimeout(r, ms)),
        ),
      },
      job,
    );
    expect(report.sent).toBe(job.recipientIds.length);
    expect(most).toBeGreaterThan(1);
    for (const w of windows) expect(w.length).toBeLessThanOrEqual(25);
    // Each write after the first adds at least 15 recipients (the last may add fewer).
    expect(windows.length).toBeLessThanOrEqual(Math.ceil((job.recipientIds.length - 25) / 15));
  });

  it('gives the rest of a job back to the queue when the invocation runs out of time', async () => {
    const { id } = await readyDelivery(3);
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const [job] = deps.sendQueue.drain() as [SendJob];
    await expect(sendJob({ ...world.send, remainingMs: () => 5_000 }, job)).rejects.toBeInstanceOf(
      RetryLater,
    );
    expect(deps.email.sent).toHaveLength(0);
  });

  it('throttling is retried with backoff and never fails a recipient', async () => {
    const { id } = await readyDelivery(5);
    for (let i = 0; i < 5; i++)
      deps.email.script.push({ kind: 'throttled', reason: 'Maximum sending rate exceeded.' });
    await confirm(world.control, starter, id);
    await drain();
    expect(deps.email.sent).toHaveLength(5);
    expect(statuses(id)).toEqual({ sent: 5 });
  });

  it('throttling that lasts gives the job back (the page released) and it completes later', async () => {
    const { id } = await readyDelivery(2);
    for (let i = 0; i < 8; i++)
      deps.email.script.push({ kind: 'throttled', reason: 'Maximum sending rate exceeded.' });
    await confirm(world.control, starter, id);
    const outcomes = await drain();
    expect(outcomes[0]).toBe('retry');
    expect(deps.email.sent).toHaveLength(2);
    expect(statuses(id)).toEqual({ sent: 2 });
  });

  it('"Daily message quota exceeded" pauses the delivery; resume sends only the rest', async () => {
    const { id } = await readyDelivery(10);
    deps.email.script.push(
      { kind: 'accepted', messageId: 'ses-a' },
      { kind: 'accepted', messageId: 'ses-b' },
      { kind: 'daily-quota', reason: 'Daily message quota exceeded.' },
    );
    await confirm(world.control, starter, id);
    await drain();
    const paused = await getDelivery(world.control, id);
    expect(paused.state).toBe('paused');
    expect(paused.history.at(-1)).toMatchObject({ action: 'pause', reason: 'Daily message quota exceeded.' });
    expect(statuses(id)).toEqual({ sent: 2, pending: 8 });
    await resume(world.control, starter, id);
    await drain();
    expect(deps.email.sent).toHaveLength(10);
    expect(statuses(id)).toEqual({ sent: 10 });
    expect((await getDelivery(world.control, id)).state).toBe('finished');
  });

  it('a rejected message fails that recipient only', async () => {
    const { id } = await readyDelivery(3);
    deps.email.script.push({ kind: 'rejected', reason: 'Email address is not verified.' });
    await confirm(world.control, starter, id);
    await drain();
    expect(statuses(id)).toEqual({ sent: 2, failed: 1 });
    const failed = [...deps.recipientLog.sending.get(`${id}#1`)!.values()].find((e) => e.status === 'failed');
    expect(failed).toMatchObject({ failureType: 'error', failureReason: 'Email address is not verified.' });
    const view = await getDelivery(world.control, id);
    expect(view.deployment.kpis).toMatchObject({ sent: 2, processed: 3, bouncesAndErrors: 1 });
    expect(view.state).toBe('finished');
  });

  it('an unknown SES outcome makes the recipient in-doubt at once, never resent', async () => {
    const { id } = await readyDelivery(1);
    deps.email.script.push({ kind: 'unknown', reason: 'socket hang up' });
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const [job] = deps.sendQueue.drain() as [SendJob];
    expect(await sendJob(world.send, job)).toMatchObject({ inDoubt: 1 });
    deps.clock.advance(61_000);
    expect(await sendJob(world.send, job)).toMatchObject({ inDoubt: 0, skipped: 1 });
    expect(deps.email.sent).toHaveLength(0);
    expect(statuses(id)).toEqual({ 'in-doubt': 1 });
  });

  it('pause mid-send stops new SES calls; resume sends exactly the unprocessed ones', async () => {
    const { id } = await readyDelivery(100);
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const jobs = deps.sendQueue.drain();
    await sendJob(world.send, jobs[0]!);
    const sentBefore = deps.email.sent.length;
    await pause(world.control, starter, id);
    deps.clock.advance(1000);
    for (const job of jobs.slice(1)) expect((await sendJob(world.send, job)).outcome).toBe('paused');
    expect(deps.email.sent).toHaveLength(sentBefore);
    await resume(world.control, starter, id);
    await drain();
    expect(deps.email.sent).toHaveLength(100);
    expect(new Set(deps.email.sent.map((m) => m.to)).size).toBe(100);
    expect((await getDelivery(world.control, id)).deployment.kpis.sent).toBe(100);
  });

  it('stop mid-send cancels every unprocessed recipient ("Delivery canceled")', async () => {
    const { id } = await readyDelivery(60);
    await confirm(world.control, starter, id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    const jobs = deps.sendQueue.drain();
    await sendJob(world.send, jobs[0]!);
    const sent = deps.email.sent.length;
    await stop(world.control, starter, id);
    expect(deps.startQueue.sent).toMatchObject([{ kind: 'cancel', deliveryId: id }]);
    await drain();
    deps.clock.advance(1000);
    for (const job of jobs.slice(1)) await sendJob(world.send, job);
    expect(deps.email.sent).toHaveLength(sent);
    expect(statuses(id)).toEqual({ sent, canceled: 60 - sent });
    const canceled = [...deps.recipientLog.sending.get(`${id}#1`)!.values()].find(
      (e) => e.status === 'canceled',
    );
    expect(canceled?.failureReason).toBe('Delivery canceled');
    expect((await getDelivery(world.control, id)).state).toBe('stopped');
  });

  it('confirm refuses a send larger than the remaining 24-hour quota, with the numbers', async () => {
    const { id } = await readyDelivery(10);
    deps.account.quotaValue = { max24HourSend: 200, sentLast24Hours: 195, maxSendRate: 1 };
    const error = await rejection(confirm(world.control, starter, id));
    expect(error).toMatchObject({
      kind: 'conflict',
      code: 'QUOTA_EXCEEDED',
      details: { toDeliver: 10, remaining: 5, max24HourSend: 200 },
    });
    expect((await getDelivery(world.control, id)).state).toBe('ready');
    deps.account.quotaValue = { max24HourSend: -1, sentLast24Hours: 5000, maxSendRate: 1 }; // -1: unlimited
    expect((await confirm(world.control, starter, id)).state).toBe('sending');
  });
});

describe('preparation at scale', () => {
  it('resumes from its checkpoint through continuation jobs with the same result', async () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `p${i}`);
    for (let i = 0; i < ids.length; i += 1000) {
      await upsertProfiles(
        deps,
        preparer,
        ids.slice(i, i + 1000).map((id, j) => ({
          id,
          // every 100th profile shares its address with the one before it
          email: (i + j) % 100 === 99 ? `user${i + j - 1}@example.com` : `user${i + j}@example.com`,
        })),
      );
    }
    const audience = await createAudience(deps, preparer, { name: 'Big' });
    for (let i = 0; i < ids.length; i += 1000)
      await addMembers(deps, preparer, audience.id, ids.slice(i, i + 1000));
    const created = await createDelivery(deps, preparer, deliveryInput({ audienceId: audience.id }));
    await requestPreparation(deps, preparer, created.id);
    const ref = deps.preparer.started[0]!;
    let runs = 0;
    let result;
    do {
      runs++;
      // each run gets one tick of budget: it writes about one page, then hands over
      const budgetStart = deps.clock.now().getTime();
      const tick = deps.clock;
      result = await runPreparationJob(
        {
          ...world.prep,
          clock: {
            now: () => {
              tick.advance(1);
              return tick.now();
            },
          },
        },
        ref,
        deps.clock.now().getTime() - budgetStart + 3,
      );
      if (runs === 2) {
        const view = await getDelivery(
          { ...world.control, preparationCheckpoints: deps.checkpoints },
          created.id,
        );
        expect(view.deployment.preparation).toMatchObject({ audienceSize: 3000 });
        expect(view.deployment.preparation!.percent).toBeGreaterThan(0);
        expect(view.deployment.preparation!.percent).toBeLessThan(100);
        expect(view.deployment.statusText).toBe(`Preparing send… ${view.deployment.preparation!.percent}%`);
      }
    } while (result === 'continued' && runs < 200);
    expect(runs).toBeGreaterThan(5);
    expect(deps.queue.sent.length).toBe(runs - 1);
    expect(result).toMatchObject({
      state: 'ready',
      preparation: { targeted: 3000, toDeliver: 2970, exclusions: { 'duplicate-address': 30 } },
    });
  });
});

describe('scheduled start', () => {
  it('starts a scheduled delivery once, even if the schedule fires twice', async () => {
    const { id } = await readyDelivery(2, {
      schedule: { contactDate: '2026-12-24T09:00:00', timeZone: 'Europe/Paris' },
    });
    await confirm(world.control, starter, id);
    expect(deps.scheduler.armed).toEqual([id]);
    deps.clock.current = new Date('2026-12-24T08:00:20Z');
    const input = { deliveryId: id, kind: 'once' as const, scheduledTime: '2026-12-24T08:00:00Z' };
    expect(await onSchedule(world.prep, input)).toBe('started');
    expect(await onSchedule(world.prep, input)).toBe('ignored');
    expect(deps.startQueue.sent.filter((j: StartJob) => j.kind === 'start')).toHaveLength(1);
    await drain();
    expect(deps.email.sent).toHaveLength(2);
  });

  it('fails a delivery whose schedule fired more than an hour late', async () => {
    const { id } = await readyDelivery(1, {
      schedule: { contactDate: '2026-12-24T09:00:00', timeZone: 'Europe/Paris' },
    });
    await confirm(world.control, starter, id);
    deps.clock.current = new Date('2026-12-24T10:30:00Z');
    expect(
      await onSchedule(world.prep, { deliveryId: id, kind: 'once', scheduledTime: '2026-12-24T08:00:00Z' }),
    ).toBe('failed');
    expect((await getDelivery(world.control, id)).failureReason).toMatch(/^Fired too late/);
  });

  it('creates one execution per occurrence, prepares it, and expires the previous unconfirmed one', async () => {
    const { id } = await readyDelivery(3, { recurrence: { expression: 'rate(1 day)', timeZone: 'UTC' } });
    expect((await confirm(world.control, starter, id)).state).toBe('scheduled');
    const day1 = { deliveryId: id, kind: 'recurring' as const, scheduledTime: '2026-11-23T09:00:00Z' };
    expect(await onSchedule(world.prep, day1)).toBe('execution-created');
    expect(await onSchedule(world.prep, day1)).toBe('ignored');
    const exec1 = executionId(id, new Date(day1.scheduledTime));
    await runPreparationJob(world.prep, deps.preparer.started.at(-1)!, Number.POSITIVE_INFINITY);
    expect((await getDelivery(world.control, exec1)).state).toBe('ready'); // requestConfirmation defaults to true
    await onSchedule(world.prep, { ...day1, scheduledTime: '2026-11-24T09:00:00Z' });
    expect((await getDelivery(world.control, exec1)).state).toBe('expired');
  });

  it('without requestConfirmation an execution is sent after preparation, confirmed by the recurring confirmer', async () => {
    const { id } = await readyDelivery(3, {
      recurrence: { expression: 'rate(1 day)', timeZone: 'UTC', requestConfirmation: false },
    });
    await confirm(world.control, starter, id);
    await onSchedule(world.prep, {
      deliveryId: id,
      kind: 'recurring',
      scheduledTime: '2026-11-23T09:00:00Z',
    });
    const exec = await runPreparationJob(world.prep, deps.preparer.started.at(-1)!, Number.POSITIVE_INFINITY);
    expect(exec).toMatchObject({
      state: 'sending',
      autoConfirmed: true,
      confirmedBy: { username: 'stella' },
    });
    await drain();
    expect(deps.email.sent).toHaveLength(3);
    const parent = await getDelivery(world.control, id);
    expect(parent.deployment.kpis).toMatchObject({ toDeliver: 3, sent: 3 });
  });
});

describe('pacing', () => {
  /** At most this many of `released` in any one-second window. */
  const busiestSecond = (released: readonly number[]) =>
    Math.max(...released.map((t) => released.filter((u) => u >= t && u < t + 1000).length));

  it('hands out slots at the rate, never in a burst, the first after a short start delay', async () => {
    let now = 0;
    const released: number[] = [];
    const pacer = createPacer(
      10,
      () => now,
      async (ms) => {
        now += ms;
      },
    );
    for (let i = 0; i < 21; i++) {
      await pacer.take();
      released.push(now);
    }
    // 1 − (10 − 2) × 0.8 / 10 s = 360 ms, then one every 100 ms.
    expect(released[0]).toBe(360);
    expect(released.at(-1)).toBe(2360);
    expect(busiestSecond(released)).toBe(10);
  });

  it('moves on with a clock of whole milliseconds when its spacing is a fraction of one (1,000/s)', async () => {
    // A Date-based clock drops fractions: a sleep of 0.95 ms would leave it where it was, for ever.
    let now = new Date(0);
    const pacer = createPacer(
      1000,
      () => now.getTime(),
      async (ms) => {
        now = new Date(now.getTime() + ms);
      },
    );
    const released: number[] = [];
    for (let i = 0; i < 2500; i++) {
      await pacer.take();
      released.push(now.getTime());
    }
    expect(busiestSecond(released)).toBeLessThanOrEqual(1000);
    expect(released.at(-1)).toBeLessThan(4000);
  });

  it('never lets more than the rate into any second of actual releases, however late its timers fire, and catches up small lateness', async () => {
    for (const late of [0, 3, 7, 30]) {
      let now = 0;
      const released: number[] = [];
      const pacer = createPacer(
        20,
        () => now,
        async (ms) => {
          now += ms + late; // every sleep oversleeps (a stalled event loop)
        },
      );
      for (let i = 0; i < 200; i++) {
        await pacer.take();
        released.push(now);
      }
      for (let i = 1; i < released.length; i++) {
        expect(released[i]! - released[i - 1]!).toBeGreaterThanOrEqual(40); // never faster than 0.8 of an interval
      }
      expect(busiestSecond(released)).toBeLessThanOrEqual(20);
      // Lateness up to a fifth of the interval costs little: the first second's (its releases are a full interval
      // apart), then about one a second (a release a second after the one 20 back): the 200 releases end within 50
      // latenesses of the ideal 280 + 199 × 50 ms, instead of 200.
      if (late <= 10) expect(released.at(-1)).toBeLessThanOrEqual(10_230 + 50 * late);
    }
  });

  it('counts the calls released just before a stalled event loop as reaching SES after it', async () => {
    // A call released shortly before a stall is written to SES only once the loop runs again: by SES's clock it
    // arrives with the releases that follow the stall. Releases of 25 ms or less before a stall count at its end.
    for (const stallAt of [40, 97, 143]) {
      let now = 0;
      let sleeps = 0;
      let stallEnd = -1;
      const released: number[] = [];
      const pacer = createPacer(
        100,
        () => now,
        async (ms) => {
          now += ms;
          if (++sleeps === stallAt) {
            now += 180; // the loop stalls 180 ms (a collection, a burst of other work)
            stallEnd = now;
          }
        },
      );
      for (let i = 0; i < 400; i++) {
        await pacer.take();
        released.push(now);
      }
      const stallStart = stallEnd - 180;
      const arrivals = released.map((t) => (t <= stallStart && t > stallStart - 25 ? stallEnd : t));
      expect(busiestSecond(arrivals)).toBeLessThanOrEqual(100);
    }
  });

  it('keeps a sender at the rate across its invocations: a new pacer after one that was catching up', async () => {
    for (const late of [0, 4, 12]) {
      let now = 0;
      const released: number[] = [];
      const clock = () => now;
      const sleep = async (ms: number) => {
        now += ms + late;
      };
      const first = createPacer(20, clock, sleep);
      for (let i = 0; i < 57; i++) {
        await first.take();
        released.push(now);
      }
      // The next invocation of this sender starts at once, with a pacer of its own.
      const second = createPacer(20, clock, sleep);
      for (let i = 0; i < 57; i++) {
        await second.take();
        released.push(now);
      }
      expect(busiestSecond(released)).toBeLessThanOrEqual(20);
    }
  });

  it("splits a fraction of the account's rate across the senders, one below each share so that a late send still fits", () => {
    expect(senderRate(100, 0.8, 10)).toBe(7);
    expect(senderRate(1000, 0.8, 4, 200)).toBe(49);
    // Below three a second each: 90 % of the share, on average only.
    expect(senderRate(100, 0.8, 10, 20)).toBeCloseTo(1.8);
    expect(senderRate(1, 0.8, 10)).toBeCloseTo(0.072);
  });
});

describe('sweeper', () => {
  /** A send whose jobs were enqueued, then handed to `run` instead of the queue. */
  const started = async (n: number) => {
    const r = await readyDelivery(n);
    await confirm(world.control, starter, r.id);
    await runStartJob(world.start, deps.startQueue.drain()[0]!, Number.POSITIVE_INFINITY);
    return { ...r, jobs: deps.sendQueue.drain() };
  };
  const sweepOnce = () => sweep(world.sweeper, Number.POSITIVE_INFINITY);

  it('watches a send from its start', async () => {
    const { id } = await started(2);
    expect([...deps.registry.entries.keys()]).toEqual([id]);
  });

  it('makes an abandoned claim in-doubt, fails it after the window with no SES record, then stops watching', async () => {
    const { id, jobs } = await started(3);
    const markSent = deps.ledger.markSent.bind(deps.ledger);
    deps.ledger.markSent = async () => {
      throw new Error('Lambda crashed');
    };
    const [crashing, ...rest] = jobs;
    await expect(sendJob(world.send, crashing!)).rejects.toThrow(/crashed/);
    deps.ledger.markSent = markSent;
    for (const job of rest) await sendJob(world.send, job);
    expect(statuses(id)).toEqual({ sent: 2, pending: 1 });

    deps.clock.advance(61_000); // past the claim's lease; the crashed job never came back
    const first = await sweepOnce();
    expect(first.deliveries[0]).toMatchObject({
      madeInDoubt: 1,
      inDoubtLeft: 1,
      finished: true,
      released: false,
    });
    expect(statuses(id)).toEqual({ sent: 2, 'in-doubt': 1 });
    expect((await getDelivery(world.control, id)).state).toBe('finished');

    deps.clock.advance(30 * 60_000); // inside the window: still waiting for an SES event
    expect((await sweepOnce()).deliveries[0]).toMatchObject({ expired: 0, inDoubtLeft: 1, released: false });

    deps.clock.advance(31 * 60_000);
    expect((await sweepOnce()).deliveries[0]).toMatchObject({ expired: 1, inDoubtLeft: 0, released: true });
    const failed = (
      await deps.recipientLog.listSending({ deliveryId: id, version: 1 }, { status: 'failed' }, {})
    ).items;
    expect(failed).toEqual([
      expect.objectContaining({ failureType: 'error', failureReason: IN_DOUBT_REASON }),
    ]);
    expect(deps.registry.entries.size).toBe(0);
    expect(deps.email.sent).toHaveLength(3); // the crashed call reached SES once; nothing was sent again
    expect((await getDelivery(world.control, id)).deployment.kpis).toMatchObject({
      sent: 2,
      processed: 3,
      bouncesAndErrors: 1,
    });
  });

  describe('the once-only resend of an in-doubt recipient', () => {
    const WINDOW = 60 * 60_000;
    let metrics: FakeMetrics;
    /** The sweeper with what a resend needs (the handler wires SES, a pacer and the unsubscribe links). */
    const resending = (owner: string): SweepDeps => ({
      ...world.sweeper,
      metrics,
      resend: {
        email: deps.email,
        pacer: createPacer(
          50,
          () => deps.clock.now().getTime(),
          async (ms) => deps.clock.advance(ms),
        ),
        sleep: async (ms) => deps.clock.advance(ms),
        random: () => 0.5,
        owner,
      },
    });
    beforeEach(() => {
      metrics = new FakeMetrics();
    });
    /**
     * A send of 3 whose first job died in its SES call, before SES took the message (the sender's process was
     * killed): that recipient is left in the lease's window; the two others are sent.
     */
    const crashedBeforeSes = async (beforeSweep?: (id: string) => Promise<unknown>) => {
      const { id, jobs } = await started(3);
      const send = deps.email.send.bind(deps.email);
      deps.email.send = async () => {
        throw new Error('Lambda killed');
      };
      const [crashing, ...rest] = jobs;
      await expect(sendJob(world.send, crashing!)).rejects.toThrow(/killed/);
      deps.email.send = send;
      for (const job of rest) await sendJob(world.send, job);
      await beforeSweep?.(id);
      deps.clock.advance(61_000); // past the lease
      expect((await sweep(resending('sweep-1'), Infinity)).deliveries[0]).toMatchObject({ madeInDoubt: 1 });
      return { id, recipient: crashing!.recipientIds[0]! };
    };
    /** What ingestion counts when the Send events of `n` recipients arrive (the event path's evidence). */
    const sendEventsArrive = (id: string, n: number) => deps.counters.add(id, 3, { sendEvents: n });

    it('heals the counters of a finished delivery it keeps for an in-doubt recipient, once its log settled', async () => {
      const { id } = await crashedBeforeSes(async (d) => {
        const ref = { deliveryId: d, version: 1 };
        const sent = [];
        for (const r of ['r0000', 'r0001', 'r0002'])
          if ((await deps.ledger.get(ref, r))?.status === 'sent') sent.push(r);
        await deliveredInLog(d, sent[0]!); // the ingester died before its ADD
      });
      expect((await getDelivery(world.control, id)).state).toBe('finished');
      const kept = { released: false, inDoubtLeft: 1 };
      // The log's last writes are recent (their ADDs may be on their way): the repair waits.
      expect((await sweep(resending('sweep-2'), Infinity)).deliveries[0]).toMatchObject({
        ...kept,
        repairAfter: expect.any(String),
      });
      expect((await getDelivery(world.control, id)).deployment.kpis).toMatchObject({ delivered: 0 });
      deps.clock.advance(deps.counterSettleMs);
      expect((await sweep(resending('sweep-3'), Infinity)).deliveries[0]).toMatchObject(kept);
      const view = await getDelivery(world.control, id);
      expect(view.deployment.kpis).toMatchObject({ sent: 2, delivered: 1 });
      // Healed, not computed: the statistics from the logs wait until the delivery is let go.
      expect(view.deployment.computedAt.tracking).toBeNull();
      expect(deps.registry.entries.get(id)?.healedAt).toBe(deps.clock.now().toISOString());
    });

    it('sends it once more when no event named it within the window and the event path is healthy', async () => {
      const { id, recipient } = await crashedBeforeSes();
      await sendEventsArrive(id, 2);
      deps.clock.advance(WINDOW);
      expect((await sweep(resending('sweep-2'), Infinity)).deliveries[0]).toMatchObject({
        resent: 1,
        expired: 0,
        inDoubtLeft: 0,
      });
      expect(mailTo(recipient)).toBe(1);
      expect(deps.email.sent).toHaveLength(3);
      expect(statuses(id)).toEqual({ sent: 3 });
      expect(metrics.total('InDoubtResent')).toBe(1);
      expect((await getDelivery(world.control, id)).deployment.kpis).toMatchObject({
        sent: 3,
        processed: 3,
        bouncesAndErrors: 0,
      });
      // Watched one sweep more (the resend's events are still to come), then let go; nothing is sent again.
      deps.clock.advance(2 * WINDOW);
      expect((await sweep(resending('sweep-3'), Infinity)).deliveries[0]).toMatchObject({
        resent: 0,
        released: true,
      });
      expect(deps.registry.entries.size).toBe(0);
      expect(deps.email.sent).toHaveLength(3);
    });

    it('never sends a third time: a crash between the resend and its record leaves it in doubt, then failed', async () => {
      const { id, recipient } = await crashedBeforeSes();
      await sendEventsArrive(id, 2);
      deps.clock.advance(WINDOW);
      const markResent = deps.ledger.markResent.bind(deps.ledger);
      deps.ledger.markResent = async () => {
        throw new Error('Lambda killed');
      };
      const crashed = await sweep(resending('sweep-2'), Infinity);
      expect(crashed.errors).toHaveLength(1);
      deps.ledger.markResent = markResent;
      expect(mailTo(recipient)).toBe(1);
      expect(statuses(id)).toEqual({ sent: 2, 'in-doubt': 1 });
      deps.clock.advance(WINDOW / 2); // a new window from the resend: still waiting for its event
      expect((await sweep(resending('sweep-3'), Infinity)).deliveries[0]).toMatchObject({ inDoubtLeft: 1 });
      deps.clock.advance(WINDOW);
      expect((await sweep(resending('sweep-4'), Infinity)).deliveries[0]).toMatchObject({
        resent: 0,
        expired: 1,
        withheld: 0,
      });
      expect(mailTo(recipient)).toBe(1);
      expect(statuses(id)).toEqual({ sent: 2, failed: 1 });
    });

    it("resends a crash's many in-doubt recipients concurrently, at most 16 at once", async () => {
      const { id, jobs } = await started(60);
      const send = deps.email.send.bind(deps.email);
      deps.email.send = async () => {
        throw new Error('Lambda killed');
      };
      let crashed = 0;
      const rest = [];
      for (const job of jobs) {
        if (crashed >= 30) rest.push(job);
        else {
          await expect(sendJob(world.send, job)).rejects.toThrow(/killed/);
          crashed += job.recipientIds.length;
        }
      }
      deps.email.send = send;
      for (const job of rest) await sendJob(world.send, job);
      deps.clock.advance(61_000);
      expect((await sweep(resending('sweep-1'), Infinity)).deliveries[0]).toMatchObject({
        madeInDoubt: crashed,
      });
      await sendEventsArrive(id, 60 - crashed);
      deps.clock.advance(WINDOW);
      let inFlight = 0;
      let most = 0;
      deps.email.send = async (email) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return send(email);
      };
      expect((await sweep(resending('sweep-2'), Infinity)).deliveries[0]).toMatchObject({ resent: crashed });
      expect(most).toBe(16);
      expect(statuses(id)).toEqual({ sent: 60 });
    });

    it("starts the resend's window when it is armed, not when the sweep began", async () => {
      const { id } = await crashedBeforeSes();
      await sendEventsArrive(id, 2);
      deps.clock.advance(WINDOW);
      const slow = resending('sweep-2');
      slow.resend!.pacer = { take: async () => deps.clock.advance(10 * 60_000) }; // a long wait for its slot
      const markResent = deps.ledger.markResent.bind(deps.ledger);
      deps.ledger.markResent = async () => {
        throw new Error('Lambda killed'); // after the SES call: in doubt, armed
      };
      expect((await sweep(slow, Infinity)).errors).toHaveLength(1);
      deps.ledger.markResent = markResent;
      // Five minutes past a window after the sweep began, five short of one after the arming: still waiting.
      deps.clock.advance(WINDOW - 5 * 60_000);
      expect((await sweep(resending('sweep-3'), Infinity)).deliveries[0]).toMatchObject({
        inDoubtLeft: 1,
        expired: 0,
      });
    });

    it('arms it only once its pacer slot came: a crash while it waits leaves it unarmed, and the next run resends it', async () => {
      const { id, recipient } = await crashedBeforeSes();
      await sendEventsArrive(id, 2);
      deps.clock.advance(WINDOW);
      const waiting = resending('sweep-2');
      waiting.resend!.pacer = {
        take: async () => {
          throw new Error('Lambda killed'); // while it waited for its slot
        },
      };
      expect((await sweep(waiting, Infinity)).errors).toHaveLength(1);
      expect(mailTo(recipient)).toBe(0);
      expect((await sweep(resending('sweep-3'), Infinity)).deliveries[0]).toMatchObject({
        resent: 1,
        expired: 0,
      });
      expect(mailTo(recipient)).toBe(1);
      expect(statuses(id)).toEqual({ sent: 3 });
    });

    it('fails it and raises the alarm instead when the Send events still fall short of what was sent after a second window', async () => {
      const { id, recipient } = await crashedBeforeSes();
      await sendEventsArrive(id, 1); // one of the two sent never got its Send event
      deps.clock.advance(WINDOW);
      // The path may only lag behind: it gets a second window to catch up.
      expect((await sweep(resending('sweep-2'), Infinity)).deliveries[0]).toMatchObject({
        resent: 0,
        expired: 0,
        inDoubtLeft: 1,
      });
      deps.clock.advance(WINDOW);
      expect((await sweep(resending('sweep-3'), Infinity)).deliveries[0]).toMatchObject({
        resent: 0,
        expired: 1,
        withheld: 1,
      });
      expect(mailTo(recipient)).toBe(0);
      expect(metrics.total('InDoubtResendWithheld')).toBe(1);
      const [failed] = (
        await deps.recipientLog.listSending({ deliveryId: id, version: 1 }, { status: 'failed' }, {})
      ).items;
      expect(failed).toMatchObject({ recipientId: recipient, failureReason: IN_DOUBT_REASON });
    });

    it('resends it when an event path that lagged behind catches up within the second window', async () => {
      const { id, recipient } = await crashedBeforeSes();
      await sendEventsArrive(id, 1);
      deps.clock.advance(WINDOW);
      expect((await sweep(resending('sweep-2'), Infinity)).deliveries[0]).toMatchObject({ inDoubtLeft: 1 });
      expect(mailTo(recipient)).toBe(0);
      await sendEventsArrive(id, 1); // the lagging Send event is ingested
      deps.clock.advance(WINDOW / 2);
      expect((await sweep(resending('sweep-3'), Infinity)).deliveries[0]).toMatchObject({ resent: 1 });
      expect(mailTo(recipient)).toBe(1);
      expect(metrics.total('InDoubtResendWithheld')).toBe(0);
    });

    it("waits out the ingesters' lag: a Send event behind a backlog is not overtaken by the resend", async () => {
      const { id, recipient } = await crashedBeforeSes();
      await sendEventsArrive(id, 2); // the delivery's path is healthy
      const lag = new FakeIngestLag();
      // While it went in doubt, events waited up to 40 minutes in the events queue (a backlog after a restart).
      await lag.note(40 * 60_000, deps.clock.now());
      const withLag = (owner: string): SweepDeps => ({
        ...resending(owner),
        ingestLag: { lag, redeliveryMs: 6 * 60_000 },
      });
      deps.clock.advance(WINDOW);
      // Its own Send event may still be queued: 10 s + 6 min + twice 40 min past its doubt, not the window.
      expect((await sweep(withLag('sweep-2'), Infinity)).deliveries[0]).toMatchObject({
        resent: 0,
        inDoubtLeft: 1,
      });
      expect(mailTo(recipient)).toBe(0);
      deps.clock.advance(27 * 60_000);
      expect((await sweep(withLag('sweep-3'), Infinity)).deliveries[0]).toMatchObject({ resent: 1 });
      expect(mailTo(recipient)).toBe(1);
      expect(metrics.total('InDoubtResendWithheld')).toBe(0);
    });

    it('waits while the delivery is paused (no SES call), and resends it once resumed', async () => {
      const { id, recipient } = await crashedBeforeSes((d) => pause(world.control, starter, d));
      await sendEventsArrive(id, 2);
      deps.clock.advance(WINDOW);
      expect((await sweep(resending('sweep-2'), Infinity)).deliveries[0]).toMatchObject({
        resent: 0,
        expired: 0,
        inDoubtLeft: 1,
      });
      expect(mailTo(recipient)).toBe(0);
      await resume(world.control, starter, id);
      expect((await sweep(resending('sweep-3'), Infinity)).deliveries[0]).toMatchObject({ resent: 1 });
      expect(mailTo(recipient)).toBe(1);
    });

    it('resends nothing of a stopped delivery: its in-doubt recipient fails after the window', async () => {
      const { id, recipient } = await crashedBeforeSes((d) => stop(world.control, starter, d));
      await sendEventsArrive(id, 2);
      deps.clock.advance(WINDOW);
      expect((await sweep(resending('sweep-2'), Infinity)).deliveries[0]).toMatchObject({
        resent: 0,
        expired: 1,
        withheld: 0,
      });
      expect(mailTo(recipient)).toBe(0);
    });

    it('waits out a throttled attempt unarmed: a crash during its backoff leaves it to the next run, not failed', async () => {
      const { id, recipient } = await crashedBeforeSes();
      await sendEventsArrive(id, 2);
      deps.clock.advance(WINDOW);
      deps.email.script.push({ kind: 'throttled', reason: 'Maximum sending rate exceeded' });
      const backingOff = resending('sweep-2');
      backingOff.resend!.sleep = async () => {
        throw new Error('Lambda killed'); // while it waited to try again
      };
      expect((await sweep(backingOff, Infinity)).errors).toHaveLength(1);
      expect(mailTo(recipient)).toBe(0);
      // SES refused it (429): nothing was accepted, so the next run sends it, in its own window.
      deps.clock.advance(WINDOW);
      expect((await sweep(resending('sweep-3'), Infinity)).deliveries[0]).toMatchObject({
        resent: 1,
        expired: 0,
      });
      expect(mailTo(recipient)).toBe(1);
      expect(statuses(id)).toEqual({ sent: 3 });
    });

    it('leaves it to the next run when SES throttles too long: disarmed, then resent', async () => {
      const { id, recipient } = await crashedBeforeSes();
      await sendEventsArrive(id, 2);
      deps.clock.advance(WINDOW);
      for (let i = 0; i < 5; i++)
        deps.email.script.push({ kind: 'throttled', reason: 'Maximum sending rate exceeded' });
      expect((await sweep(resending('sweep-2'), Infinity)).deliveries[0]).toMatchObject({
        resent: 0,
        expired: 0,
        inDoubtLeft: 1,
      });
      deps.clock.advance(WINDOW);
      expect((await sweep(resending('sweep-3'), Infinity)).deliveries[0]).toMatchObject({ resent: 1 });
      expect(mailTo(recipient)).toBe(1);
      expect(statuses(id)).toEqual({ sent: 3 });
    });
  });

  it('re-drives a send whose jobs were lost once a sweep finds no progress since the previous one', async () => {
    const { id } = await started(30); // the send jobs are dropped: nothing will ever send them
    const first = await sweepOnce();
    expect(first.deliveries[0]).toMatchObject({ unclaimedPending: 30, redriven: false });
    deps.clock.advance(5 * 60_000);
    const second = await sweepOnce();
    expect(second.deliveries[0]).toMatchObject({ unclaimedPending: 30, redriven: true });
    expect(deps.startQueue.sent.at(-1)).toEqual({
      kind: 'start',
      deliveryId: id,
      version: 1,
      run: expect.stringMatching(/^sweep-/),
    });
    await drain();
    expect(deps.email.sent).toHaveLength(30);
    expect(statuses(id)).toEqual({ sent: 30 });
    expect((await getDelivery(world.control, id)).state).toBe('finished');
    expect((await sweepOnce()).deliveries[0]).toMatchObject({ released: true });
  });

  it('does not re-drive a send that progressed since the previous sweep', async () => {
    const { jobs } = await started(30);
    await sweepOnce();
    await sendJob(world.send, jobs[0]!);
    deps.clock.advance(5 * 60_000);
    expect((await sweepOnce()).deliveries[0]).toMatchObject({ redriven: false });
  });

  it('keeps watching a paused send without re-driving it, and one failing delivery does not stop the others', async () => {
    const a = await started(5);
    await pause(world.control, starter, a.id);
    const b = await started(5);
    const get = deps.deliveries.get.bind(deps.deliveries);
    deps.deliveries.get = async (id: string) => {
      if (id === b.id) throw new Error('throttled');
      return get(id);
    };
    await sweepOnce();
    deps.clock.advance(5 * 60_000);
    const report = await sweepOnce();
    expect(report.deliveries).toEqual([
      expect.objectContaining({ deliveryId: a.id, redriven: false, released: false }),
    ]);
    expect(report.errors.map((e) => e.deliveryId)).toEqual([b.id]);
  });
});

describe('compute stats repairs the counters', () => {
  it('ADDs the difference to the adjustment when the counters were quiet during the recount', async () => {
    const { id } = await readyDelivery(20);
    await confirm(world.control, starter, id);
    await drain();
    // A handler died between its ledger writes and its ADD: 3 sends never counted; a retried ADD counted 1 twice.
    await deps.counters.add(id, 0, { sent: -3, processed: -3, settled: -3, delivered: 1 });
    expect((await getDelivery(world.control, id)).deployment.kpis).toMatchObject({ sent: 17, delivered: 1 });
    const early = await computeStats(deps, id);
    expect(early.repaired).toEqual({});
    expect(early.pendingRepair).toEqual({
      reason: 'settling',
      retryAfter: new Date(deps.clock.now().getTime() + deps.counterSettleMs).toISOString(),
    });
    deps.clock.advance(deps.counterSettleMs); // the log settled: the lost ADDs are never coming
    const result = await computeStats(deps, id);
    expect(result.pendingRepair).toBeNull();
    expect(result.repaired).toEqual({ sent: 3, processed: 3, settled: 3, delivered: -1 });
    expect((await getDelivery(world.control, id)).deployment.kpis).toMatchObject({
      sent: 20,
      processed: 20,
      delivered: 0,
    });
    expect((await computeStats(deps, id)).repaired).toEqual({});
  });

  it('waits for a quiet recount while the counters move', async () => {
    const { id } = await readyDelivery(5);
    await confirm(world.control, starter, id);
    await drain();
    await deps.counters.add(id, 0, { sent: -1 });
    const read = deps.counters.read.bind(deps.counters);
    let reads = 0;
    deps.counters.read = async (d: string) => {
      if (++reads === 2) await deps.counters.add(id, 1, { opens: 1 }); // an event lands during the recount
      return read(d);
    };
    const moving = await computeStats(deps, id);
    expect(moving.repaired).toEqual({});
    expect(moving.pendingRepair?.reason).toBe('moving');
    expect((await read(id)).sent).toBe(4);
  });

  it('needs no repair when the counters moved during the recount to what the log says', async () => {
    const { id } = await readyDelivery(5);
    await confirm(world.control, starter, id);
    await drain();
    await deliveredInLog(id, 'r0002');
    const read = deps.counters.read.bind(deps.counters);
    let reads = 0;
    deps.counters.read = async (d: string) => {
      if (++reads === 2) await deps.counters.add(id, 1, { delivered: 1 }); // the batch's ADD lands meanwhile
      return read(d);
    };
    const result = await computeStats(deps, id);
    expect(result).toMatchObject({ repaired: {}, pendingRepair: null });
    expect((await read(id)).delivered).toBe(1);
  });

  it('does not count twice an ADD still on its way: a log written less than the settle time ago is not repaired', async () => {
    const { id } = await readyDelivery(5);
    await confirm(world.control, starter, id);
    await drain();
    await deliveredInLog(id, 'r0000');
    const result = await computeStats(deps, id);
    await deps.counters.add(id, 2, { delivered: 1 }); // the batch's ADD lands after the recount
    expect((await getDelivery(world.control, id)).deployment.kpis).toMatchObject({ delivered: 1 });
    expect(result.repaired).toEqual({});
  });

  it('keeps watching a finished delivery whose log disagrees until the settle time passed, then repairs it', async () => {
    const { id } = await readyDelivery(5);
    await confirm(world.control, starter, id);
    await drain();
    await deliveredInLog(id, 'r0001'); // the ingester died before its ADD: never counted
    expect((await sweep(world.sweeper, Infinity)).deliveries[0]).toMatchObject({ released: false });
    expect((await getDelivery(world.control, id)).deployment.kpis).toMatchObject({ delivered: 0 });
    deps.clock.advance(5 * 60_000);
    expect((await sweep(world.sweeper, Infinity)).deliveries[0]).toMatchObject({ released: false });
    deps.clock.advance(60_000);
    expect((await sweep(world.sweeper, Infinity)).deliveries[0]).toMatchObject({ released: true });
    expect((await getDelivery(world.control, id)).deployment.kpis).toMatchObject({ delivered: 1 });
  });
});
