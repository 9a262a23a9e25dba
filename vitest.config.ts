import { defineConfig } from 'vitest/config';

/**
 * The product's four tiers (DESIGN section 8); `fuzz`: every API route under random bad input; `browser`: the
 * console driven in Debian's Chromium (playwright-core) against the embedded runtime; and `local`: the embedded
 * runtime's stand-ins for AWS (local/), from their pure parts to the runtime run as `npm start` runs it. `npm test`
 * runs them all; `vitest run --project unit` runs one. Integration starts the emulators once per run
 * (test/helpers/global-setup.ts); e2e, fuzz, browser and local tests start
 * what they use (the runtime as a child process, or an emulator and a stand-in in-process).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          env: { CDK_VALIDATION: 'false' },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          setupFiles: ['test/helpers/setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The runtimes they start serve the API only: no console build (the browser tier builds it).
          env: { CONSOLE_BUILD: 'off' },
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Property-based fuzzing of every API route against one embedded runtime (test/fuzz/api.test.ts).
        test: {
          name: 'fuzz',
          include: ['test/fuzz/**/*.test.ts'],
          // Its runtime serves the API only (the browser tier builds the console).
          env: { CONSOLE_BUILD: 'off' },
          testTimeout: 420_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'local',
          include: ['test/local/**/*.test.ts'],
          // Runtimes started here serve the API only (the browser tier builds the console).
          env: { CONSOLE_BUILD: 'off' },
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          // Builds console/dist once when it is missing or stale, before any runtime starts.
          globalSetup: ['test/browser/global-setup.ts'],
          expect: { poll: { timeout: 15_000 } },
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
