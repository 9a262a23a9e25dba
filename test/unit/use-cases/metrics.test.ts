/**
 * What each use case counts through the Metrics port (shared/ports/metrics.ts), on the in-memory fakes: the sender
 * (sent, throttled, SES errors, failures, in-doubt), the ingester (events by type, skipped events, failures by
 * type, in-doubt reconciled), the sweeper (in-doubt made and expired, re-driven sends) and compute-stats (KPI
 * repairs). And that no dimension ever carries an id, an address or a message id: every value emitted here is one
 * of its dimension's declared values.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { openEnvelope } from '#domain/ses-events.ts';
import type { SendingLogEntry } from '#ports/index.ts';
import { DIMENSION_VALUES, type DimensionName } from '#ports/metrics.ts';
import { addMembers, createAudience } from '#use-cases/audiences.ts';
import { confirm, queueSendStarter } from '#use-cases/control.ts';
import { CounterBatch } from '#use-cases/counter-batch.ts';
import { createDelivery } from '#use-cases/deliveries.ts';
import { ingestEnvelope } from '#use-cases/ingest.ts';
import { requestPreparation, runPreparationJob } from '#use-cases/preparation.ts';
import { upsertProfiles } from '#use-cases/profiles.ts';
import { sendJob } from '#use-cases/send.ts';
import { runStartJob } from '#use-cases/start.ts';
import { computeStats } from '#use-cases/stats.ts';
import { sweep } from '#use-cases/sweep.ts';
import { preparer, starter } from '#test/helpers/actors.ts';
import { sesFixture, snsEnvelope } from '#test/helpers/aws-events.ts';
import { deliveryInput } from '#test/helpers/deliveries.ts';
import { FakeMetrics } from '#test/helpers/fake-metrics.ts';
import { type FakeDeps, fakeDeps } from '#test/helpers/fakes/index.ts';
import { createPacer } from '#domain/sending.ts';

let deps: FakeDeps;
let metrics: FakeMetrics;

beforeEach(() => {
  deps = fakeDeps();
  metrics = new FakeMetrics();
});

const sleep = async (ms: number) => {
  deps.clock.advance(ms);
};
const sender = () => ({
  ...deps,
  pacer: createPacer(50, () => deps.clock.now().getTime(), sleep),
  sleep,
  random: () => 0.5,
  owner: 'sender-1',
  leaseMs: 60_000,
  metrics,
});
const sweeper = () => ({ ...deps, inDoubtWindowMs: 60 * 60_000, metrics });

/** A delivery to `n` recipients, confirmed and started: its send jobs, not yet run. */
const started = async (n: number) => {
  const ids = Array.from({ length: n }, (_, i) => `r${i}`);
  await upsertProfiles(
    deps,
    preparer,
    ids.map((id) => ({ id, email: `success+${id}@simulator.amazonses.com` })),
  );
  const audience = await createAudience(deps, preparer, { name: 'A' });
  await addMembers(deps, preparer, audience.id, ids);
  const { id } = await createDelivery(deps, preparer, deliveryInput({ audienceId: audience.id }));
  const sendStarter = queueSendStarter(deps.startQueue, deps.clock);
  await requestPreparation(deps, preparer, id);
  await runPreparationJob({ ...deps, sendStarter }, deps.preparer.started.at(-1)!, Infinity);
  await confirm({ ...deps, sendStarter }, starter, id);
  await runStartJob({ ...deps, checkpoints: deps.startCheckpoints }, deps.startQueue.drain()[0]!, Infinity);
  return { id, ids, jobs: deps.sendQueue.drain() };
};

/** Every dimension value emitted is one its dimension declares: never an id, an address or a message id. */
const expectDeclaredDimensionsOnly = () => {
  expect(metrics.emitted.length).toBeGreaterThan(0);
  for (const { name, dimensions } of metrics.emitted) {
    for (const [dimension, value] of Object.entries(dimensions)) {
      expect(DIMENSION_VALUES[dimension as DimensionName], `${name} ${dimension}`).toContain(value);
    }
  }
};

describe('sender', () => {
  it('counts sent recipients, throttles, SES errors and failures by type', async () => {
    const { jobs } = await started(3);
    deps.email.script.push(
      { kind: 'throttled', reason: 'Maximum sending rate exceeded.' },
      { kind: 'accepted', messageId: 'ignored' },
      { kind: 'rejected', reason: 'Email address is not verified.' },
    );
    for (const job of jobs) await sendJob(sender(), job);
    expect(metrics.totals()).toEqual({
      EmailsSent: 2,
      SesThrottles: 1,
      'SesSendErrors SesError=rejected': 1,
      'RecipientsFailed FailureType=error': 1,
    });
    expectDeclaredDimensionsOnly();
  });

  it('counts a daily quota error once, and an unknown outcome, in-doubt at once (never sent again)', async () => {
    const quota = await started(2);
    deps.email.script.push({ kind: 'daily-quota', reason: 'Daily message quota exceeded.' });
    for (const job of quota.jobs) await sendJob(sender(), job);
    expect(metrics.totals()).toEqual({ 'SesSendErrors SesError=daily-quota': 1 });

    metrics = new FakeMetrics();
    const { jobs } = await started(1);
    deps.email.script.push({ kind: 'unknown', reason: 'socket hang up' });
    await sendJob(sender(), jobs[0]!);
    expect(metrics.totals()).toEqual({ 'SesSendErrors SesError=unknown': 1, RecipientsInDoubt: 1 });
    expectDeclaredDimensionsOnly();
  });
});

