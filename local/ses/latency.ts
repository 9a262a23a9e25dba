/**
 * SES's answer time, as the SES front injects it to play AWS (about 60 ms median, 250 ms at the 99th percentile):
 * a log-normal distribution given by its median and 99th percentile. Pure: the random source is passed in.
 */

export interface Latency {
  medianMs: number;
  p99Ms: number;
}

/** The 99th percentile of the standard normal distribution. */
const Z99 = 2.3263;

/** A sampler of `latency`: each call draws one delay in milliseconds. */
export const latencySampler = (latency: Latency, random: () => number = Math.random): (() => number) => {
  if (!(latency.medianMs > 0 && latency.p99Ms >= latency.medianMs)) {
    throw new RangeError('latency: the median must be above 0 and the 99th percentile at least the median');
  }
  const mu = Math.log(latency.medianMs);
  const sigma = Math.log(latency.p99Ms / latency.medianMs) / Z99;
  return () => {
    // Box-Muller: a standard normal from two uniforms in (0, 1].
    const u = 1 - random();
    const v = random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.exp(mu + sigma * z);
  };
};

/** AWS-like SES latency (limits.md: SendEmail answers in tens of milliseconds, a few hundred at the tail). */
export const AWS_LIKE_LATENCY: Latency = { medianMs: 60, p99Ms: 250 };
