/**
 * The console in a real Chromium against the embedded runtime, as a marketer and a delivery manager use it:
 * sign in without the Start deliveries role (banner, no Confirm), import a CSV into a new audience, create and
 * prepare a delivery, confirm it in the dialog as a Start deliveries user, follow the progress to the end and
 * find every KPI tile equal to the API's Deployment block, compute stats after human and machine opens and
 * clicks (the human rates beside the all-events ones), send a proof and follow its addresses, read the logs with
 * their filters (the tracking log's classification too) and CSV exports, find a send the reputation guard paused
 * and resume it, stop it and resend to who did not get it, confirm a waiting recurring execution, and read a
 * profile's history and its opt-out. Every screen is checked with axe-core, runs under the console's
 * Content-Security-Policy (a violation fails the run), and is photographed into test-results/console/.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { client, useRuntime, waitFor } from '#test/helpers/runtime.ts';
import { expectAccessible, screenshot, useBrowser } from './browser.ts';

// The reputation guard judges after 4 processed recipients and pauses above 50 % hard bounces: the journey's
// delivery (one bounce in nine) never reaches it, the guard's own (every address bounces) always does.
const runtime = useRuntime({
  seed: false,
  env: {
    SES_EVENT_DELAY_SCALE: '0',
    SEND_RATE_LIMIT: '4',
    LOG_LEVEL: 'ERROR',
    GUARD_BOUNCE_RATE: '0.5',
    GUARD_MIN_PROCESSED: '4',
  },
});
const browser = useBrowser();

const SIM = 'simulator.amazonses.com';
const AUDIENCE = 'Browser journey';
const LABEL = 'Winter sale (browser)';
const CONFIRM_REFUSED = 'Your permissions do not allow you to confirm a delivery.';
const GUARD_LABEL = 'Bounce storm (browser)';

// What reads a message: a mail client (human), Apple Mail Privacy Protection's prefetch and a security gateway's
// link check (machine), by the rules of shared/domain/engagement.ts.
const MAIL_CLIENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.4.0';
const APPLE_MPP = 'Mozilla/5.0';
const SECURITY_GATEWAY = 'Mozilla/5.0 (compatible; Proofpoint URL Defense)';

interface JournalEntry {
  destination: { to: string[] };
  tags: Array<{ name: string; value: string }>;
  messageId?: string;
  openUrl?: string;
  clickUrl?: string;
}

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
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
      // Cloudscape honours it: axe then checks what a screen settles to, not a frame of an entrance animation.
      reducedMotion: 'reduce',
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => errors.push(error.message));
    // The runtime serves the console's Content-Security-Policy, as CloudFront does in AWS: nothing may break it.
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
        errors.push(message.text());
    });
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

  const delivery = async (id: string) =>
    (await api.api('GET', '/deliveries/{id}', { id }, { token: admin })).body as {
      state: string;
      history: Array<{ action: string; by: { username?: string; system?: string } }>;
      deployment: { progress: { processed: number; toDeliver: number } };
      resendOf?: { deliveryId: string; label: string };
      audienceId: string;
    };

  const journal = async () => (await api.request('GET', '/local/ses/journal')).body.items as JournalEntry[];

  /** The journaled message sent to `address` (with its tracking URLs); a proof's carries the tag `proof`. */
  const messageTo = async (address: string, kind: 'recipient' | 'proof' = 'recipient') =>
    (await journal()).find(
      (m) => m.destination.to[0] === address && m.openUrl && m.tags.some((t) => t.name === kind),
    )!;

  /** A reader (or a machine) opens a message, or follows its link, with this user agent. */
  const track = async (url: string, userAgent: string) =>
    (await fetch(url, { headers: { 'user-agent': userAgent }, redirect: 'manual' })).status;

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

  it('sends a proof as a Prepare deliveries user and follows each address: status, opens, clicks', async () => {
    await page.getByRole('heading', { name: 'Proofs' }).waitFor();
    await page.getByText('No proof sent yet').waitFor();
    await page.getByRole('button', { name: 'Send a proof', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Send a proof' }).waitFor();
    const addresses = dialog.getByRole('textbox', { name: 'Addresses' });
    // Checked before anything is sent: a bad address is named, repeats count once.
    await addresses.fill(`success+proof@${SIM}, not-an-address`);
    await dialog.getByRole('button', { name: 'Send the proof', exact: true }).click();
    await dialog.getByText('Not an email address: not-an-address').waitFor();
    await addresses.fill(`success+proof@${SIM}\nbounce+proof@${SIM}\nSUCCESS+proof@${SIM}`);
    await dialog.getByText('2 of 20 addresses').waitFor();
    await expectAccessible(page, 'send a proof');
    await screenshot(page, '13-send-proof', { fullPage: false });
    await dialog.getByRole('button', { name: 'Send the proof', exact: true }).click();
    await page.getByText(/Proof sent to 2 addresses: "\[Proof\] Our winter sale"/).waitFor();
    const status = (address: string) => page.locator(`[data-proof-status="${address}"]`).textContent();
    await expect.poll(() => status(`success+proof@${SIM}`), { timeout: 20_000 }).toBe('delivered');
    await expect.poll(() => status(`bounce+proof@${SIM}`), { timeout: 20_000 }).toBe('bounced');

    // The reader opens the proof and follows its link: the proof's row counts them.
    const proof = await messageTo(`success+proof@${SIM}`, 'proof');
    expect(await track(proof.openUrl!, MAIL_CLIENT)).toBe(200);
    expect(await track(proof.clickUrl!, MAIL_CLIENT)).toBe(302);
    const row = page.getByRole('row').filter({ hasText: `success+proof@${SIM}` });
    await expect
      .poll(async () => (await row.locator('td').allTextContents()).slice(-3, -1), { timeout: 20_000 })
      .toEqual(['1', '1']);
    // A proof counts in no KPI and no log of recipients.
    const { kpis } = await deployment(deliveryId);
    expect([kpis.toDeliver, kpis.sent, kpis.uniqueOpens, kpis.uniqueClicks]).toEqual([9, 0, 0, 0]);
    await expectAccessible(page, 'dashboard with proofs');
    await screenshot(page, '14-proofs');
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
    await screenshot(page, '05-confirm-send', { fullPage: false });
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

  it('computes stats after human and machine opens and clicks: the human rates beside the all-events ones', async () => {
    // Ann opens in her mail client (human) and her gateway checks the link (machine); Bob's Apple Mail prefetches
    // the pixel (machine).
    const ann = await messageTo(`success+bj0@${SIM}`);
    const bob = await messageTo(`success+bj1@${SIM}`);
    expect(await track(ann.openUrl!, MAIL_CLIENT)).toBe(200);
    expect(await track(ann.clickUrl!, SECURITY_GATEWAY)).toBe(302);
    expect(await track(bob.openUrl!, APPLE_MPP)).toBe(200);
    await waitFor('the opens and the click in the tracking log', async () => {
      const log = await api.api(
        'GET',
        '/deliveries/{id}/tracking-logs',
        { id: deliveryId },
        { token: admin },
      );
      return log.body.items.length === 3;
    });
    await page.getByRole('button', { name: 'Compute stats', exact: true }).click();
    await page.getByText(/Statistics computed at/).waitFor();
    const { kpis } = await deployment(deliveryId);
    expect([kpis.uniqueOpens, kpis.uniqueHumanOpens, kpis.uniqueClicks, kpis.uniqueHumanClicks]).toEqual([
      2, 1, 1, 0,
    ]);
    const tile = (id: string) => page.locator(`[data-kpi=${id}] [data-kpi-value]`).textContent();
    await expect.poll(() => tile('openRate')).toBe(rate(kpis.openRate));
    await expect.poll(() => tile('humanOpenRate')).toBe(rate(kpis.humanOpenRate));
    await expect.poll(() => tile('clickThroughRate')).toBe(rate(kpis.clickThroughRate));
    await expect.poll(() => tile('humanClickThroughRate')).toBe(rate(kpis.humanClickThroughRate));
    expect(
      await Promise.all(['openRate', 'humanOpenRate', 'clickThroughRate', 'humanClickThroughRate'].map(tile)),
    ).toEqual(['25.0 %', '12.5 %', '12.5 %', '0.0 %']);
    await expect
      .poll(() => page.locator('[data-kpi=clickThroughRate]').textContent())
      .toContain('1 unique clicks');
    await expect
      .poll(() => page.locator('[data-kpi=humanOpenRate]').textContent())
      .toContain('Open rate (human)');
    await expect.poll(() => page.getByTestId('human-explanation').textContent()).toContain('Human: without');
    // What "human" means, from the keyboard: the info button opens its explanation.
    await page.getByRole('button', { name: 'What human means' }).first().focus();
    await page.keyboard.press('Enter');
    await page.getByText('Apple Mail Privacy Protection (the bare user agent Mozilla/5.0)').waitFor();
    await expectAccessible(page, 'human rates');
    await screenshot(page, '15-human-rates');
    await page.keyboard.press('Escape');
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
    await expect
      .poll(() => page.getByRole('row', { name: /bj-0/ }).textContent())
      .toContain('machineSecurity scanner, bot or HTTP library');
    await expectAccessible(page, 'tracking log');
    const clicks = await downloadOf();
    expect(clicks.name).toMatch(/tracking-log-click\.csv$/);
    const clickLines = clicks.text.trim().split(/\r?\n/);
    expect(clickLines).toHaveLength(2);
    expect(clickLines[0]).toMatch(/^profileId,recipientId,type,at,classification,classificationRule,/);
    expect(clickLines[1]).toMatch(/^bj-0,.*,click,.*,machine,scanner-user-agent,/);

    // By classification (a filter the console applies to the API's pages): two machine events, one human.
    await choose(page.getByRole('button', { name: /Filter by type/ }), 'All types');
    await choose(page.getByRole('button', { name: /Filter by classification/ }), /^machine/);
    const rows = page.getByRole('row').filter({ has: page.locator('[data-classification]') });
    await expect
      .poll(async () => (await rows.allTextContents()).map((t) => /bj-\d+/.exec(t)?.[0]).sort())
      .toEqual(['bj-0', 'bj-1']);
    await choose(page.getByRole('button', { name: /Filter by classification/ }), /^human/);
    await expect
      .poll(async () => (await rows.allTextContents()).map((t) => /bj-\d+.*?(open|click)/.exec(t)?.[0]))
      .toEqual([expect.stringMatching(/^bj-0.*open$/)]);
    await expectAccessible(page, 'tracking log by classification');
    await screenshot(page, '16-logs-tracking-classification');
    const human = await downloadOf();
    expect(human.name).toMatch(/tracking-log-human\.csv$/);
    expect(human.text.trim().split(/\r?\n/).slice(1)).toEqual([
      expect.stringMatching(/^bj-0,.*,open,.*,human,mail-client,/),
    ]);
  });

  it('shows a send the reputation guard paused, resumes it, stops it, and resends to who did not get it', async () => {
    // Forty addresses that all bounce: the guard pauses the send once four are processed.
    const profiles = Array.from({ length: 40 }, (_, i) => ({ id: `g-${i}`, email: `bounce+g${i}@${SIM}` }));
    await api.api('POST', '/profiles:batch', {}, { token: admin, body: { profiles } });
    const audience = await api.api(
      'POST',
      '/audiences',
      {},
      { token: admin, body: { name: 'Guard (browser)' } },
    );
    const audienceId = audience.body.id as string;
    await api.api(
      'POST',
      '/audiences/{id}/members:batch',
      { id: audienceId },
      { token: admin, body: { profileIds: profiles.map((p) => p.id) } },
    );
    const created = await api.api(
      'POST',
      '/deliveries',
      {},
      {
        token: admin,
        body: {
          label: GUARD_LABEL,
          audienceId,
          content: { from: 'news@example.com', subject: 'Storm', html: '<p>Storm</p>', text: 'Storm' },
        },
      },
    );
    const guardedId = created.body.id as string;
    await api.api('POST', '/deliveries/{id}/prepare', { id: guardedId }, { token: admin });
    await waitFor('the guarded delivery prepared', async () => (await delivery(guardedId)).state === 'ready');
    await api.api('POST', '/deliveries/{id}/confirm', { id: guardedId }, { token: admin });
    await waitFor(
      'the reputation guard to pause it',
      async () => (await delivery(guardedId)).state === 'paused',
    );

    await go(`/console/deliveries/${guardedId}`);
    await page.getByText('Paused by the reputation guard', { exact: true }).waitFor();
    await expect
      .poll(() => page.getByTestId('guard-reason').textContent())
      .toMatch(/^Reputation guard: bounce rate .* hard bounces of \d+ processed\) is above 50 %$/);
    await expectAccessible(page, 'paused by the guard');
    await screenshot(page, '17-paused-by-guard');
    // Resume from the banner (Start deliveries), after the usual question.
    await page.getByRole('button', { name: 'Resume', exact: true }).first().click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume', exact: true }).click();
    await page.getByText('Resumed.').waitFor();
    await waitFor('the resume by ada in the history', async () =>
      (await delivery(guardedId)).history.some((h) => h.action === 'resume' && h.by.username === 'ada'),
    );
    // The guard judges only what happens after the resume: it may pause again. Stop the send either way.
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop', exact: true }).click();
    await waitFor(
      'the guarded delivery stopped',
      async () => (await delivery(guardedId)).state === 'stopped',
    );
    await expect.poll(() => page.getByTestId('status-text').textContent()).toBe('Stopped');

    // Who did not get it: the recipients the stop canceled (the hard bounces are never resent), once the stop
    // has reached every pending one.
    await waitFor('no pending recipient left', async () => {
      const pending = await api.request(
        'GET',
        `/deliveries/${guardedId}/sending-logs?status=pending&limit=1`,
        {
          token: admin,
        },
      );
      return pending.body.items.length === 0;
    });
    const canceled = await api.request(
      'GET',
      `/deliveries/${guardedId}/sending-logs?status=canceled&limit=100`,
      { token: admin },
    );
    const expected = canceled.body.items.length as number;
    expect(expected).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Resend to who did not get it', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect
      .poll(() => dialog.getByTestId('resend-count').textContent())
      .toBe(`${count(expected)} recipient${expected === 1 ? '' : 's'}`);
    await expect
      .poll(() => dialog.locator('[data-resend-cause=canceled]').textContent())
      .toBe(count(expected));
    await expect.poll(() => dialog.locator('[data-resend-cause=soft-bounce]').textContent()).toBe('0');
    await expect.poll(() => dialog.textContent()).toContain('Never resent: hard bounces');
    await expectAccessible(page, 'resend dialog');
    await screenshot(page, '18-resend', { fullPage: false });
    await dialog.getByRole('button', { name: 'Create the resend', exact: true }).click();

    // The new delivery, in editing, says where it came from and whom it targets.
    await page.getByText(`Resend created for ${count(expected)} recipient`).waitFor();
    await expect.poll(() => page.url()).not.toContain(guardedId);
    const resendId = page.url().split('/').pop()!;
    await expect
      .poll(() => page.getByTestId('resend-of').textContent())
      .toBe(
        `This delivery resends ${GUARD_LABEL} (version 1) to its recipients who did not get it: ${count(expected)} recipient${expected === 1 ? '' : 's'}.`,
      );
    const resend = await delivery(resendId);
    expect(resend.state).toBe('editing');
    expect(resend.resendOf).toMatchObject({ deliveryId: guardedId, label: GUARD_LABEL });
    const members = await api.api('GET', '/audiences/{id}', { id: resend.audienceId }, { token: admin });
    expect(members.body.memberCount).toBe(expected);
    await expectAccessible(page, 'resend created');
    await screenshot(page, '19-resend-created');
    await page.getByTestId('resend-of').getByRole('link', { name: GUARD_LABEL }).click();
    await page.getByRole('heading', { name: GUARD_LABEL, level: 1 }).waitFor();
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
    await expect.poll(() => page.getByTestId('opt-out').count()).toBe(0);
    await expectAccessible(page, 'profile');
    await screenshot(page, '09-profile-history');
  });

  it('shows when and from which message a profile opted out (one-click unsubscribe)', async () => {
    const message = await messageTo(`success+bj2@${SIM}`);
    // What Gmail does when the reader clicks "Unsubscribe": the RFC 8058 one-click POST.
    const oneClick = await api.request(
      'POST',
      `/local/ses/unsubscribe/${encodeURIComponent(message.messageId!)}`,
    );
    expect(oneClick.body.status).toBe(200);
    await go('/console/profiles/bj-2');
    await page.getByRole('heading', { name: 'Ann2 Lee' }).waitFor();
    await expect
      .poll(() => page.getByTestId('opt-out').textContent())
      .toMatch(
        new RegExp(
          `^Opted out on .+ from the message of ${escape(LABEL)} \\(SES message ${escape(message.messageId!)}\\)`,
        ),
      );
    await expect
      .poll(() => page.getByRole('row').filter({ hasText: LABEL }).locator('[data-opted-out-here]').count())
      .toBe(1);
    await expectAccessible(page, 'profile opted out');
    await screenshot(page, '20-profile-opted-out');
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
