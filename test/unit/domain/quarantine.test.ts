import { describe, expect, it } from 'vitest';
import { nextQuarantine, releasedByTime } from '#domain/quarantine.ts';
import type { QuarantineEntry } from '#domain/profiles.ts';

const day = (n: number, hour = 0) => new Date(Date.UTC(2026, 10, 1 + n, hour)).toISOString();
const soft = (at: string) => ({ kind: 'soft-bounce' as const, reason: 'Mailbox full', at });

describe('quarantine', () => {
  it('forgets the errors of an address released after 10 days without one', () => {
    let entry: QuarantineEntry | null = null;
    for (const at of [day(0), day(1), day(2), day(3)])
      entry = nextQuarantine('ann@example.com', entry, soft(at));
    expect(entry).toMatchObject({ status: 'erroneous', errorCount: 4 });
    // Ten days later a fifth soft error starts a new count instead of quarantining the address.
    expect(nextQuarantine('ann@example.com', entry, soft(day(13)))).toMatchObject({
      status: 'erroneous',
      errorCount: 1,
    });
    // Nine days later it would have been the fifth.
    expect(nextQuarantine('ann@example.com', entry, soft(day(12)))).toMatchObject({ status: 'quarantined' });
    // Quarantined and denylisted addresses are never released by time.
    const quarantined = nextQuarantine('ann@example.com', null, {
      kind: 'hard-bounce',
      reason: 'x',
      at: day(0),
    });
    expect(nextQuarantine('ann@example.com', quarantined, soft(day(30)))).toEqual(quarantined);
  });

  it('quarantines at once on a hard bounce, with the address normalized', () => {
    expect(
      nextQuarantine('Ann@Example.com ', null, {
        kind: 'hard-bounce',
        reason: '550 user unknown',
        at: day(0),
      }),
    ).toEqual({
      address: 'ann@example.com',
      status: 'quarantined',
      errorCount: 1,
      lastErrorAt: day(0),
      reason: '550 user unknown',
    });
  });

  it('quarantines on the 5th significant soft error; errors less than a day apart count once', () => {
    let entry: QuarantineEntry | null = null;
    const statuses: string[] = [];
    for (const at of [day(0), day(0, 5), day(1), day(1, 23), day(2, 1), day(3, 2), day(4, 3)]) {
      entry = nextQuarantine('ann@example.com', entry, soft(at));
      statuses.push(`${entry!.status}:${entry!.errorCount}`);
    }
    expect(statuses).toEqual([
      'erroneous:1',
      'erroneous:1', // 5 hours after the first: not significant
      'erroneous:2',
      'erroneous:2', // 23 hours after the last significant one
      'erroneous:3',
      'erroneous:4',
      'quarantined:5',
    ]);
  });

  it('releases an erroneous address on a successful delivery or after 10 days without error', () => {
    const erroneous = nextQuarantine('ann@example.com', null, soft(day(0)))!;
    expect(nextQuarantine('ann@example.com', erroneous, { kind: 'delivered', at: day(1) })).toBeNull();
    expect(releasedByTime(erroneous, new Date(day(9)))).toBe(false);
    expect(releasedByTime(erroneous, new Date(day(10)))).toBe(true);
  });

  it('denylists on a complaint; quarantined and denylisted addresses never release by themselves', () => {
    const denylisted = nextQuarantine('ann@example.com', null, { kind: 'complaint', at: day(0) })!;
    expect(denylisted.status).toBe('denylisted');
    expect(nextQuarantine('ann@example.com', denylisted, { kind: 'delivered', at: day(1) })).toBe(denylisted);
    expect(releasedByTime(denylisted, new Date(day(60)))).toBe(false);
    const quarantined = nextQuarantine('ann@example.com', null, {
      kind: 'hard-bounce',
      reason: 'x',
      at: day(0),
    })!;
    expect(nextQuarantine('ann@example.com', quarantined, { kind: 'delivered', at: day(1) })).toBe(
      quarantined,
    );
    expect(nextQuarantine('ann@example.com', quarantined, soft(day(3)))).toBe(quarantined);
    expect(nextQuarantine('ann@example.com', quarantined, { kind: 'complaint', at: day(2) })?.status).toBe(
      'denylisted',
    );
    expect(releasedByTime(quarantined, new Date(day(60)))).toBe(false);
  });
});
