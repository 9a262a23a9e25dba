/**
 * `npm run compute-stats`: its arguments, one-line usage errors (exit 2), the invocations it makes until a recount
 * is complete (with the progress it reports), the KPI table, and a failed delivery beside the others (exit 1).
 */
import { describe, expect, it } from 'vitest';
import { HELP, kpiTable, main, parseArgs, type StatsAnswer } from '#scripts/compute-stats.ts';

const answer = (deliveryId: string, read: number, complete: boolean): StatsAnswer => ({
  deliveryId,
  kpis: {
    toDeliver: 10,
    sent: read,
    processed: read,
    delivered: read - 1,
    bouncesAndErrors: 1,
    deliveredRate: 0.9,
    bouncesAndErrorsRate: 0.1,
    opens: 3,
    uniqueOpens: 2,
    openRate: 0.2222,
    clicks: 1,
    uniqueClicks: 1,
    clickThroughRate: 0.1111,
    humanOpenRate: 0.1111,
    humanClickThroughRate: 0,
  },
  computedAt: { realTime: '2026-11-22T10:00:00.000Z', tracking: '2026-11-22T10:00:00.000Z' },
  repaired: complete ? { sent: 2 } : {},
  complete,
  progress: { read, toDeliver: 10 },
});

const capture = () => {
  const lines = { log: [] as string[], error: [] as string[] };
  return { lines, out: { log: (l: string) => lines.log.push(l), error: (l: string) => lines.error.push(l) } };
};

describe('npm run compute-stats', () => {
  it('parses ids, --local with and without a URL, --aws', () => {
    expect(parseArgs(['d1', 'd2', 'd1'])).toEqual({ deliveryIds: ['d1', 'd2'], local: null });
    expect(parseArgs(['d1', '--local'])).toEqual({ deliveryIds: ['d1'], local: 'http://127.0.0.1:3000' });
    expect(parseArgs(['--local', 'http://localhost:4000', 'd1'])).toEqual({
      deliveryIds: ['d1'],
      local: 'http://localhost:4000',
    });
    expect(parseArgs(['--aws', 'd1'])).toEqual({ deliveryIds: ['d1'], local: null });
  });

  it.each([
    [[], 'Name at least one delivery id.'],
    [['d1', '--nope'], 'Unknown option --nope.'],
    [['d1', '--local', '--aws'], 'Either --local or --aws, not both.'],
    [['d1', '--local=ftp://x'], '--local takes a URL, not "ftp://x".'],
  ])('refuses %j with one line on stderr and exit 2', async (argv, message) => {
    const { lines, out } = capture();
    expect(await main(argv, out, { invoke: async () => null, progress: false })).toBe(2);
    expect(lines.error).toEqual([`compute-stats: ${message} (npm run compute-stats -- --help)`]);
    expect(lines.log).toEqual([]);
  });

  it('prints its help, with the aws lambda invoke line', async () => {
    const { lines, out } = capture();
    expect(await main(['--help'], out)).toBe(0);
    expect(lines.log).toEqual([HELP]);
    expect(HELP).toContain('aws lambda invoke --function-name confirm-and-send-compute-stats');
  });

  it('invokes in slices until complete, reporting progress, then prints the KPI table; a failure exits 1', async () => {
    const calls: unknown[] = [];
    const script = [answer('d1', 4, false), answer('d1', 10, true)];
    const invoke = async (payload: unknown) => {
      calls.push(payload);
      if ((payload as { deliveryId: string }).deliveryId === 'bad')
        throw new Error('Delivery bad does not exist.');
      return script.shift();
    };
    const { lines, out } = capture();
    expect(await main(['d1', 'bad'], out, { invoke, progress: false })).toBe(1);
    expect(calls).toEqual([
      { deliveryId: 'd1', maxSeconds: 2 },
      { deliveryId: 'd1', maxSeconds: 2 },
      { deliveryId: 'bad', maxSeconds: 2 },
    ]);
    expect(lines.log).toEqual([kpiTable(answer('d1', 10, true))]);
    expect(lines.log[0]).toMatch(/Open rate\s+22\.22 %\s+\(human 11\.11 %\)/);
    expect(lines.log[0]).toMatch(/Repaired\s+sent \+2/);
    expect(lines.error).toEqual(['compute-stats: bad: Delivery bad does not exist.']);
  });

  it('says when the repair waits, why, and after when to run it again', () => {
    const waiting = (reason: 'moving' | 'settling'): StatsAnswer => ({
      ...answer('d1', 10, true),
      repaired: {},
      pendingRepair: { reason, retryAfter: '2026-12-03T21:05:30.000Z' },
    });
    expect(kpiTable(waiting('settling'))).toMatch(
      /Repaired\s+not yet: the log was written too recently \(the counts of its last writes may still be on their way\); run again after 2026-12-03T21:05:30\.000Z/,
    );
    expect(kpiTable(waiting('moving'))).toMatch(
      /Repaired\s+not yet: the counters moved during the recount \(events were being counted\); run again after 2026-12-03T21:05:30\.000Z/,
    );
    expect(kpiTable({ ...waiting('moving'), pendingRepair: null })).toMatch(
      /Repaired\s+nothing \(the counters agreed\)/,
    );
  });
});
