/**
 * Property: whatever the SES event stream (duplicates, out of order, late, several recipients per event) and
 * wherever a handler dies between a ledger write and its counter ADD (senders and ingestion batches), the live KPIs
 * of a finished delivery once the sweeper let it go (its log settled), compute stats, and the hourly aggregation all
 * equal a naive recount of the logs written here, independently of shared/domain/kpis.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPacer } from '#domain/sending.ts';
import { openEnvelope } from '#domain/ses-events.ts';
import type { CounterName, Counters } from '#ports/index.ts';
import { aggregateStats } from '#use-cases/aggregation.ts';
import { addMembers, createAudience } from '#use-cases/audiences.ts';
import { confirm, queueSendStarter } from '#use-cases/control.ts';
import { CounterBatch } from '#use-cases/counter-batch.ts';
import { createDelivery, getDelivery } from '#use-cases/deliveries.ts';
import { ingestEnvelope } from '#use-cases/ingest.ts';
import { requestPreparation, runPreparationJob } from '#use-cases/preparation.ts';
import { upsertProfiles } from '#use-cases/profiles.ts';
import { finishIfSettled, sendJob } from '#use-cases/send.ts';
import { runStartJob } from '#use-cases/start.ts';
import { computeStats } from '#use-cases/stats.ts';
import { sweep } from '#use-cases/sweep.ts';
import { preparer, starter } from '#test/helpers/actors.ts';
import { sesFixture, snsEnvelope } from '#test/helpers/aws-events.ts';
import { deliveryInput } from '#test/helpers/deliveries.ts';
import { type FakeDeps, fakeDeps } from '#test/helpers/fakes/index.ts';

/** Counters whose ADDs are lost when `crash()` says so: the handler died after its ledger writes. */
class CrashingCounters implements Counters {
  readonly inner: Counters;
  crash: () => boolean = () => false;
  lost = 0;
  constructor(inner: Counters) {
    this.inner = inner;
  }
  async add(deliveryId: string, shard: number, deltas: Partial<Record<CounterName, number>>) {
    if (this.crash()) {
      this.lost++;
      return;
    }
    await this.inner.add(deliveryId, shard, deltas);
  }
  adjust(deliveryId: string, deltas: Partial<Record<CounterName, number>>) {
    return this.inner.adjust(deliveryId, deltas);
  }
  read(deliveryId: string) {
    return this.inner.read(deliveryId);
  }
  readMany(deliveryIds: readonly string[]) {
    return this.inner.readMany(deliveryIds);
  }
}

/** The KPIs recounted naively from the fake logs' stored entries and tracking log (DESIGN section 5's words). */
const naiveRecount = (deps: FakeDeps, deliveryId: string, toDeliver: number) => {
  const n = {
    toDeliver,
    sent: 0,
    processed: 0,
    delivered: 0,
    bouncesAndErrors: 0,
    settled: 0,
    opens: 0,
    uniqueOpens: 0,
    clicks: 0,
    uniqueClicks: 0,
    humanOpens: 0,
    uniqueHumanOpens: 0,
    humanClicks: 0,
    uniqueHumanClicks: 0,
  };
  const entries = [...(deps.recipientLog.entries.get(`${deliveryId}#1`)?.values() ?? [])];
  for (const e of entries) {
    n.settled += 1;
    const hasMessage = e.sesMessageId !== undefined;
    const opens = e.opens ?? 0;
    const clicks = e.clicks ?? 0;
    // Sent: SES accepted it. Processed: sent, or failed before SES accepted it.
    if (hasMessage) n.sent += 1;
    if (hasMessage || e.status === 'failed') n.processed += 1;
    if (e.status === 'failed') n.bouncesAndErrors += 1;
    // Delivered and not failed since; an open or a click proves delivery.
    else if (e.status === 'delivered' || opens > 0 || clicks > 0) n.delivered += 1;
    // A click with no open counts one open.
    if (opens > 0) n.opens += opens;
    else if (clicks > 0) n.opens += 1;
    if (opens > 0 || clicks > 0) n.uniqueOpens += 1;
    n.clicks += clicks;
    if (clicks > 0) n.uniqueClicks += 1;
  }
  const human = new Map<string, { opens: number; clicks: number }>();
  for (const t of deps.tracking.entries.values()) {
    if (t.deliveryId !== deliveryId) continue;
    if (t.type === 'opt-out' || t.classification === 'machine') continue;
    const h = human.get(t.recipientId) ?? { opens: 0, clicks: 0 };
    if (t.type === 'open') h.opens += 1;
    else h.clicks += 1;
    human.set(t.recipientId, h);
  }
  for (const h of human.values()) {
    n.humanOpens += h.opens > 0 ? h.opens : 1;
    n.uniqueHumanOpens += 1;
    n.humanClicks += h.clicks;
    if (h.clicks > 0) n.uniqueHumanClicks += 1;
  }
  // A rate is a fraction: at most 1 (one who clicked and then bounced is a unique open, no longer delivered).
  const rate = (a: number, b: number) => (b > 0 ? Math.min(1, Math.round((a / b) * 10_000) / 10_000) : 0);
  return {
    ...n,
    openRate: rate(n.uniqueOpens, n.delivered),
    clickThroughRate: rate(n.uniqueClicks, n.delivered),
    humanOpenRate: rate(n.uniqueHumanOpens, n.delivered),
    humanClickThroughRate: rate(n.uniqueHumanClicks, n.delivered),
  };
};

