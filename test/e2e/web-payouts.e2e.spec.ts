import { readFileSync } from 'node:fs';
import { Browser, Page } from 'playwright-core';
import { DemoData, demoOwners, seedDemoData } from '../../tools/dev/demo-seed';
import { tokenFor } from '../factories';
import { launchBrowser, NO_PAGE_PROBLEMS, openWatchedPage, WatchedPage } from '../support/browser';
import { createIsolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { DEBTOR_ENV, pdfText } from '../support/payouts';
import { buy } from '../support/purchases';
import { startTestApp, TestApp } from '../support/test-app';
import { buildWebClient, FrontDoor, openFrontDoor, saveScreenshot } from '../support/web-client';
import { xmllintSchema } from '../support/xmllint';

/**
 * The reference client's money pages in headless Chromium: the moderator's money page (money per
 * currency, bank details, statement downloads with the token) and the admin's payout page (a run,
 * its SEPA file, marking a payout paid). The demo moderator earns the worked example of
 * docs/payouts.md first: 6.45 € available. A database of its own, so the run holds only them.
 */
describe('Reference client: moderators are paid', () => {
  let browser: Browser;
  let database: IsolatedDatabase;
  let frontDoor: FrontDoor;
  let t: TestApp;
  let demo: DemoData;
  const pages: WatchedPage[] = [];

  beforeAll(async () => {
    [browser] = await Promise.all([launchBrowser(), buildWebClient()]);
    database = await createIsolatedDatabase('web_payouts');
    frontDoor = await openFrontDoor();
    t = await startTestApp({
      NODE_ENV: 'development',
      REDIS_URL: '',
      LOG_LEVEL: 'warn',
      APP_URL: frontDoor.url,
      DATABASE_URL: database.url,
      PAYOUT_MINIMUM_CENTS: '500',
      EARNINGS_MATURITY_DAYS: '0',
      RECONCILE_INTERVAL_MS: '0',
      ...DEBTOR_ENV,
    });
    frontDoor.forwardTo(t.url);
    demo = await seedDemoData(demoOwners(t.app));
    const client = demo.users.find((user) => String(user.role) === 'client')!;
    const buyer = { token: tokenFor(client) };
    await buy(t, buyer, demo.profile.id, '100');
    await buy(t, buyer, demo.profile.id, '500');
    const premium = await buy(t, buyer, demo.profile.id, '1000');
    await t.emulator.refund(premium.paymentIntentId, 850);
    await t.emulator.idle();
  }, 120_000);
  afterEach(async () => {
    for (const watched of pages) expect(watched.problems).toEqual(NO_PAGE_PROBLEMS);
    await Promise.all(pages.splice(0).map((watched) => watched.close()));
  });
  afterAll(async () => {
    await t?.close();
    await frontDoor?.close();
    await database?.drop();
    await browser?.close();
  });

  async function signedIn(role: 'moderator' | 'admin'): Promise<Page> {
    const watched = await openWatchedPage(browser);
    pages.push(watched);
    await watched.page.goto(`${frontDoor.url}/`);
    await watched.page.getByRole('button', { name: `Act as the ${role}` }).click();
    return watched.page;
  }

  async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
    const [download] = await Promise.all([page.waitForEvent('download'), click()]);
    return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
  }

  it("shows the moderator's money, saves their bank account and downloads their statement with their token", async () => {
    const page = await signedIn('moderator');
    await page.getByRole('link', { name: 'My money' }).click();
    await page.getByRole('heading', { name: 'My money' }).waitFor();

    const euros = page.getByRole('region', { name: 'In EUR' });
    await euros.getByText('Available').waitFor();
    expect(await euros.locator('dl').innerText()).toMatch(/Available\s+€6\.45\s+Pending\s+€0\.00\s+In a payout on its way\s+€0\.00\s+Paid out\s+€0\.00/);
    await page.getByText('No bank account yet').waitFor();

    await page.getByLabel('IBAN').fill('DE89 3704 0044 0532 0130 01');
    await page.getByLabel('Account holder').fill('Sophie Moderator');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('This IBAN is not valid: check it and try again.').waitFor();
    await page.getByLabel('IBAN').fill('DE89 3704 0044 0532 0130 00');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved. It applies from the next payout run.').waitFor();
    await page.getByText('Payouts go to Sophie Moderator, IBAN ending in 3000.').waitFor();

    const month = new Date().toISOString().slice(0, 7);
    const pdf = await downloaded(page, () => page.getByRole('button', { name: 'Download PDF' }).click());
    expect(pdf.name).toMatch(new RegExp(`^statement-\\d+-${month}-en\\.pdf$`));
    const text = await pdfText(pdf.bytes);
    expect(text).toContain('Earnings statement');
    expect(text).toContain('Closing balance: 1099 points · €6.45');
    const csv = await downloaded(page, () => page.getByRole('button', { name: 'Download CSV' }).click());
    expect(csv.bytes.toString('utf8').split('\r\n')[0]).toBe('Date,Type,Profile,Purchase,Points,Amount,Currency,Balance,Debt');
    await saveScreenshot(page, 'moderator-money');
  });

  it('makes a payout run, downloads its SEPA file and marks the payout paid, in the admin page', async () => {
    const page = await signedIn('admin');
    await page.getByRole('heading', { name: 'Payouts' }).waitFor();

    await page.getByRole('button', { name: 'Make the payout run' }).click();
    const run = page.getByRole('article').first();
    const row = run.getByRole('listitem').filter({ hasText: '€6.45' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/Moderator \d+ · €6\.45\s+pending/);

    const sepa = await downloaded(page, () => run.getByRole('button', { name: 'SEPA file' }).click());
    expect(sepa.name).toMatch(/^payout-run-\d+\.xml$/);
    expect(await xmllintSchema(sepa.bytes.toString('utf8'))).toEqual({ code: 0, output: 'payouts.xml validates\n' });
    expect(sepa.bytes.toString('utf8')).toContain('<InstdAmt Ccy="EUR">6.45</InstdAmt>');
    await saveScreenshot(page, 'admin-payouts');

    await row.getByRole('button', { name: 'Mark paid' }).click();
    await row.getByText('paid', { exact: true }).waitFor();
    expect(await row.getByRole('button').count()).toBe(0);
    const [status] = await t.db.query<Array<{ status: string }>>(`SELECT status FROM payouts ORDER BY id DESC LIMIT 1`);
    expect(status.status).toBe('paid');
  });
});
