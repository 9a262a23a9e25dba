/** A clock whose timers run only when a test advances it, for code that takes `now`, `setTimeout`, `clearTimeout`. */

/** Lets promise chains run (macrotask turns; no time passes). */
export const flush = async (turns = 30) => {
  for (let i = 0; i < turns; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

export const fakeClock = (start: number) => {
  let time = start;
  let seq = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => time,
    setTimeout: (callback: () => void, ms: number) => {
      seq += 1;
      timers.set(seq, { at: time + ms, callback });
      return seq;
    },
    clearTimeout: (handle: unknown) => {
      timers.delete(handle as number);
    },
    /** Timers waiting. */
    timers: () => timers.size,
    /** Runs every timer due within `ms`, in time order, letting promises settle between them. */
    async advance(ms: number) {
      const target = time + ms;
      for (;;) {
        await flush();
        const next = [...timers.entries()].sort(([a, x], [b, y]) => x.at - y.at || a - b)[0];
        if (!next || next[1].at > target) break;
        timers.delete(next[0]);
        time = next[1].at;
        next[1].callback();
      }
      time = target;
      await flush();
    },
  };
};
