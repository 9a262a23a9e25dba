/**
 * The deliverability use cases on in-memory fakes: one-click unsubscribe through the send and the public route,
 * proofs that never count, human opens in the tracking log and compute-stats, the reputation guard in ingestion,
 * resend targeting. The same flows run end to end in test/e2e/deliverability.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { DomainError } from '#domain/errors.ts';
import { DEFAULT_GUARD_THRESHOLDS } from '#domain/reputation.ts';
import { createPacer } from '#domain/sending.ts';
import { openEnvelope } from '#domain/ses-events.ts';
import { signUnsubscribeToken } from '#domain/unsubscribe.ts';
import type { SendingLogEntry } from '#ports/index.ts';
import { addMembers, createAudience } from '#use-cases/audiences.ts';
import { confirm, queueSendStarter, resume } from '#use-cases/control.ts';
import { CounterBatch } from '#use-cases/counter-batch.ts';
import { createDelivery, getDelivery } from '#use-cases/deliveries.ts';
import { ingestEnvelope } from '#use-cases/ingest.ts';
import { requestPreparation, runPreparationJob } from '#use-cases/preparation.ts';
import { upsertProfiles } from '#use-cases/profiles.ts';
import { listProofs, sendProof } from '#use-cases/proofs.ts';
import { applyGuard, GuardTally } from '#use-cases/reputation-guard.ts';
import { resendDelivery } from '#use-cases/resend.ts';
import { type SendDeps, sendJob } from '#use-cases/send.ts';
import { runStartJob } from '#use-cases/start.ts';
import { computeStats } from '#use-cases/stats.ts';
import { IN_DOUBT_REASON } from '#use-cases/sweep.ts';
import { oneClickUnsubscribe } from '#use-cases/unsubscribe.ts';
import { admin, preparer, starter, workflowUser } from '#test/helpers/actors.ts';
import { sesFixture, snsEnvelope } from '#test/helpers/aws-events.ts';
import { deliveryInput } from '#test/helpers/deliveries.ts';
import { seedLog } from '#test/helpers/sending-log.ts';
import { type FakeDeps, fakeDeps } from '#test/helpers/fakes/index.ts';
import { FakeMetrics } from '#test/helpers/fake-metrics.ts';

let deps: FakeDeps;
const BASE_URL = 'https://api.example.com';

beforeEach(() => {
  deps = fakeDeps();
  deps.clock.current = new Date('2026-11-22T10:00:00Z');
});

const unsubscribe = () => ({ key: deps.key, baseUrl: BASE_URL, mailto: 'unsubscribe@example.com' });

const sendDeps = (): SendDeps => {
  const sleep = async (ms: number) => deps.clock.advance(ms);
  return {
    ...deps,
    pacer: createPacer(1000, () => deps.clock.now().getTime(), sleep),
    sleep,
    random: () => 0.5,
    owner: 'sender-1',
    unsubscribe: unsubscribe(),
  };
};

const rejection = async (promise: Promise<unknown>): Promise<DomainError> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: DomainError) => error,
  );

/** Profiles at the given addresses, an audience, a delivery prepared: ready. */
const ready = async (addresses: Record<string, string>) => {
  const ids = Object.keys(addresses);
  await upsertProfiles(
    deps,
    preparer,
    ids.map((id) => ({ id, email: addresses[id]!, firstName: id })),
  );
  const audience = await createAudience(deps, preparer, { name: 'A' });
  await addMembers(deps, preparer, audience.id, ids);
  const created = await createDelivery(deps, preparer, deliveryInput({ audienceId: audience.id }));
  await requestPreparation(deps, preparer, created.id);
  const sendStarter = queueSendStarter(deps.startQueue, deps.clock);
  const prepared = await runPreparationJob(
    { ...deps, sendStarter },
    deps.preparer.started.at(-1)!,
    Number.POSITIVE_INFINITY,
  );
  expect(prepared).toMatchObject({ state: 'ready' });
  return created.id;
};