describe('ingester', () => {
  const MESSAGE = 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000';
  const REF = { deliveryId: 'd-1', version: 2 };
  const entry = (recipientId: string, over: Partial<SendingLogEntry> = {}): SendingLogEntry => ({
    ...REF,
    recipientId,
    profileId: recipientId,
    email: 'recipient@example.com',
    status: 'sent',
    sesMessageId: MESSAGE,
    updatedAt: '2026-11-22T09:00:00Z',
    ...over,
  });
  const tagged = (name: string, recipientId: string) => {
    const record = sesFixture(name);
    record.mail.tags = {
      delivery: [REF.deliveryId],
      version: [String(REF.version)],
      recipient: [recipientId],
    };
    return record;
  };
  const ingest = async (...bodies: unknown[]) => {
    const batch = new CounterBatch();
    for (const body of bodies) await ingestEnvelope({ ...deps, metrics }, openEnvelope(body), batch);
    await batch.flush(deps.counters);
  };

  it('counts events by type, skipped events by reason, failures by type and reconciled in-doubt recipients', async () => {
    const targetOf = (e: SendingLogEntry) => ({
      recipientId: e.recipientId,
      profileId: e.profileId,
      email: e.email,
    });
    const entries = [
      entry('r-1'),
      entry('r-2'),
      entry('r-3', { status: 'in-doubt', sesMessageId: undefined as never }),
    ];
    await deps.recipientLog.putTargets(REF, entries.map(targetOf), '2026-11-22T09:00:00Z');
    for (const e of entries) {
      if (e.status === 'in-doubt') await deps.ledger.markInDoubt(REF, targetOf(e), e.updatedAt);
      else
        await deps.ledger.markSent(REF, targetOf(e), {
          sesMessageId: MESSAGE,
          at: e.updatedAt,
          by: 'sender-1',
        });
    }
    const bounce = snsEnvelope(tagged('bounce-permanent', 'r-2'), 'envelope-bounce');
    const elsewhere = sesFixture('open');
    elsewhere.mail.messageId = 'a-message-sent-by-another-system';
    await ingest(
      snsEnvelope(tagged('delivery', 'r-1'), 'envelope-delivery'),
      bounce,
      bounce, // the same envelope again: its outcome was applied before
      tagged('delivery', 'r-3'), // an in-doubt recipient, reconciled
      elsewhere, // no tags, and its message id names no recipient: unattributed
    );
    expect(metrics.totals()).toEqual({
      'SesEvents EventType=Delivery': 2,
      'SesEvents EventType=Bounce': 2,
      'SesEvents EventType=Open': 1,
      'SesEventsSkipped SkipReason=duplicate-outcome': 1,
      'SesEventsSkipped SkipReason=unattributed': 1,
      'RecipientsFailed FailureType=hard': 1,
      InDoubtReconciled: 1,
    });
    expectDeclaredDimensionsOnly();
  });
});

describe('sweeper and compute-stats', () => {
  it('counts claims made in-doubt, and in-doubt recipients failed past the window', async () => {
    const { jobs } = await started(1);
    const markSent = deps.ledger.markSent.bind(deps.ledger);
    deps.ledger.markSent = async () => {
      throw new Error('Lambda crashed');
    };
    await expect(sendJob(sender(), jobs[0]!)).rejects.toThrow(/crashed/);
    deps.ledger.markSent = markSent;
    metrics = new FakeMetrics();

    deps.clock.advance(61_000);
    await sweep(sweeper(), Infinity);
    expect(metrics.totals()).toEqual({ RecipientsInDoubt: 1 });

    deps.clock.advance(61 * 60_000);
    await sweep(sweeper(), Infinity);
    expect(metrics.totals()).toEqual({
      RecipientsInDoubt: 1,
      InDoubtExpired: 1,
      'RecipientsFailed FailureType=error': 1,
    });
    expectDeclaredDimensionsOnly();
  });

  it('counts a re-driven stalled send', async () => {
    const { jobs } = await started(2);
    expect(jobs.length).toBeGreaterThan(0); // enqueued, but never run: the send stalls
    await sweep(sweeper(), Infinity);
    deps.clock.advance(5 * 60_000);
    await sweep(sweeper(), Infinity);
    expect(metrics.totals()).toEqual({ SendsRedriven: 1 });
  });

  it('compute-stats counts a repair only when it corrected the counters', async () => {
    const { id, jobs } = await started(2);
    for (const job of jobs) await sendJob(sender(), job);
    metrics = new FakeMetrics();
    await computeStats({ ...deps, metrics }, id);
    expect(metrics.totals()).toEqual({});
    await deps.counters.add(id, 0, { sent: -1 }); // a crash between a ledger write and its ADD
    deps.clock.advance(deps.counterSettleMs); // the log settled: the lost ADD is never coming
    await computeStats({ ...deps, metrics }, id);
    expect(metrics.totals()).toEqual({ KpiRepairs: 1 });
  });
});
