/**
 * The console in a real Chromium against the embedded runtime, as a marketer and a delivery manager use it:
 * sign in without the Start deliveries role (banner, no Confirm), import a CSV into a new audience, create and
 * prepare a delivery, confirm it in the dialog as a Start deliveries user, follow the progress to the end and
 * find every KPI tile equal to the API's Deployment block, compute stats after an open and a click, read the logs
 * with their filters and CSV exports, confirm a waiting recurring execution, and read a profile's history.
 * Every screen is checked with axe-core and photographed into test-results/console/.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { client, useRuntime, waitFor } from '#test/helpers/runtime.ts';
import { expectAccessible, screenshot, useBrowser } from './browser.ts';

const runtime = useRuntime({
  seed: false,
  env: { SES_EVENT_DELAY_SCALE: '0', SEND_RATE_LIMIT: '4', LOG_LEVEL: 'ERROR' },
});
const browser = useBrowser();

const SIM = 'simulator.amazonses.com';
const AUDIENCE = 'Browser journey';
const LABEL = 'Winter sale (browser)';
const CONFIRM_REFUSED = 'Your permissions do not allow you to confirm a delivery.';

/** The import file: ten good contacts on the mailbox simulator, one bad address, one bad time zone. */
const CSV = [
  'Customer ID,Email,First name,Last name,Time zone,Unsubscribed',
  ...Array.from({ length: 8 }, (_, i) => `bj-${i},success+bj${i}@${SIM},Ann${i},Lee,Europe/Paris,no`),
  `bj-8,bounce+bj8@${SIM},Bob,Bounce,,no`,
  `bj-9,success+bj9@${SIM},Dee,Optout,,yes`,
  'bj-10,not-an-address,Cy,,,no',
  `bj-11,success+bj11@${SIM},Eve,,Moon/Base,no`,
].join('\n');

// The figures as the console writes them (lib/format.ts): en-US counts, rates with one decimal.
const count = (n: number) => new Intl.NumberFormat('en-US').format(n);
const rate = (r: number) => `${(r * 100).toFixed(1)} %`;

