import { defineConfig } from 'vitest/config';

/**
 * Five tiers (DESIGN section 8). `npm test` runs them all; `vitest run --project unit` runs one. The browser tier
 * drives the console in Debian's Chromium (playwright-core) against the embedded runtime.
 * Integration and e2e start the emulators once per run (test/helpers/global-setup.ts).
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
