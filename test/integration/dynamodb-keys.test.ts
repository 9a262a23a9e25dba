import { describe, expect, it } from 'vitest';
import {
  counterKey,
  fnv1a,
  historySk,
  memberKey,
  quarantineKey,
  SHARDS,
  sendingLogKey,
  shardLabel,
  shardOf,
  doubtPk,
  exclusionPageKey,
  leaseKey,
  outcomeKey,
  targetPageKey,
} from '#adapters/dynamodb/keys.ts';

describe('key design (shared/adapters/dynamodb/keys.ts)', () => {
  it('hashes with 32-bit FNV-1a over UTF-8, so shards never change across processes or releases', () => {
    // Published FNV-1a test vectors.
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    expect(shardOf('a')).toBe(0xc);
    expect(shardOf('foobar')).toBe(0x8);
    expect(shardOf('é')).toBe(fnv1a('é') % 16);
    expect(fnv1a('é')).not.toBe(fnv1a('e'));
  });

  it('spreads ids evenly over the 16 shards (no shard takes much more than 1/16 of the writes)', () => {
    const counts = new Array<number>(SHARDS).fill(0);
    for (let i = 0; i < 16_000; i++)
      counts[shardOf(`0190b4c5-${i.toString(16).padStart(4, '0')}-7d1e-9a2b`)]! += 1;
    expect(Math.max(...counts)).toBeLessThan(1_150);
    expect(Math.min(...counts)).toBeGreaterThan(850);
  });

  it('builds the documented keys', () => {
    const shard = shardLabel(shardOf('prof-1'));
    expect(sendingLogKey({ deliveryId: 'd1', version: 2 }, 'prof-1')).toEqual({
      pk: `D#d1#v2#${shard}`,
      sk: 'R#prof-1',
    });
    expect(targetPageKey({ deliveryId: 'd1', version: 2 }, 7, 'prof-1')).toEqual({
      pk: 'D#d1#v2#07',
      sk: 'T#prof-1',
    });
    expect(leaseKey({ deliveryId: 'd1', version: 2 }, 7, 'prof-1')).toEqual({
      pk: 'D#d1#v2#07',
      sk: 'L#prof-1',
    });
    expect(exclusionPageKey({ deliveryId: 'd1', version: 2 }, 7, 'p9')).toEqual({
      pk: 'X#d1#v2#07',
      sk: 'P#p9',
    });
    expect(doubtPk({ deliveryId: 'd1', version: 2 })).toBe('D#d1#v2');
    expect(outcomeKey('m1', 'Bounce', ' Ann@Example.COM')).toEqual({
      pk: 'OUT#m1',
      sk: 'Bounce#ann@example.com',
    });
    expect(memberKey('a1', 'prof-1')).toEqual({ pk: `A#a1#M#${shard}`, sk: 'prof-1' });
    expect(counterKey('d1', 3)).toEqual({ pk: 'D#d1#C#03', sk: 'COUNT' });
    expect(quarantineKey(' Ann@Example.COM ')).toEqual({ pk: 'Q#ann@example.com', sk: 'QUARANTINE' });
    expect(historySk('2026-11-22T10:00:00.000Z', 'd1')).toBe('2026-11-22T10:00:00.000Z#d1');
    expect(() => shardLabel(16)).toThrow(RangeError);
  });
});