/** Confirms and runs the start and send jobs once each. */
const send = async (id: string) => {
  const sendStarter = queueSendStarter(deps.startQueue, deps.clock);
  await confirm({ ...deps, sendStarter }, starter, id);
  for (const job of deps.startQueue.drain())
    await runStartJob({ ...deps, checkpoints: deps.startCheckpoints }, job, Number.POSITIVE_INFINITY);
  for (const job of deps.sendQueue.drain()) await sendJob(sendDeps(), job);
};

const ingest = async (records: Array<Record<string, unknown>>, guard?: GuardTally) => {
  const batch = new CounterBatch();
  for (const record of records)
    await ingestEnvelope({ ...deps, ...(guard ? { guard } : {}) }, openEnvelope(snsEnvelope(record)), batch);
  await batch.flush(deps.counters);
};

/** An SES record of `type` (an AWS fixture) for a message, tagged as the senders tag them. */
const event = (type: string, messageId: string, address: string, tags: Record<string, string>) => {
  const record = sesFixture(type);
  record.mail.messageId = messageId;
  record.mail.destination = [address];
  record.mail.tags = Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [v]]));
  const part = record[type === 'bounce-permanent' ? 'bounce' : type] as Record<string, unknown> | undefined;
  if (type === 'bounce-permanent')
    (part!.bouncedRecipients as Array<{ emailAddress: string }>)[0]!.emailAddress = address;
  if (type === 'complaint')
    (part!.complainedRecipients as Array<{ emailAddress: string }>)[0]!.emailAddress = address;
  if (type === 'delivery') part!.recipients = [address];
  return record;
};

const sentTo = (address: string) => deps.email.sent.filter((m) => m.to === address);

