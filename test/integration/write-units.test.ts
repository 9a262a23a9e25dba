/**
 * The write units of each step of the ledger, measured on DynamoDB Local from the consumed capacity it returns
 * (`ReturnConsumedCapacity: INDEXES`, table and every index; a refused conditional write counted as AWS bills it),
 * and held to the table "Write units per step" of docs/data-model.md, which this test parses: a change that writes
 * more than the document says fails here. The steps run through the adapters and, for SES events, the ingestion
 * use case, as the handlers run them.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoCounters } from '#adapters/dynamodb/counters.ts';
import { DynamoSesEventStore, DynamoTrackingLog } from '#adapters/dynamodb/events.ts';
import { DynamoRecipientLedger } from '#adapters/dynamodb/ledger.ts';
import { DynamoProfileRepository } from '#adapters/dynamodb/profiles.ts';
import { DynamoQuarantineRepository } from '#adapters/dynamodb/quarantine.ts';
import { DynamoRecipientLogRepository } from '#adapters/dynamodb/recipient-log.ts';
import { openEnvelope } from '#domain/ses-events.ts';
import { messageTags } from '#domain/sending.ts';
import { shardOf } from '#domain/shards.ts';
import type { LogRef, Target } from '#ports/index.ts';
import { CounterBatch } from '#use-cases/counter-batch.ts';
import { ingestEnvelope } from '#use-cases/ingest.ts';
import { DynamoDbMeter, storedItemSize } from '#bench/dynamodb-meter.ts';
import { sesFixture, snsEnvelope } from '#test/helpers/aws-events.ts';
import { sharedTables } from '#test/helpers/emulators.ts';

/** The documented figure of each step: `| \`step\` | what | **units** |` rows of docs/data-model.md. */
const documented = (): Record<string, number> => {
  const doc = readFileSync(new URL('../../docs/data-model.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### Write units per step'));
  const rows: Record<string, number> = {};
  for (const match of section.matchAll(/^\| `([a-z-]+)` \|[^\n]*\| \*\*([0-9.]+)\*\* \|$/gm)) {
    rows[match[1]!] = Number(match[2]);
  }
  return rows;
};

const config = { endpoint: inject('endpoints').dynamodb, region: inject('region') };
const tables = () => sharedTables();
const low = new DynamoDBClient(config);
const meter = new DynamoDbMeter({ sizeOf: storedItemSize(new DynamoDBClient(config)) }).attach(low);
const client = createDocumentClient(low);

const deps = () => ({
  clock: { now: () => new Date('2026-11-22T10:00:10.000Z') },
  events: new DynamoSesEventStore({ client, tableName: tables().events }),
  tracking: new DynamoTrackingLog({ client, tableName: tables().events }),
  ledger: new DynamoRecipientLedger({ client, tableName: tables().recipients }),
  quarantine: new DynamoQuarantineRepository({ client, tableName: tables().profiles }),
  profiles: new DynamoProfileRepository({ client, tableName: tables().profiles }),
  counters: new DynamoCounters({ client, tableName: tables().deliveries }),
});

/** The write units a step costs (everything it wrote, refused conditional writes included). */
const writes = async (step: () => Promise<unknown>): Promise<number> => {
  const from = meter.records.length;
  await step();
  return meter.units('write', from);
};

/** Recipients of one shard with bench-like ids and simulator addresses (about 60 bytes each, packed). */
const recipientsInOneShard = (count: number): Target[] => {
  const tag = randomUUID().slice(0, 4);
  const out: Target[] = [];
  let shard = -1;
  for (let i = 0; out.length < count; i++) {
    const id = `b${tag}${String(i).padStart(3, '0')}`;
    if (shard === -1) shard = shardOf(id);
    if (shardOf(id) === shard) {
      out.push({ recipientId: id, profileId: id, email: `success+${id}@simulator.amazonses.com` });
    }
  }
  return out;
};

/** An SES event record of the AWS fixture `name` for this recipient (its address, message id and tags). */
const eventFor = (name: string, ref: LogRef, t: Target, sesMessageId: string, evidence: boolean) => {
  const text = JSON.stringify(sesFixture(name))
    .replaceAll('recipient@example.com', t.email)
    .replaceAll('EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000', sesMessageId)
    .replaceAll('EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000', sesMessageId);
  const record = JSON.parse(text) as { mail: Record<string, unknown> };
  record.mail.tags = Object.fromEntries(
    Object.entries(messageTags(ref.deliveryId, ref.version, t.recipientId, evidence)).map(([k, v]) => [
      k,
      [v],
    ]),
  );
  return openEnvelope(snsEnvelope(record));
};

