/** The SES latency the front plays: a log-normal distribution given by its median and 99th percentile. */
import { describe, expect, it } from 'vitest';
import { AWS_LIKE_LATENCY, latencySampler } from '#local/ses/latency.ts';

/** A seeded uniform source in [0, 1) (mulberry32): the same draws on every run. */
const seeded = (seed: number) => () => {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describe('latencySampler', () => {
  it('draws delays whose median and 99th percentile are the ones asked for', () => {
    const draw = latencySampler(AWS_LIKE_LATENCY, seeded(42));
    const delays = Array.from({ length: 20_000 }, draw).sort((a, b) => a - b);
    expect(delays[10_000]! / 60).toBeGreaterThan(0.95);
    expect(delays[10_000]! / 60).toBeLessThan(1.05);
    expect(delays[19_800]! / 250).toBeGreaterThan(0.9);
    expect(delays[19_800]! / 250).toBeLessThan(1.1);
    expect(delays[0]!).toBeGreaterThan(0);
  });

  it('refuses a median of 0 or a 99th percentile below the median', () => {
    expect(() => latencySampler({ medianMs: 0, p99Ms: 10 })).toThrow(RangeError);
    expect(() => latencySampler({ medianMs: 60, p99Ms: 50 })).toThrow(RangeError);
  });
});