describe('one-click unsubscribe', () => {
  it('puts the RFC 8058 headers, with a token naming the recipient, on every message of a send', async () => {
    const id = await ready({ ann: 'ann@example.com', bob: 'bob@example.com' });
    await send(id);
    expect(deps.email.sent).toHaveLength(2);
    for (const message of deps.email.sent) {
      expect(message.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(message.headers?.['List-Unsubscribe']).toMatch(
        /^<https:\/\/api\.example\.com\/unsubscribe\/u1\.[\w-]+\.[\w-]+>, <mailto:unsubscribe@example\.com\?subject=unsubscribe%20u1\./,
      );
    }
  });

  it('opts the profile out at once, logs opt-out once, and the next preparation excludes it', async () => {
    const id = await ready({ ann: 'ann@example.com', bob: 'bob@example.com' });
    await send(id);
    const token = /\/unsubscribe\/([^>]+)>/.exec(
      sentTo('ann@example.com')[0]!.headers!['List-Unsubscribe']!,
    )![1]!;
    const metrics = new FakeMetrics();
    expect(await oneClickUnsubscribe({ ...deps, metrics }, token)).toEqual({
      kind: 'opted-out',
      deliveryId: id,
      profileId: 'ann',
    });
    expect(await oneClickUnsubscribe(deps, token)).toMatchObject({ kind: 'already-opted-out' });
    expect((await deps.profiles.get('ann'))?.optOut).toBe(true);
    expect((await deps.profiles.get('bob'))?.optOut).toBe(false);
    const optOuts = [...deps.tracking.entries.values()].filter((e) => e.type === 'opt-out');
    expect(optOuts).toEqual([
      expect.objectContaining({ deliveryId: id, recipientId: 'ann', profileId: 'ann' }),
    ]);
    expect(metrics.total('OneClickUnsubscribes')).toBe(1);

    const next = await ready({ ann: 'ann@example.com', bob: 'bob@example.com' });
    expect((await getDelivery(deps, next)).preparation?.exclusions).toEqual({ 'opted-out': 1 });
  });

  it('refuses a tampered token, a token for another key and one naming nobody, all as the same 404', async () => {
    const id = await ready({ ann: 'ann@example.com' });
    await send(id);
    const token = signUnsubscribeToken(deps.key.key, {
      kind: 'recipient',
      deliveryId: id,
      version: 1,
      recipientId: 'ann',
    });
    const tampered = `${token.slice(0, 12)}${token[12] === 'A' ? 'B' : 'A'}${token.slice(13)}`;
    const foreign = signUnsubscribeToken(Buffer.alloc(32, 7), {
      kind: 'recipient',
      deliveryId: id,
      version: 1,
      recipientId: 'ann',
    });
    const nobody = signUnsubscribeToken(deps.key.key, {
      kind: 'recipient',
      deliveryId: id,
      version: 1,
      recipientId: 'zed',
    });
    for (const bad of [tampered, foreign, nobody, 'not-a-token']) {
      const error = await rejection(oneClickUnsubscribe(deps, bad));
      expect([error.kind, error.code, error.message]).toEqual([
        'not-found',
        'UNSUBSCRIBE_LINK_INVALID',
        'This unsubscribe link is not valid.',
      ]);
    }
    expect((await deps.profiles.get('ann'))?.optOut).toBe(false);
  });
});

describe('proofs', () => {
  it('send the prepared content, subject prefixed, to each address once, and are logged on the delivery', async () => {
    const id = await ready({ ann: 'ann@example.com' });
    const proof = await sendProof({ ...deps, unsubscribe: unsubscribe() }, preparer, id, [
      'Reviewer@example.com',
      'reviewer@example.com',
      'bounce@simulator.amazonses.com',
    ]);
    expect(proof.recipients.map((r) => [r.address, r.status])).toEqual([
      ['Reviewer@example.com', 'sent'],
      ['bounce@simulator.amazonses.com', 'sent'],
    ]);
    expect(deps.email.sent.map((m) => m.subject)).toEqual([
      '[Proof] Our winter sale starts now',
      '[Proof] Our winter sale starts now',
    ]);
    for (const [index, m] of deps.email.sent.entries()) {
      expect(m.tags).toEqual({ delivery: id, proof: proof.proofId, 'proof-recipient': String(index) });
      expect(m.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    }
    expect((await listProofs(deps, id, {})).items).toEqual([proof]);
  });

  it('need the prepare or start role and a prepared delivery', async () => {
    const id = await ready({ ann: 'ann@example.com' });
    expect((await rejection(sendProof(deps, workflowUser, id, ['a@example.com']))).kind).toBe('forbidden');
    expect((await rejection(sendProof(deps, admin, id, ['a@example.com']))).kind).toBe('forbidden');
    expect((await rejection(sendProof(deps, starter, 'nope', ['a@example.com']))).kind).toBe('not-found');
    const audience = await createAudience(deps, preparer, { name: 'B' });
    const editing = await createDelivery(deps, preparer, deliveryInput({ audienceId: audience.id }));
    const error = await rejection(sendProof(deps, starter, editing.id, ['a@example.com']));
    expect([error.kind, error.details]).toEqual(['conflict', { state: 'editing', version: 1 }]);
  });

  it('never count: their events reach the proof log only, not the KPIs, sending log, quarantine or history', async () => {
    const id = await ready({ ann: 'ann@example.com' });
    const proof = await sendProof(deps, preparer, id, [
      'bounce@simulator.amazonses.com',
      'reader@example.com',
    ]);
    const [bounced, reader] = proof.recipients;
    const tags = (i: number) => ({ delivery: id, proof: proof.proofId, 'proof-recipient': String(i) });
    await ingest([
      event('send', bounced!.sesMessageId!, bounced!.address, tags(0)),
      event('bounce-permanent', bounced!.sesMessageId!, bounced!.address, tags(0)),
      event('delivery', reader!.sesMessageId!, reader!.address, tags(1)),
      event('open', reader!.sesMessageId!, reader!.address, tags(1)),
      event('complaint', reader!.sesMessageId!, reader!.address, tags(1)),
    ]);
    const logged = (await listProofs(deps, id, {})).items[0]!;
    expect(logged.recipients.map((r) => [r.status, r.opens])).toEqual([
      ['bounced', 0],
      ['complained', 1],
    ]);
    expect(await deps.counters.read(id)).toEqual(await fakeDeps().counters.read(id));
    expect((await deps.recipientLog.listSending({ deliveryId: id, version: 1 }, {}, {})).items).toEqual([
      expect.objectContaining({ recipientId: 'ann', status: 'pending' }),
    ]);
    expect(await deps.quarantine.getMany(['bounce@simulator.amazonses.com', 'reader@example.com'])).toEqual(
      [],
    );
    expect(deps.tracking.entries.size).toBe(0);
    expect((await deps.recipientLog.historyForProfile('ann', {})).items).toEqual([]);
    const { kpis } = await computeStats(deps, id);
    expect([kpis.sent, kpis.processed, kpis.bouncesAndErrors, kpis.opens]).toEqual([0, 0, 0, 0]);
  });
});

describe('human opens', () => {
  it('classifies each open and click in the tracking log; compute-stats gives human rates beside all-events ones', async () => {
    const id = await ready({ ann: 'ann@example.com', bob: 'bob@example.com' });
    await send(id);
    const message = (to: string) => sentTo(to)[0]!;
    const ledgerTags = (r: string) => ({ delivery: id, version: '1', recipient: r });
    const annId = (await deps.ledger.get({ deliveryId: id, version: 1 }, 'ann'))!.sesMessageId!;
    const bobId = (await deps.ledger.get({ deliveryId: id, version: 1 }, 'bob'))!.sesMessageId!;
    expect(message('ann@example.com')).toBeDefined();
    const open = (messageId: string, to: string, r: string, userAgent: string, at: string) => {
      const record = event('open', messageId, to, ledgerTags(r));
      record.open = { timestamp: at, userAgent, ipAddress: '17.58.1.1' };
      return record;
    };
    const delivered = (messageId: string, to: string, r: string) => {
      const record = event('delivery', messageId, to, ledgerTags(r));
      (record.delivery as Record<string, unknown>).timestamp = '2026-11-22T10:00:10.000Z';
      return record;
    };
    const chrome =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/124.0 Safari/537.36';
    await ingest([
      delivered(annId, 'ann@example.com', 'ann'),
      delivered(bobId, 'bob@example.com', 'bob'),
      open(annId, 'ann@example.com', 'ann', 'Mozilla/5.0', '2026-11-22T10:00:11.000Z'),
      open(annId, 'ann@example.com', 'ann', chrome, '2026-11-22T12:00:00.000Z'),
      open(bobId, 'bob@example.com', 'bob', 'Mozilla/5.0', '2026-11-22T10:00:12.000Z'),
    ]);
    const tracked = [...deps.tracking.entries.values()].map((e) => [
      e.recipientId,
      e.classification,
      e.classificationRule,
    ]);
    expect(tracked.sort()).toEqual([
      ['ann', 'human', 'mail-client'],
      ['ann', 'machine', 'apple-mpp'],
      ['bob', 'machine', 'apple-mpp'],
    ]);
    const { kpis } = await computeStats(deps, id);
    expect(kpis).toMatchObject({
      delivered: 2,
      opens: 3,
      uniqueOpens: 2,
      openRate: 1,
      humanOpens: 1,
      uniqueHumanOpens: 1,
      humanOpenRate: 0.5,
      humanClickThroughRate: 0,
    });
    expect((await getDelivery(deps, id)).deployment.kpis.humanOpenRate).toBe(0.5);
  });
});

describe('the reputation guard in ingestion', () => {
  const guardDeps = () => ({ ...deps, thresholds: { ...DEFAULT_GUARD_THRESHOLDS, minProcessed: 10 } });
  const addresses = (n: number, bouncing: number) =>
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [
        `r${String(i).padStart(3, '0')}`,
        i < bouncing ? `bounce+${i}@simulator.amazonses.com` : `success+${i}@simulator.amazonses.com`,
      ]),
    );

  /** Confirms the delivery, sends `n` recipients (state sending), bounces those on bounce@ addresses. */
  const sendAndBounce = async (id: string, n: number) => {
    const sendStarter = queueSendStarter(deps.startQueue, deps.clock);
    await confirm({ ...deps, sendStarter }, starter, id);
    for (const job of deps.startQueue.drain())
      await runStartJob({ ...deps, checkpoints: deps.startCheckpoints }, job, Number.POSITIVE_INFINITY);
    const jobs = deps.sendQueue.drain();
    // The first jobs only: the send is still going when the bounces arrive.
    let sent = 0;
    for (const job of jobs) {
      if (sent >= n) {
        deps.sendQueue.sent.push(job);
        continue;
      }
      await sendJob(sendDeps(), job);
      sent += job.recipientIds.length;
    }
    const tally = new GuardTally();
    const bounces = deps.email.sent
      .filter((m) => m.to.startsWith('bounce+'))
      .map((m) => event('bounce-permanent', `ses-of-${m.tags.recipient}`, m.to, m.tags));
    for (const b of bounces) {
      const entry = await deps.ledger.get(
        { deliveryId: id, version: 1 },
        (b.mail as { tags: Record<string, string[]> }).tags.recipient![0]!,
      );
      (b.mail as Record<string, unknown>).messageId = entry!.sesMessageId;
    }
    await ingest(bounces, tally);
    return tally;
  };

  it('pauses a send to bounce@ addresses past the threshold, with the reason, a metric, and a resume by a starter', async () => {
    const id = await ready(addresses(60, 10));
    const tally = await sendAndBounce(id, 50);
    const metrics = new FakeMetrics();
    const paused = await applyGuard({ ...guardDeps(), metrics }, tally);
    expect(paused.map((p) => p.verdict.rule)).toEqual(['bounce-rate']);
    const view = await getDelivery(deps, id);
    expect(view.state).toBe('paused');
    expect(view.deployment.statusText).toMatch(
      /^Paused: Reputation guard: bounce rate [\d.]+ % \(\d+ hard bounces of \d+ processed\) is above 4 %$/,
    );
    expect(view.history.at(-1)).toMatchObject({ action: 'guard-pause', by: { system: 'reputation-guard' } });
    expect(metrics.total('ReputationGuardPauses')).toBe(1);
    // The senders stop: the jobs left send nothing while paused.
    const before = deps.email.sent.length;
    for (const job of deps.sendQueue.drain()) expect((await sendJob(sendDeps(), job)).outcome).toBe('paused');
    expect(deps.email.sent.length).toBe(before);
    // Only a Start-deliveries user resumes.
    const control = { ...deps, sendStarter: queueSendStarter(deps.startQueue, deps.clock) };
    expect((await rejection(resume(control, preparer, id))).kind).toBe('forbidden');
    expect((await resume(control, starter, id)).state).toBe('sending');
  });

  it('does not pause a clean send', async () => {
    const id = await ready(addresses(60, 1));
    const tally = await sendAndBounce(id, 50);
    expect(await applyGuard(guardDeps(), tally)).toEqual([]);
    expect((await getDelivery(deps, id)).state).toBe('sending');
    expect(await deps.guardCounters.read(id)).toEqual({ bounces: 1, complaints: 0 });
  });
});