/** Ingests an event of a message of the delivery's evidence sample (or, with `evidence` false, of one outside it). */
const ingest = async (name: string, ref: LogRef, t: Target, sesMessageId: string, evidence = true) => {
  const batch = new CounterBatch();
  await ingestEnvelope(deps(), eventFor(name, ref, t, sesMessageId, evidence), batch);
  return batch; // not flushed: the counter flush is its own step
};

describe('write units per step (DynamoDB Local, consumed capacity with indexes)', () => {
  const doc = documented();
  const measured: Record<string, number> = {};

  /** A prepared log of `n` recipients of one shard, and its page. */
  const prepared = async (n: number) => {
    const ref = { deliveryId: `d-${randomUUID()}`, version: 1 };
    const targets = recipientsInOneShard(n);
    const log = new DynamoRecipientLogRepository({ client, tableName: tables().recipients });
    const units = await writes(() => log.putTargets(ref, targets, '2026-11-22T09:00:00.000Z'));
    const [page] = await deps().ledger.pagesOf(ref, [targets[0]!.recipientId]);
    return { ref, targets, page: page!, units };
  };

  /** A sent recipient (its entry, with a message id). */
  const sent = async () => {
    const { ref, targets } = await prepared(1);
    const sesMessageId = `0100-${randomUUID()}-000000`;
    await deps().ledger.markSent(ref, targets[0]!, { sesMessageId, at: '2026-11-22T10:00:01.000Z', by: 's' });
    return { ref, target: targets[0]!, sesMessageId };
  };

  it('documents every step it measures', () => {
    expect(Object.keys(doc).sort()).toEqual(
      [
        'prepare',
        'send-window',
        'mark-sent',
        'send-event',
        'send-event-unsampled',
        'delivery-event',
        'open-event',
        'click-event',
        'counter-flush',
        'rejected',
        'in-doubt',
        'in-doubt-expired',
        'reconciled',
        'canceled',
        'hard-bounce',
        'complaint',
        'list-unsubscribe',
      ].sort(),
    );
  });

  it('prepare: one packed page for 100 recipients', async () => {
    const { units } = await prepared(100);
    measured.prepare = units / 100;
    expect(measured.prepare).toBe(doc.prepare);
  });

  it('send-window: the lease taken with the first window of 25, then the second window', async () => {
    const { ref, targets, page } = await prepared(50);
    const ids = targets.map((t) => t.recipientId).sort();
    const ledger = deps().ledger;
    const now = new Date('2026-11-22T10:00:00.000Z');
    const lease = { owner: 's', at: now.toISOString(), leaseUntil: '2026-11-22T10:02:00.000Z' };
    let units = 0;
    let held = null as Awaited<ReturnType<typeof ledger.acquire>> | null;
    units += await writes(async () => {
      held = await ledger.acquire(ref, page, lease, ids.slice(0, 25), now);
    });
    if (!held?.acquired) throw new Error('not acquired');
    const taken = held.lease;
    units += await writes(() => ledger.extend(ref, page, taken, ids.slice(25), '2026-11-22T10:02:30.000Z'));
    measured['send-window'] = units / 50;
    expect(measured['send-window']).toBe(doc['send-window']);
  });

  it('mark-sent: the entry and byProfile', async () => {
    const { ref, targets } = await prepared(1);
    const units = await writes(() =>
      deps().ledger.markSent(ref, targets[0]!, {
        sesMessageId: `m-${randomUUID()}`,
        at: '2026-11-22T10:00:01Z',
        by: 's',
      }),
    );
    measured['mark-sent'] = units;
    expect(meter.writesByTarget(meter.records.length - 2)).toEqual({
      [tables().recipients]: 1,
      [`${tables().recipients}/byProfile`]: 1,
    });
    expect(units).toBe(doc['mark-sent']);
  });

  it('send-event, delivery-event, open-event, click-event: what the events of a delivered path write', async () => {
    const { ref, target, sesMessageId } = await sent();
    measured['send-event'] = await writes(() => ingest('send', ref, target, sesMessageId));
    const other = await sent();
    measured['send-event-unsampled'] = await writes(() =>
      ingest('send', other.ref, other.target, other.sesMessageId, false),
    );
    measured['delivery-event'] = await writes(() => ingest('delivery', ref, target, sesMessageId));
    // The same Delivery again (an exact duplicate): nothing written.
    expect(await writes(() => ingest('delivery', ref, target, sesMessageId))).toBe(0);
    measured['open-event'] = await writes(() => ingest('open', ref, target, sesMessageId));
    measured['click-event'] = await writes(() => ingest('click', ref, target, sesMessageId));
    for (const step of ['send-event', 'send-event-unsampled', 'delivery-event', 'open-event', 'click-event'])
      expect({ [step]: measured[step] }).toEqual({ [step]: doc[step] });
  });

  it('counter-flush: one ADD for everything a batch counted of one delivery', async () => {
    const batch = new CounterBatch();
    const deliveryId = `d-${randomUUID()}`;
    for (let i = 0; i < 100; i++) batch.add(deliveryId, { delivered: 1, opens: i % 2 });
    measured['counter-flush'] = await writes(() => batch.flush(deps().counters));
    expect(measured['counter-flush']).toBe(doc['counter-flush']);
  });

  it('rejected, in-doubt, in-doubt-expired, reconciled, canceled: the entries of the other outcomes', async () => {
    const { ref, targets } = await prepared(4);
    const [a, b, c, d] = targets as [Target, Target, Target, Target];
    const ledger = deps().ledger;
    measured.rejected = await writes(() =>
      ledger.markFailed(ref, a, {
        failureType: 'error',
        failureReason: 'MessageRejected',
        at: '2026-11-22T10:00:01Z',
      }),
    );
    measured['in-doubt'] = await writes(() => ledger.markInDoubt(ref, b, '2026-11-22T10:00:01Z'));
    await ledger.markInDoubt(ref, c, '2026-11-22T10:00:01Z');
    measured['in-doubt-expired'] = await writes(() =>
      ledger.expireInDoubt(ref, b.recipientId, {
        failureType: 'error',
        failureReason: 'in doubt',
        at: '2026-11-23T10:00:01Z',
      }),
    );
    const inDoubt = (await ledger.get(ref, c.recipientId))!;
    measured.reconciled = await writes(() =>
      ledger.applyEvent(ref, inDoubt, {
        status: 'sent',
        sent: { sesMessageId: `m-${randomUUID()}`, at: '2026-11-22T10:00:01Z' },
        updatedAt: '2026-11-22T10:05:00Z',
      }),
    );
    measured.canceled = await writes(() => ledger.cancel(ref, d, '2026-11-22T10:00:01Z'));
    // Refused (the entry exists): billed as one write each, as AWS does.
    expect(await writes(() => ledger.cancel(ref, d, '2026-11-22T10:00:02Z'))).toBe(1);
    for (const step of ['rejected', 'in-doubt', 'in-doubt-expired', 'reconciled', 'canceled'])
      expect({ [step]: measured[step] }).toEqual({ [step]: doc[step] });
  });

  it('hard-bounce, complaint, list-unsubscribe: the entry, the quarantine or profile, the outcome marker', async () => {
    const bounced = await sent();
    measured['hard-bounce'] = await writes(() =>
      ingest('bounce-permanent', bounced.ref, bounced.target, bounced.sesMessageId),
    );
    const complained = await sent();
    await ingest('delivery', complained.ref, complained.target, complained.sesMessageId);
    measured.complaint = await writes(() =>
      ingest('complaint', complained.ref, complained.target, complained.sesMessageId),
    );
    const unsubscribed = await sent();
    await deps().profiles.upsertMany(
      [{ id: unsubscribed.target.profileId, email: unsubscribed.target.email }],
      new Date('2026-11-22T09:00:00Z'),
    );
    measured['list-unsubscribe'] = await writes(() =>
      ingest('subscription', unsubscribed.ref, unsubscribed.target, unsubscribed.sesMessageId),
    );
    for (const step of ['hard-bounce', 'complaint', 'list-unsubscribe'])
      expect({ [step]: measured[step] }).toEqual({ [step]: doc[step] });
  });

  it('keeps the delivered path, preparation included, under 6 write units (counters: under 0.1 at any batch)', () => {
    const path =
      measured.prepare! +
      measured['send-window']! +
      measured['mark-sent']! +
      measured['send-event']! +
      measured['delivery-event']!;
    expect(path).toBeLessThanOrEqual(5.1);
    expect(path + 0.1).toBeLessThan(6);
  });
});
