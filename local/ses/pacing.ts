/** The event simulator's pacing: sleeps on injectable timers that a stop cancels, and a bound on publishes at once. */
export type TimerHandle = unknown;

/** What a cancelled sleep rejects with. */
export class Stopped extends Error {
  override name = 'Stopped';
}

export interface Sleeper {
  /** Resolves after `ms` (at once when ≤ 0); rejects with Stopped once cancelled. */
  sleep(ms: number): Promise<void>;
  /** Clears every timer and rejects their sleeps, and any later one, with Stopped. */
  cancelAll(): void;
}

export const sleeper = (
  setTimer: (callback: () => void, ms: number) => TimerHandle,
  clearTimer: (handle: TimerHandle) => void,
): Sleeper => {
  let cancelled = false;
  const timers = new Map<TimerHandle, () => void>();
  return {
    sleep: (ms) =>
      new Promise<void>((resolve, reject) => {
        if (cancelled) return reject(new Stopped());
        if (ms <= 0) return resolve();
        const handle = setTimer(() => {
          timers.delete(handle);
          resolve();
        }, ms);
        timers.set(handle, () => reject(new Stopped()));
      }),
    cancelAll() {
      cancelled = true;
      for (const [handle, cancel] of timers) {
        clearTimer(handle);
        cancel();
      }
      timers.clear();
    },
  };
};

/** Runs at most `max` works at once; the others wait their turn, in order. */
export { slots } from '#functions/lib/slots.ts';
