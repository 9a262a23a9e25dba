/**
 * The console in the embedded runtime: builds it if needed (in the background: the API is up without waiting)
 * and serves it. CONSOLE_BUILD=off skips the build and serves whatever console/dist holds (the e2e tier, which
 * tests the API only, sets it).
 */
import { type BuildOutcome, consolePaths, ensureConsoleBuilt } from './build.ts';
import { localConsoleConfig } from './config.ts';
import { type ConsoleBuildState, type ConsoleHandler, createConsoleHandler } from './serve.ts';

export interface LocalConsole {
  handler: ConsoleHandler;
  /** Settles when the build is done (or skipped, or failed: the error is logged and shown on the page). */
  built: Promise<BuildOutcome | 'skipped' | 'failed'>;
  stop(): Promise<void>;
}

export const startConsole = (options: { root: string; log: (line: string) => void }): LocalConsole => {
  const paths = consolePaths(options.root);
  let state: ConsoleBuildState = { state: 'building' };
  const abort = new AbortController();
  const skip = ['off', '0', 'false', 'no'].includes((process.env.CONSOLE_BUILD ?? '').toLowerCase());
  const built: LocalConsole['built'] = skip
    ? Promise.resolve('skipped' as const).finally(() => (state = { state: 'ready' }))
    : ensureConsoleBuilt(options.root, options.log, abort.signal).then(
        (outcome) => {
          state = { state: 'ready' };
          return outcome;
        },
        (error: unknown) => {
          const message = (error as Error).message;
          if (!abort.signal.aborted) console.error(`The console could not be built: ${message}`);
          state = { state: 'failed', error: message };
          return 'failed' as const;
        },
      );
  return {
    handler: createConsoleHandler({
      distDir: paths.distDir,
      config: localConsoleConfig,
      build: () => state,
    }),
    built,
    async stop() {
      abort.abort();
      await built;
    },
  };
};