describe('the console in Chromium', () => {
  let page: Page;
  let api: ReturnType<typeof client>;
  let admin: string;
  let deliveryId = '';
  const folder = mkdtempSync(join(tmpdir(), 'cas-browser-'));
  const errors: string[] = [];

  beforeAll(async () => {
    api = client(runtime().url);
    admin = await api.signIn('ada', ['administration', 'start-deliveries']);
    const context = await browser().newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => errors.push(error.message));
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      await screenshot(page, `failed-${context.task.name.slice(0, 40)}`);
  });

  afterAll(() => {
    expect(errors, 'errors thrown in the page').toEqual([]);
  });

  const go = async (path: string) => {
    await page.goto(`${runtime().url}${path}`);
  };

  const signIn = async (username: string) => {
    await go('/console/sign-in');
    await page.getByRole('button', { name: `Sign in as ${username}` }).click();
    await page
      .getByRole('heading', { name: /Deliveries/ })
      .first()
      .waitFor();
  };

  const signOut = async () => {
    await page
      .locator('#top-nav')
      .getByRole('button', { name: /stella|pat|ada|wendy/ })
      .click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Confirm and send' }).waitFor();
  };

  /** Picks an option of a Cloudscape select opened by its trigger. */
  const choose = async (trigger: Locator, option: RegExp | string) => {
    await trigger.click();
    await page.getByRole('option', { name: option }).first().click();
  };

  const deployment = async (id: string) =>
    (await api.api('GET', '/deliveries/{id}', { id }, { token: admin })).body.deployment;

  it('signs in from the list of demo users', async () => {
    await go('/');
    await page.getByRole('heading', { name: 'Sign in to Confirm and send' }).waitFor();
    await expect.poll(() => page.getByRole('button', { name: /^Sign in as / }).count()).toBe(4);
    await expectAccessible(page, 'sign-in');
    await screenshot(page, '01-sign-in');
    await signIn('pat');
    await expect.poll(() => page.locator('#top-nav').textContent()).toContain('pat');
  });

  it('imports a CSV into a new audience: validation errors per line, then created / updated / rejected', async () => {
    const file = join(folder, 'contacts.csv');
    writeFileSync(file, CSV);
    await go('/console/import');
    await page.locator('input[type=file]').setInputFiles(file);
    await page.getByText('CSV with 6 columns and 12 rows.').waitFor();
    await page.getByLabel('Name of the new audience').fill(AUDIENCE);
    await expectAccessible(page, 'import');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    // The mapping was guessed from the header line.
    await expect
      .poll(() => page.getByRole('button', { name: /^Email address/ }).textContent())
      .toContain('Email');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await expect.poll(() => page.locator('[data-review=valid]').textContent()).toBe('10');
    await expect.poll(() => page.locator('[data-review=rejected]').textContent()).toBe('2');
    await expect
      .poll(() => page.getByRole('row', { name: /^12 / }).textContent())
      .toContain('must be an email address');
    await expect
      .poll(() => page.getByRole('row', { name: /^13 / }).textContent())
      .toContain('unknown IANA time zone');
    await screenshot(page, '02-import-review');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('[data-summary=created]').textContent()).toBe('10');
    await expect.poll(() => page.locator('[data-summary=updated]').textContent()).toBe('0');
    await expect.poll(() => page.locator('[data-summary=rejected]').textContent()).toBe('2');
    await expectAccessible(page, 'import summary');
    await page.getByRole('button', { name: 'Open the audience', exact: true }).click();
    await page.getByRole('heading', { name: AUDIENCE }).waitFor();
    await page.getByText('10 members').waitFor();
    await page.getByRole('link', { name: 'bj-0' }).waitFor();
    await expectAccessible(page, 'audience');
  });

  it('creates and prepares a delivery; without Start deliveries: the banner and no Confirm button', async () => {
    await go('/console/deliveries/new');
    await page.getByLabel('Label').fill(LABEL);
    await page.getByLabel('From').fill('Marketing <news@example.com>');
    await page.getByLabel('Subject').fill('Our winter sale');
    await page.getByLabel('HTML', { exact: true }).fill('<h1>Winter sale</h1><p>Up to 50% off.</p>');
    await page.getByLabel('Text', { exact: true }).fill('Winter sale: up to 50% off.');
    await choose(page.getByRole('button', { name: /^Audience/ }), new RegExp(AUDIENCE));
    await expect
      .poll(() => page.frameLocator('iframe[title="HTML preview"]').getByRole('heading').textContent())
      .toBe('Winter sale');
    await expectAccessible(page, 'create delivery');
    await screenshot(page, '03-create-delivery');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: LABEL, level: 1 }).waitFor();
    deliveryId = page.url().split('/').pop()!;

    await page.getByRole('button', { name: 'Prepare', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('status-text').textContent(), { timeout: 30_000 })
      .toBe('Send preparation completed. Confirm to start sending.');
    await page.getByText(CONFIRM_REFUSED).waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Confirm send', exact: true }).count()).toBe(0);
    // Exclusions by cause: the opted-out profile.
    await expect.poll(() => page.locator('[data-exclusion=opted-out]').first().textContent()).toBe('1');
    await expect.poll(() => page.locator('[data-kpi=toDeliver] [data-kpi-value]').textContent()).toBe('9');
    await expectAccessible(page, 'dashboard without the role');
    await screenshot(page, '04-dashboard-without-start-deliveries');
  });

  it('confirms in the dialog as a Start deliveries user; progress moves to the end; every tile equals the API', async () => {
    await signOut();
    await signIn('ada');
    await go(`/console/deliveries/${deliveryId}`);
    await expect.poll(() => page.getByText(CONFIRM_REFUSED).count()).toBe(0);
    await page.getByRole('button', { name: 'Confirm send', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Confirm send' }).waitFor();
    await expect.poll(() => dialog.textContent()).toContain('Messages are ready to be sent immediately.');
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).waitFor();
    await expectAccessible(page, 'confirm dialog');
    await screenshot(page, '05-confirm-send');
    await dialog.getByRole('button', { name: 'OK', exact: true }).click();

    // Paced at 4 messages a second: the dashboard shows the send moving before it ends.
    await expect
      .poll(() => page.getByTestId('status-text').textContent(), { timeout: 15_000 })
      .toBe('Sending');
    await expect.poll(() => page.getByTestId('progress-counts').textContent()).toContain('to deliver');
    await expect
      .poll(() => page.getByTestId('status-text').textContent(), { timeout: 60_000 })
      .toBe('All messages have been processed.');
    await waitFor(
      'every SES event',
      async () => {
        const d = await deployment(deliveryId);
        return d.kpis.delivered + d.kpis.bouncesAndErrors === d.kpis.toDeliver;
      },
      60_000,
    );
    const expected = async () => {
      const { kpis } = await deployment(deliveryId);
      return {
        toDeliver: count(kpis.toDeliver),
        sent: count(kpis.sent),
        delivered: rate(kpis.deliveredRate),
        bouncesAndErrors: rate(kpis.bouncesAndErrorsRate),
        openRate: rate(kpis.openRate),
        clickThroughRate: rate(kpis.clickThroughRate),
      };
    };
    const shown = async () =>
      Object.fromEntries(
        await Promise.all(
          ['toDeliver', 'sent', 'delivered', 'bouncesAndErrors', 'openRate', 'clickThroughRate'].map(
            async (id) =>
              [id, await page.locator(`[data-kpi=${id}] [data-kpi-value]`).textContent()] as const,
          ),
        ),
      );
    await expect.poll(shown, { timeout: 20_000 }).toEqual(await expected());
    expect(await shown()).toMatchObject({
      toDeliver: '9',
      sent: '9',
      delivered: '88.9 %',
      bouncesAndErrors: '11.1 %',
    });
    await expectAccessible(page, 'dashboard finished');
    await screenshot(page, '06-dashboard-finished');
  });

  it('computes stats after an open and a click: the tracking tiles move', async () => {
    const journal = (await api.request('GET', '/local/ses/journal')).body.items as Array<{
      destination: { to: string[] };
      openUrl?: string;
      clickUrl?: string;
    }>;
    const ann = journal.find((m) => m.destination.to[0] === `success+bj0@${SIM}` && m.openUrl)!;
    expect((await fetch(ann.openUrl!)).status).toBe(200);
    expect((await fetch(ann.clickUrl!, { redirect: 'manual' })).status).toBe(302);
    await waitFor('the click in the tracking log', async () => {
      const log = await api.api(
        'GET',
        '/deliveries/{id}/tracking-logs',
        { id: deliveryId },
        { token: admin },
      );
      return log.body.items.some((e: { type: string }) => e.type === 'click');
    });
    await page.getByRole('button', { name: 'Compute stats', exact: true }).click();
    await page.getByText(/Statistics computed at/).waitFor();
    const { kpis } = await deployment(deliveryId);
    expect(kpis.uniqueClicks).toBe(1);
    await expect
      .poll(() => page.locator('[data-kpi=openRate] [data-kpi-value]').textContent())
      .toBe(rate(kpis.openRate));
    await expect
      .poll(() => page.locator('[data-kpi=clickThroughRate] [data-kpi-value]').textContent())
      .toBe(rate(kpis.clickThroughRate));
    await expect
      .poll(() => page.locator('[data-kpi=clickThroughRate]').textContent())
      .toContain('1 unique clicks');
  });

  it('reads the logs with their filters and exports each to CSV', async () => {
    await go(`/console/logs/${deliveryId}`);
    await page.getByRole('heading', { name: 'Sending log' }).waitFor();
    await choose(page.getByRole('button', { name: /Filter by status/ }), 'failed');
    await expect.poll(() => page.getByRole('row', { name: /bj-8/ }).textContent()).toContain('hard');
    await expect.poll(() => page.getByRole('row', { name: /bj-0/ }).count()).toBe(0);
    await expectAccessible(page, 'sending log');
    await screenshot(page, '07-logs-sending');
    const downloadOf = async () => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV', exact: true }).first().click(),
      ]);
      return { name: download.suggestedFilename(), text: readFileSync((await download.path())!, 'utf8') };
    };
    const failed = await downloadOf();
    expect(failed.name).toMatch(/sending-log-failed\.csv$/);
    const failedLines = failed.text.trim().split(/\r?\n/);
    expect(failedLines[0]).toMatch(/^recipientId,profileId,email,status,failureType/);
    expect(failedLines.slice(1).map((l) => l.split(',')[1])).toEqual(['bj-8']);

    await page.getByRole('tab', { name: 'Exclusion' }).click();
    await expect.poll(() => page.locator('[data-exclusion=opted-out]').textContent()).toBe('1');
    await expect
      .poll(() => page.getByRole('row', { name: /bj-9/ }).textContent())
      .toContain('Profile opted out');
    await expectAccessible(page, 'exclusion log');
    const excluded = await downloadOf();
    expect(excluded.text).toMatch(/bj-9,.*opted-out/);

    await page.getByRole('tab', { name: 'Tracking' }).click();
    await choose(page.getByRole('button', { name: /Filter by type/ }), 'click');
    await expect.poll(() => page.getByRole('row', { name: /bj-0/ }).textContent()).toContain('click');
    await expectAccessible(page, 'tracking log');
    const clicks = await downloadOf();
    expect(clicks.name).toMatch(/tracking-log-click\.csv$/);
    expect(clicks.text.trim().split(/\r?\n/)).toHaveLength(2);
  });

  it('confirms a waiting execution of a recurring delivery from its executions', async () => {
    const audiences = await api.api('GET', '/audiences', {}, { token: admin });
    const audienceId = audiences.body.items.find((a: { name: string }) => a.name === AUDIENCE).id as string;
    const created = await api.api(
      'POST',
      '/deliveries',
      {},
      {
        token: admin,
        body: {
          label: 'Daily digest (browser)',
          audienceId,
          content: { from: 'news@example.com', subject: 'Digest', html: '<p>Digest</p>', text: 'Digest' },
          recurrence: { expression: 'rate(1 day)', timeZone: 'Europe/Paris', requestConfirmation: true },
        },
      },
    );
    const parentId = created.body.id as string;
    await api.api('POST', '/deliveries/{id}/prepare', { id: parentId }, { token: admin });
    await waitFor('the recurring delivery prepared', async () => {
      return (
        (await api.api('GET', '/deliveries/{id}', { id: parentId }, { token: admin })).body.state === 'ready'
      );
    });
    await api.api('POST', '/deliveries/{id}/confirm', { id: parentId }, { token: admin });
    // What EventBridge Scheduler does at an occurrence: invoke the schedule target with the schedule's input.
    const fired = await api.request('POST', '/local/invoke/scheduledStart', {
      body: { deliveryId: parentId, kind: 'recurring', scheduledTime: new Date().toISOString() },
    });
    expect(fired.status).toBe(200);
    await waitFor('the execution prepared, waiting for a confirm', async () => {
      const list = await api.api('GET', '/deliveries/{id}/executions', { id: parentId }, { token: admin });
      return list.body.items[0]?.state === 'ready';
    });

    await go('/console/recurring');
    await page.getByRole('link', { name: 'View executions' }).click();
    await page.getByRole('heading', { name: 'Daily digest (browser)' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Ready to be delivered' });
    await expect.poll(() => row.count()).toBe(1);
    await expectAccessible(page, 'executions');
    await screenshot(page, '08-recurring-executions');
    await row.getByRole('button', { name: /^Confirm send: execution of/ }).click();
    await expect
      .poll(() => page.getByRole('dialog').textContent())
      .toContain('Messages are ready to be sent immediately.');
    await page.getByRole('dialog').getByRole('button', { name: 'OK', exact: true }).click();
    await page.getByText('Execution confirmed: sending.').waitFor();
    await expect
      .poll(
        () =>
          page
            .getByRole('row')
            .filter({ hasText: /Sending|Finished/ })
            .count(),
        { timeout: 30_000 },
      )
      .toBe(1);
  });

  it("shows a profile's history with its opens and clicks", async () => {
    await go('/console/profiles/bj-0');
    await page.getByRole('heading', { name: 'Ann0 Lee' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: LABEL });
    await expect.poll(() => row.textContent()).toContain('delivered');
    await expect.poll(() => row.locator('[data-history-opens]').textContent()).toBe('1');
    await expect.poll(() => row.locator('[data-history-clicks]').textContent()).toBe('1');
    await expectAccessible(page, 'profile');
    await screenshot(page, '09-profile-history');
  });

  it('lists the deliveries with the ACS status groups and search, and reads well on a phone', async () => {
    await go('/console/deliveries');
    await expect
      .poll(() => page.getByRole('row').filter({ hasText: LABEL }).textContent())
      .toContain('Finished');
    await choose(page.getByRole('button', { name: /Filter by state/ }), 'Erroneous');
    await expect.poll(() => page.getByRole('row').filter({ hasText: LABEL }).count()).toBe(0);
    await choose(page.getByRole('button', { name: /Filter by state/ }), 'Finished');
    await expect.poll(() => page.getByRole('row').filter({ hasText: LABEL }).count()).toBe(1);
    await page.getByLabel('Search deliveries by label').fill('digest');
    await page.getByText('No delivery matches the search and the state filter.').waitFor();
    await page.getByRole('button', { name: 'Clear filters', exact: true }).click();
    await expect
      .poll(() => page.getByRole('row').filter({ hasText: 'Daily digest (browser)' }).count())
      .toBe(1);
    await expectAccessible(page, 'deliveries');
    await screenshot(page, '10-deliveries');
    await go('/console/audiences');
    await page.getByRole('link', { name: AUDIENCE }).waitFor();
    await expectAccessible(page, 'audiences');
    await screenshot(page, '11-audiences');

    await page.setViewportSize({ width: 390, height: 844 });
    await go(`/console/deliveries/${deliveryId}`);
    await page.locator('[data-kpi=sent] [data-kpi-value]').waitFor();
    await expectAccessible(page, 'dashboard on a phone');
    await screenshot(page, '12-dashboard-phone');
    // No horizontal scrolling: the page is as wide as the phone.
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
  });
});
