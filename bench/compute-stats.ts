/**
 * `node --expose-gc bench/compute-stats.ts [--recipients 10000,100000] [--active 20]`: what issue #9 asks to
 * measure, on DynamoDB Local (in memory) and the in-memory fakes, apart from the full bench (bench/run.ts):
 *
 * 1. compute stats (shared/use-cases/stats.ts, through the DynamoDB adapters) on a log of N recipients, beside a
 *    bare read of the same items (16 parallel Query loops over the entries, nothing kept): seconds, requests, and the
 *    peak of the JavaScript heap above the baseline while each runs (sampled every 5 ms, after a GC);
 * 2. the hourly aggregation's requests per active delivery (every DynamoDB request counted by a middleware);
 * 3. the counter writes per recipient: a send of 1,000 recipients by one sender at 50/s (fake clock), then their
 *    Delivery events ingested in batches of 100 (the ingester's batch size), through the real use cases on fakes,
 *    counting `Counters.add` calls.
 * Prints one JSON object.
 */
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoCounters } from '#adapters/dynamodb/counters.ts';
import { DynamoDeliveryRepository } from '#adapters/dynamodb/deliveries.ts';
import { DynamoTrackingLog } from '#adapters/dynamodb/events.ts';
import { DynamoActivityRegistry, DynamoRecountCheckpoints } from '#adapters/dynamodb/kpis.ts';
import { sendingLogPk } from '#adapters/dynamodb/keys.ts';
import { DynamoRecipientLedger } from '#adapters/dynamodb/ledger.ts';
import { entryItem } from '#adapters/dynamodb/pages.ts';
import { batchPutAll } from '#adapters/dynamodb/batch.ts';
import { DynamoStatsRepository } from '#adapters/dynamodb/stats.ts';
import { confirmDelivery, type Delivery, finishDelivery } from '#domain/delivery.ts';
import { createPacer } from '#domain/sending.ts';
import { openEnvelope } from '#domain/ses-events.ts';
import { allShards } from '#domain/shards.ts';
import { startDynamoDbLocal } from '#local/dynamodb/dynamodb-local.ts';
import { createTables, tableNames } from '#local/dynamodb/tables.ts';
import type { CounterName, Counters, LedgerEntry } from '#ports/index.ts';
import { aggregateStats } from '#use-cases/aggregation.ts';
import { CounterBatch } from '#use-cases/counter-batch.ts';
import { ingestEnvelope } from '#use-cases/ingest.ts';
import { sendJob } from '#use-cases/send.ts';
import { computeStats } from '#use-cases/stats.ts';
import { counterSettleSeconds } from '#topology/topology.ts';
import { starter } from '#test/helpers/actors.ts';
import { sesFixture, snsEnvelope } from '#test/helpers/aws-events.ts';
import { readyDelivery } from '#test/helpers/deliveries.ts';
import { fakeDeps } from '#test/helpers/fakes/index.ts';

const { values } = parseArgs({
  options: {
    recipients: { type: 'string', default: '10000,100000' },
    active: { type: 'string', default: '20' },
  },
});
const sizes = values.recipients.split(',').map(Number);
const activeCount = Number(values.active);

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const gc = (globalThis as { gc?: () => void }).gc;

/** Runs `work`, sampling the heap every 5 ms: seconds, and the peak heap above the baseline (MB). */
const measured = async <T>(work: () => Promise<T>) => {
  gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  return {
    result,
    seconds: Math.round(seconds * 100) / 100,
    peakHeapMb: Math.round(((peak - base) / 2 ** 20) * 10) / 10,
  };
};

