/**
 * IngestLag contract: the same cases against FakeIngestLag and DynamoIngestLag (DynamoDB Local, the shared `events`
 * table, each case in its own partition). The adapter's skipping of small rises is its own case below.
 */
import { describe, expect, it } from 'vitest';
import { DynamoIngestLag, worthWriting } from '#adapters/dynamodb/ingest-lag.ts';
import type { IngestLag } from '#ports/index.ts';
import { documentClient, sharedTables } from '#test/helpers/emulators.ts';
import { FakeIngestLag } from '#test/helpers/fakes/index.ts';
import { type Implementation, unique } from './support.ts';

const client = documentClient();
const dynamo = () => new DynamoIngestLag({ client, tableName: sharedTables().events, pk: unique('LAG') });

const implementations: Array<Implementation<IngestLag>> = [
  { name: 'FakeIngestLag', make: () => new FakeIngestLag() },
  { name: 'DynamoIngestLag', make: dynamo },
];

const at = (hhmmss: string) => new Date(`2026-11-22T${hhmmss}.000Z`);

describe.each(implementations)('IngestLag contract: $name', ({ make }) => {
  it('keeps the worst wait of each minute, listed oldest first from the minute asked for', async () => {
    const lag = make();
    await lag.note(2_000, at('10:00:05'));
    await lag.note(90_000, at('10:00:40'));
    await lag.note(10_000, at('10:00:59'));
    await lag.note(0, at('10:02:00'));
    await lag.note(45_000, at('10:03:10'));
    expect(await lag.since(at('10:00:30'))).toEqual([
      { minute: '2026-11-22T10:00', worstWaitMs: 90_000 },
      { minute: '2026-11-22T10:02', worstWaitMs: 0 },
      { minute: '2026-11-22T10:03', worstWaitMs: 45_000 },
    ]);
    expect(await lag.since(at('10:01:00'))).toEqual([
      { minute: '2026-11-22T10:02', worstWaitMs: 0 },
      { minute: '2026-11-22T10:03', worstWaitMs: 45_000 },
    ]);
    expect(await lag.since(at('10:04:00'))).toEqual([]);
  });

  it('keeps the worst of its notes: a shorter wait noted later does not lower it', async () => {
    const a = make();
    await a.note(30_000, at('11:00:01'));
    await a.note(5_000, at('11:00:02'));
    await a.note(40_000, at('11:00:03'));
    expect(await a.since(at('11:00:00'))).toEqual([{ minute: '2026-11-22T11:00', worstWaitMs: 40_000 }]);
  });
});

describe('DynamoIngestLag', () => {
  it('skips a note that raises what it knows of the minute by less than a second or a quarter', async () => {
    expect(worthWriting(500, undefined)).toBe(true);
    expect(worthWriting(1_499, 500)).toBe(false);
    expect(worthWriting(1_500, 500)).toBe(true);
    expect(worthWriting(49_999, 40_000)).toBe(false);
    expect(worthWriting(50_000, 40_000)).toBe(true);
    const lag = dynamo();
    await lag.note(40_000, at('12:00:00'));
    await lag.note(49_000, at('12:00:10'));
    expect(await lag.since(at('12:00:00'))).toEqual([{ minute: '2026-11-22T12:00', worstWaitMs: 40_000 }]);
    await lag.note(49_000, at('12:01:00')); // a new minute is always written
    expect((await lag.since(at('12:01:00')))[0]?.worstWaitMs).toBe(49_000);
  });

  it("two containers: a longer wait one wrote stands against the other's shorter note", async () => {
    const pk = unique('LAG');
    const one = new DynamoIngestLag({ client, tableName: sharedTables().events, pk });
    const two = new DynamoIngestLag({ client, tableName: sharedTables().events, pk });
    await one.note(60_000, at('13:00:00'));
    await two.note(20_000, at('13:00:05'));
    expect(await one.since(at('13:00:00'))).toEqual([{ minute: '2026-11-22T13:00', worstWaitMs: 60_000 }]);
  });
});