const REAL_TIME = ['toDeliver', 'sent', 'processed', 'delivered', 'bouncesAndErrors'] as const;
const ALL = [
  ...REAL_TIME,
  'opens',
  'uniqueOpens',
  'clicks',
  'uniqueClicks',
  'openRate',
  'clickThroughRate',
  'humanOpens',
  'uniqueHumanOpens',
  'humanClicks',
  'uniqueHumanClicks',
  'humanOpenRate',
  'humanClickThroughRate',
] as const;
const pick = <K extends string>(o: object, keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, (o as Record<string, unknown>)[k]]));

type Kind = 'delivery' | 'bounce-permanent' | 'complaint' | 'open' | 'click';
const KINDS: readonly Kind[] = ['delivery', 'bounce-permanent', 'complaint', 'open', 'click'];

/** One SES event for recipient `who`, possibly naming another recipient too (its part is not this message's). */
const sesEvent = (
  kind: Kind,
  messageId: string,
  address: string,
  tags: Record<string, string>,
  also?: string,
) => {
  const record = sesFixture(kind);
  record.mail.messageId = messageId;
  record.mail.destination = also ? [address, also] : [address];
  record.mail.tags = Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [v]]));
  const part = record[kind === 'bounce-permanent' ? 'bounce' : kind] as Record<string, unknown>;
  if (kind === 'bounce-permanent')
    part.bouncedRecipients = [address, ...(also ? [also] : [])].map((emailAddress) => ({
      emailAddress,
      action: 'failed',
      status: '5.1.1',
    }));
  if (kind === 'complaint') part.complainedRecipients = [{ emailAddress: address }];
  if (kind === 'delivery') part.recipients = also ? [address, also] : [address];
  return record;
};

