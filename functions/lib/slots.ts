/** A bound on work in flight: at most `max` run at once, the others wait their turn, in order. */
export const slots = (max: number) => {
  let inFlight = 0;
  const queue: Array<() => void> = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (inFlight >= max) await new Promise<void>((resolve) => queue.push(resolve));
    inFlight += 1;
    try {
      return await work();
    } finally {
      inFlight -= 1;
      queue.shift()?.();
    }
  };
};