describe('resend', () => {
  /** A finished delivery whose sending log holds one recipient in each end state. */
  const finishedWithEveryOutcome = async () => {
    const people = [
      'delivered',
      'hard',
      'soft',
      'softNowQuarantined',
      'canceled',
      'canceledNowOptedOut',
      'inDoubtExpired',
      'rejected',
      'inDoubt',
    ];
    const id = await ready(Object.fromEntries(people.map((p) => [p, `${p}@example.com`])));
    const ref = { deliveryId: id, version: 1 };
    const at = deps.clock.now().toISOString();
    const end: Record<string, Partial<SendingLogEntry>> = {
      delivered: { status: 'delivered', sesMessageId: 'm1' },
      hard: { status: 'failed', failureType: 'hard', sesMessageId: 'm2' },
      soft: { status: 'failed', failureType: 'soft', sesMessageId: 'm3' },
      softNowQuarantined: { status: 'failed', failureType: 'soft', sesMessageId: 'm4' },
      canceled: { status: 'canceled' },
      canceledNowOptedOut: { status: 'canceled' },
      inDoubtExpired: { status: 'failed', failureType: 'error', failureReason: IN_DOUBT_REASON },
      rejected: { status: 'failed', failureType: 'error', failureReason: 'MessageRejected' },
      inDoubt: { status: 'in-doubt' },
    };
    await seedLog(
      deps.ledger,
      deps.recipientLog,
      people.map(
        (p) =>
          ({
            ...ref,
            recipientId: p,
            profileId: p,
            email: `${p}@example.com`,
            updatedAt: at,
            status: 'pending',
            ...end[p],
            ...(end[p]!.sesMessageId ? { sentAt: at } : {}),
          }) as SendingLogEntry,
      ),
    );
    await deps.quarantine.update('softnowquarantined@example.com', () => ({
      address: 'softnowquarantined@example.com',
      status: 'quarantined',
      errorCount: 5,
      lastErrorAt: at,
      reason: 'mailbox full',
    }));
    await upsertProfiles(deps, preparer, [{ id: 'canceledNowOptedOut', optOut: true }]);
    const delivery = (await deps.deliveries.get(id))!;
    await deps.deliveries.apply({
      next: { ...delivery, state: 'finished' },
      expected: { state: 'ready', version: 1 },
      effects: {},
    });
    return id;
  };

  it('targets exactly soft failures, canceled and in doubt past the window, minus opted-out and quarantined', async () => {
    const id = await finishedWithEveryOutcome();
    const resent = await resendDelivery(deps, preparer, id);
    expect({ ...resent.resendTarget, profileIds: resent.resendTarget.profileIds.sort() }).toEqual({
      profileIds: ['canceled', 'inDoubtExpired', 'soft'],
      byCause: { 'soft-bounce': 1, canceled: 1, 'in-doubt-expired': 1 },
      leftOut: { optedOut: 1, quarantined: 1, noAddress: 0 },
    });
    expect(resent).toMatchObject({
      state: 'editing',
      resendOf: { deliveryId: id, version: 1, label: 'Winter sale' },
      label: 'Winter sale (resend)',
    });
    expect(resent.content).toEqual((await deps.deliveries.get(id))!.preparation!.snapshot!.content);
    const members = await deps.audiences.listMembers(resent.audienceId, { limit: 100 });
    expect(members.items.sort()).toEqual(['canceled', 'inDoubtExpired', 'soft']);
    // Prepared and confirmed like any other: preparation targets those three.
    await requestPreparation(deps, preparer, resent.id);
    await runPreparationJob(
      { ...deps, sendStarter: queueSendStarter(deps.startQueue, deps.clock) },
      deps.preparer.started.at(-1)!,
      Number.POSITIVE_INFINITY,
    );
    expect((await getDelivery(deps, resent.id)).preparation).toMatchObject({
      targeted: 3,
      toDeliver: 3,
      excluded: 0,
    });
  });

  it('is refused before the send is over, without the right, and when nobody is left', async () => {
    const id = await ready({ ann: 'ann@example.com' });
    expect((await rejection(resendDelivery(deps, preparer, id))).details).toEqual({
      state: 'ready',
      version: 1,
    });
    expect((await rejection(resendDelivery(deps, workflowUser, id))).kind).toBe('forbidden');
    await send(id);
    const finished = await getDelivery(deps, id);
    expect(finished.state).toBe('finished');
    expect((await rejection(resendDelivery(deps, preparer, id))).code).toBe('NOTHING_TO_RESEND');
  });
});