const port = await freePort();
const dynamo = await startDynamoDbLocal(null, port);
const raw = new DynamoDBClient({
  endpoint: dynamo.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
let requests = 0;
raw.middlewareStack.add(
  (next) => async (args) => {
    requests++;
    return next(args);
  },
  { step: 'initialize', name: 'countRequests' },
);
const client = createDocumentClient(raw);
const names = tableNames('bench');
await createTables(raw, names);
const deliveries = new DynamoDeliveryRepository({ client, tableName: names.deliveries });
const ledger = new DynamoRecipientLedger({ client, tableName: names.recipients });
const counters = new DynamoCounters({ client, tableName: names.deliveries });
const stats = new DynamoStatsRepository({ client, tableName: names.deliveries });
const tracking = new DynamoTrackingLog({ client, tableName: names.events });
const activity = new DynamoActivityRegistry({ client, tableName: names.events });
const clock = { now: () => new Date() };

/** A confirmed delivery of `n` recipients (prepared at version 1). */
const sendingDelivery = async (id: string, n: number): Promise<Delivery> => {
  const ready = { ...readyDelivery({}, n), id };
  const confirmed = confirmDelivery(ready, starter, new Date()).next;
  await deliveries.create(confirmed);
  return confirmed;
};

const out: Record<string, unknown> = { recipients: {} };
try {
  for (const n of sizes) {
    const id = `bench-${n}`;
    const delivery = await sendingDelivery(id, n);
    const ref = { deliveryId: id, version: delivery.preparation!.version };
    const at = new Date().toISOString();
    const entries = Array.from({ length: n }, (_, i): LedgerEntry => {
      const recipientId = `r${String(i).padStart(7, '0')}`;
      const base = {
        ...ref,
        recipientId,
        profileId: recipientId,
        email: `${recipientId}@example.com`,
        updatedAt: at,
      };
      if (i % 20 === 0)
        return { ...base, status: 'failed', failureType: 'error', failureReason: 'MessageRejected' };
      return {
        ...base,
        status: i % 25 === 1 ? 'failed' : 'delivered',
        ...(i % 25 === 1 ? { failureType: 'hard' as const, failureReason: '5.1.1' } : { deliveredAt: at }),
        sesMessageId: `m-${i}`,
        sentAt: at,
        ...(i % 5 === 2 ? { opens: 1 + (i % 3), firstOpenAt: at } : {}),
        ...(i % 17 === 3 ? { clicks: 1, firstClickAt: at } : {}),
      };
    });
    await batchPutAll(
      client,
      names.recipients,
      entries.map((e) => entryItem(e)),
      { concurrency: 8 },
    );
    entries.length = 0;

    const bare = await measured(async () => {
      const before = requests;
      let items = 0;
      await Promise.all(
        allShards().map(async (shard) => {
          let start: Record<string, unknown> | undefined;
          do {
            const page = await client.send(
              new QueryCommand({
                TableName: names.recipients,
                KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
                ExpressionAttributeValues: { ':pk': sendingLogPk(ref, shard), ':r': 'R#' },
                ExclusiveStartKey: start,
              }),
            );
            items += page.Items?.length ?? 0;
            start = page.LastEvaluatedKey;
          } while (start);
        }),
      );
      return { items, requests: requests - before };
    });
    const recount = await measured(async () => {
      const before = requests;
      const result = await computeStats(
        {
          deliveries,
          ledger,
          counters,
          stats,
          clock,
          recountCheckpoints: new DynamoRecountCheckpoints({ client, tableName: names.deliveries }),
          counterSettleMs: counterSettleSeconds * 1000,
        },
        id,
      );
      return {
        read: result.progress.read,
        repaired: Object.keys(result.repaired).length,
        requests: requests - before,
      };
    });
    await deliveries.apply(finishDelivery(delivery, new Date()));
    (out.recipients as Record<string, unknown>)[n] = {
      bareRead: { seconds: bare.seconds, peakHeapMb: bare.peakHeapMb, ...bare.result },
      computeStats: { seconds: recount.seconds, peakHeapMb: recount.peakHeapMb, ...recount.result },
      overBareRead: Math.round((recount.seconds / bare.seconds) * 100) / 100,
    };
  }

  // The hourly aggregation: K deliveries active this hour, each with its counters and 10 tracking events.
  for (let k = 0; k < activeCount; k++) {
    const id = `agg-${k}`;
    const d = await sendingDelivery(id, 100);
    await deliveries.apply(finishDelivery(d, new Date()));
    await counters.add(id, k % 16, { sent: 100, processed: 100, delivered: 95, opens: 12, uniqueOpens: 10 });
    for (let e = 0; e < 10; e++) {
      await tracking.append(
        {
          deliveryId: id,
          version: 1,
          recipientId: `r${e}`,
          profileId: `r${e}`,
          sesMessageId: `m${e}`,
          type: 'open',
          at: new Date().toISOString(),
          eventId: `ev-${k}-${e}`,
          classification: e % 3 === 0 ? 'machine' : 'human',
        },
        Math.floor(Date.now() / 1000) + 86_400,
      );
    }
  }
  await activity.mark(
    Array.from({ length: activeCount }, (_, k) => `agg-${k}`),
    new Date(),
  );
  const beforeAgg = requests;
  const report = await aggregateStats({ activity, deliveries, counters, stats, tracking, clock });
  const aggRequests = requests - beforeAgg;
  out.aggregation = {
    activeDeliveries: report.refreshed.length,
    requests: aggRequests,
    requestsPerActiveDelivery: Math.round((aggRequests / Math.max(1, report.refreshed.length)) * 10) / 10,
    note: 'includes the run-wide reads, shared by all: the cursor, 2 hourly buckets, the byState page of sending deliveries, the cursor write',
  };
} finally {
  raw.destroy();
  await dynamo.stop();
}

// Counter writes per recipient: the sender and the ingester on fakes, counting ADDs.
{
  const deps = fakeDeps();
  let adds = 0;
  const counting: Counters = {
    add: async (d: string, s: number, x: Partial<Record<CounterName, number>>) => {
      adds++;
      await deps.counters.add(d, s, x);
    },
    adjust: (d, x) => deps.counters.adjust(d, x),
    read: (d) => deps.counters.read(d),
    readMany: (d) => deps.counters.readMany(d),
  };
  const n = 1000;
  const ready = { ...readyDelivery({}, n), id: 'cw' };
  await deps.deliveries.create(confirmDelivery(ready, starter, deps.clock.now()).next);
  const ref = { deliveryId: 'cw', version: ready.preparation!.version };
  const targets = Array.from({ length: n }, (_, i) => ({
    recipientId: `r${String(i).padStart(5, '0')}`,
    profileId: `r${String(i).padStart(5, '0')}`,
    email: `r${i}@example.com`,
  }));
  await deps.recipientLog.putTargets(ref, targets, new Date().toISOString());
  const sleep = async (ms: number) => deps.clock.advance(ms);
  const tally = new CounterBatch();
  const pages = (await Promise.all(allShards().map((s) => deps.ledger.pages(ref, s, null, 1000)))).flatMap(
    (p) => p.pages,
  );
  for (const page of pages) {
    await sendJob(
      {
        ...deps,
        counters: counting,
        pacer: createPacer(50, () => deps.clock.now().getTime(), sleep),
        sleep,
        random: Math.random,
        owner: `s-${page.id}`,
        tally,
      },
      { deliveryId: 'cw', version: ref.version, recipientIds: page.targets.map((t) => t.recipientId) },
    );
  }
  await tally.flush(counting);
  const senderAdds = adds;
  let batch = new CounterBatch();
  let inBatch = 0;
  for (const message of deps.email.sent) {
    const record = sesFixture('delivery');
    record.mail.messageId = (await deps.ledger.get(ref, message.tags.recipient!))!.sesMessageId!;
    record.mail.destination = [message.to];
    record.mail.tags = Object.fromEntries(Object.entries(message.tags).map(([k, v]) => [k, [v]]));
    (record.delivery as { recipients: string[] }).recipients = [message.to];
    await ingestEnvelope({ ...deps, counters: counting }, openEnvelope(snsEnvelope(record)), batch);
    if (++inBatch === 100) {
      await batch.flush(counting);
      batch = new CounterBatch();
      inBatch = 0;
    }
  }
  await batch.flush(counting);
  out.counterWrites = {
    recipients: n,
    senderAdds,
    ingesterAdds: adds - senderAdds,
    perRecipient: Math.round((adds / n) * 1000) / 1000,
    note: 'one sender at 50/s flushing once a second; Delivery events in batches of 100 (opens and clicks add one ADD per batch more)',
  };
}

console.log(JSON.stringify(out, null, 2));