const scenario = fc.record({
  recipients: fc.integer({ min: 1, max: 7 }),
  events: fc.array(
    fc.record({
      who: fc.nat(),
      kind: fc.constantFrom(...KINDS),
      also: fc.option(fc.nat(), { nil: undefined }),
      /** Delivered again (an SNS redelivery of the same envelope). */
      duplicate: fc.boolean(),
      /** Ingested after the send finished. */
      late: fc.boolean(),
    }),
    { maxLength: 25 },
  ),
  /** Which counter ADDs are lost (a crash after the ledger write): one flag per ADD, cycled. */
  crashes: fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
  batchSize: fc.integer({ min: 1, max: 5 }),
  order: fc.integer({ min: 0, max: 1_000_000 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

const run = async (s: Scenario) => {
  const deps = fakeDeps();
  deps.clock.current = new Date('2026-11-22T10:00:00Z');
  const crashing = new CrashingCounters(deps.counters);
  let adds = 0;
  crashing.crash = () => s.crashes[adds++ % s.crashes.length]!;
  const ids = Array.from({ length: s.recipients }, (_, i) => `r${i}`);
  await upsertProfiles(
    deps,
    preparer,
    ids.map((id) => ({ id, email: `${id}@example.com` })),
  );
  const audience = await createAudience(deps, preparer, { name: 'A' });
  await addMembers(deps, preparer, audience.id, ids);
  const { id } = await createDelivery(deps, preparer, deliveryInput({ audienceId: audience.id }));
  await requestPreparation(deps, preparer, id);
  const sendStarter = queueSendStarter(deps.startQueue, deps.clock);
  await runPreparationJob({ ...deps, sendStarter }, deps.preparer.started.at(-1)!, Number.POSITIVE_INFINITY);
  await confirm({ ...deps, sendStarter }, starter, id);
  for (const job of deps.startQueue.drain())
    await runStartJob({ ...deps, checkpoints: deps.startCheckpoints }, job, Number.POSITIVE_INFINITY);
  const sleep = async (ms: number) => deps.clock.advance(ms);
  const sendDeps = {
    ...deps,
    counters: crashing,
    pacer: createPacer(1000, () => deps.clock.now().getTime(), sleep),
    sleep,
    random: () => 0.5,
    owner: 'sender-1',
  };

  // The events, shuffled (out of order), with duplicates, each for a recipient the send reached.
  const ingestDeps = { ...deps, counters: crashing };
  const ingest = async (records: Array<{ record: Record<string, unknown>; envelopeId: string }>) => {
    for (let i = 0; i < records.length; i += s.batchSize) {
      const batch = new CounterBatch(() => 0.3);
      for (const { record, envelopeId } of records.slice(i, i + s.batchSize))
        await ingestEnvelope(ingestDeps, openEnvelope(snsEnvelope(record, envelopeId)), batch);
      await batch.flush(crashing);
    }
  };
  const eventsFor = async (late: boolean) => {
    const out: Array<{ record: Record<string, unknown>; envelopeId: string }> = [];
    s.events.forEach((e, n) => {
      if (e.late !== late) return;
      const message = deps.email.sent[e.who % Math.max(1, deps.email.sent.length)];
      if (!message) return;
      const also = e.also === undefined ? undefined : `r${e.also % s.recipients}@example.com`;
      const record = sesEvent(e.kind, `pending-${message.tags.recipient}`, message.to, message.tags, also);
      out.push({ record, envelopeId: `env-${n}` });
      if (e.duplicate) out.push({ record, envelopeId: `env-${n}` });
    });
    // The message ids the sender recorded.
    for (const o of out) {
      const tags = (o.record.mail as { tags: Record<string, string[]> }).tags;
      const entry = await deps.ledger.get({ deliveryId: id, version: 1 }, tags.recipient![0]!);
      (o.record.mail as Record<string, unknown>).messageId = entry?.sesMessageId ?? 'unknown';
    }
    // Out of order: a permutation picked by the scenario.
    return out
      .map((o, i) => ({ o, key: (i * 7919 + s.order) % 1_000_003 }))
      .sort((a, b) => a.key - b.key)
      .map((x) => x.o);
  };

  // The send (the invocation's counters flushed once, as the sender function does), the events that arrive
  // before its end is checked, then the check (the sender's, or the sweeper's when a sender that died before its
  // ADD left Settled short and the send looks stalled).
  const tally = new CounterBatch(() => 0.7);
  for (const job of deps.sendQueue.drain()) await sendJob({ ...sendDeps, tally }, job);
  await tally.flush(crashing);
  await ingest(await eventsFor(false));
  if (!(await finishIfSettled(sendDeps, id))) await finishIfSettled(sendDeps, id, { force: true });
  expect((await getDelivery(deps, id)).state).toBe('finished');
  // The log was just written: a repair now could count twice an ADD still on its way, so the sweeper makes it
  // once the log has settled, and only then lets the delivery go.
  deps.clock.advance(deps.counterSettleMs);
  const sweeper = { ...deps, counters: crashing, inDoubtWindowMs: 3_600_000 };
  expect((await sweep(sweeper, Number.POSITIVE_INFINITY)).deliveries).toEqual([
    expect.objectContaining({ deliveryId: id, released: true }),
  ]);
  const finished = await getDelivery(deps, id);
  const atFinish = naiveRecount(deps, id, s.recipients);
  expect(pick(finished.deployment.kpis, REAL_TIME)).toEqual(pick(atFinish, REAL_TIME));
  // Every KPI counter; sendEvents and evidenceSent are not KPIs (the in-doubt resend's evidence), no log recounts them.
  const { sendEvents: _notAKpi, evidenceSent: _norThis, ...kpiCounters } = await deps.counters.read(id);
  expect(kpiCounters).toEqual(
    pick(atFinish, [
      'sent',
      'processed',
      'delivered',
      'bouncesAndErrors',
      'settled',
      'opens',
      'uniqueOpens',
      'clicks',
      'uniqueClicks',
    ]),
  );

  // Late events (opens and clicks arrive for 60 days), with more crashes.
  await ingest(await eventsFor(true));
  const truth = naiveRecount(deps, id, s.recipients);

  // Compute stats: the KPIs of the logs, and the counters repaired (the log settled).
  deps.clock.advance(deps.counterSettleMs);
  const computed = await computeStats(deps, id);
  expect(pick(computed.kpis, ALL)).toEqual(pick(truth, ALL));
  expect(computed.progress).toEqual({ read: truth.settled, toDeliver: s.recipients });

  // The hourly aggregation: from the (repaired) counters and the tracking log.
  await deps.activity.mark([id], deps.clock.now());
  deps.clock.advance(3_600_000);
  expect((await aggregateStats(deps)).refreshed).toEqual([id]);
  const view = await getDelivery(deps, id);
  expect(pick(view.deployment.kpis, ALL)).toEqual(pick(truth, ALL));
  expect(view.deployment.computedAt.tracking).toBe(deps.clock.now().toISOString());
};

describe('KPIs against a naive recount (fast-check)', () => {
  it('live KPIs once a finished send is let go, compute stats and the hourly aggregation equal the recount, crashes and all', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        await run(s);
      }),
      { numRuns: 60 },
    );
  });
});
