/**
 * Chromium for the browser tier: Debian's chromium driven by playwright-core (no browser download), as
 * CHROMIUM_PATH or /usr/bin/chromium, headless, with the flags this machine's closed network needs. Screenshots go
 * to test-results/console/ (gitignored); axe-core checks each screen for serious and critical violations.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

export const SCREENSHOTS = resolve(import.meta.dirname, '../../test-results/console');

export const useBrowser = (): (() => Browser) => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('The browser is not started');
    return browser;
  };
};

/**
 * A screenshot of the screen, as test-results/console/<name>.png: the full page, or (`{ fullPage: false }`, for a
 * dialog, whose overlay covers the viewport only) what the viewport shows.
 */
export const screenshot = async (
  page: Page,
  name: string,
  { fullPage = true }: { fullPage?: boolean } = {},
): Promise<void> => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage, animations: 'disabled' });
};

/** axe-core on the page as it stands: no serious or critical violation (each is listed when one is found). */
export const expectAccessible = async (page: Page, screen: string): Promise<void> => {
  // The message previews are sandboxed iframes of the marketer's own HTML: no script runs there, axe's included,
  // so frames are left out (legacy mode: axe.run in the page itself, no frame messaging, no helper page).
  const results = await new AxeBuilder({ page })
    .setLegacyMode()
    .exclude('iframe')
    .options({ iframes: false })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(serious, `accessibility of ${screen}`).toEqual([]);
};
