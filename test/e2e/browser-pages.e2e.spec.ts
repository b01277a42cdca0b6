import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Browser } from 'playwright-core';
import { createScenario } from '../factories';
import { computedStyle, launchBrowser, NO_PAGE_PROBLEMS, openWatchedPage, WatchedPage } from '../support/browser';
import { api } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { saveElementScreenshot, saveScreenshots } from '../support/web-client';

/** The HTML pages the service serves, in a real browser, under their Content-Security-Policy. */
describe('HTML pages in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let watched: WatchedPage;
  // The frontend (APP_URL) that Stripe sends the buyer back to, on its own origin. Not a page.route()
  // stand-in: Playwright does not intercept the target of a redirect, which is how the buyer comes back.
  let frontend: Server;
  let frontendUrl: string;

  beforeAll(async () => {
    frontend = createServer((_, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'" });
      res.end('<!doctype html><title>Back in the shop</title><h1>Thank you</h1>');
    });
    await once(frontend.listen(0, '127.0.0.1'), 'listening');
    frontendUrl = `http://127.0.0.1:${(frontend.address() as AddressInfo).port}`;
    // The browser first: if it cannot start, no app is left running.
    browser = await launchBrowser();
    t = await startTestApp({ APP_URL: frontendUrl });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    frontend?.closeAllConnections();
    frontend?.close();
  });
  beforeEach(async () => {
    watched = await openWatchedPage(browser);
  });
  afterEach(async () => {
    await watched.close();
  });

  it('renders Swagger UI at /docs with its operations, with no CSP violation and no console error', async () => {
    const { page, problems } = watched;

    const response = await page.goto(`${t.url}/docs`);
    await page.locator('.opblock').first().waitFor();

    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
    // Swagger UI's stylesheet applied (a CSP that refused it would leave the page unstyled).
    expect(await computedStyle(page.locator('.swagger-ui .info .title'), 'font-family')).toContain('sans-serif');
    // An operation opens, and "Try it out" calls the API from the page.
    await page.locator('.opblock-summary:has([data-path="/health"])').click();
    await page.getByRole('button', { name: 'Try it out' }).click();
    await page.getByRole('button', { name: 'Execute' }).click();
    await page.locator('.live-responses-table .response-col_status', { hasText: '200' }).first().waitFor();
    expect(problems).toEqual(NO_PAGE_PROBLEMS);
  });

  it("shows each error response of an operation in Swagger UI with its own code and message, not one shared 400", async () => {
    const { page, problems } = watched;
    await page.goto(`${t.url}/docs`);
    const operation = page.locator('.opblock-post:has([data-path="/profile-points/checkout"])');
    await operation.locator('.opblock-summary').click();
    const response = (code: number) => operation.locator(`tr.response[data-code="${code}"]`);
    await response(404).waitFor();

    await expect(response(404).locator('.example').first().textContent()).resolves.toMatch(/"status": 404[\s\S]*"error": "PROFILE_NOT_FOUND"[\s\S]*"message": "Profile 42 does not exist"/);
    await expect(response(409).locator('.example').first().textContent()).resolves.toMatch(/"error": "PROFILE_INACTIVE"/);
    await expect(response(429).locator('.example').first().textContent()).resolves.toMatch(/"status": 429[\s\S]*"error": "RATE_LIMITED"/);
    // A status with several codes offers each of them.
    const options = await response(503).locator('select option').allTextContents();
    expect(options).toEqual(expect.arrayContaining(['STRIPE_UNAVAILABLE', 'DATABASE_BUSY', 'SHUTTING_DOWN']));
    for (const code of [401, 404, 409, 429, 500]) {
      expect(await response(code).textContent()).not.toContain('VALIDATION_FAILED');
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await saveElementScreenshot(response(404), 'docs-error-example');
    expect(problems).toEqual(NO_PAGE_PROBLEMS);
  });

  it('answers a browser opening an unknown address with a small HTML page, and a program with the JSON error', async () => {
    const { page, problems } = watched;
    const response = await page.goto(`${t.url}/no-such-page`);
    expect(response?.status()).toBe(404);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response?.headers().vary).toMatch(/Accept/);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('link', { name: 'API docs' }).waitFor();
    // Its style applied under its CSP.
    expect(await computedStyle(page.locator('body'), 'background-color')).toBe('rgb(244, 245, 249)');
    await saveScreenshots(page, 'not-found');
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);

    for (const accept of ['application/json', '*/*']) {
      const json = await fetch(`${t.url}/no-such-page`, { headers: { Accept: accept } });
      expect(json.status).toBe(404);
      expect(json.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await json.json()).toMatchObject({ status: 404, error: 'NOT_FOUND' });
    }
    // A route's own refusal stays JSON, even for a browser.
    const route = await fetch(`${t.url}/notifications`, { headers: { Accept: 'text/html' } });
    expect(route.status).toBe(401);
    expect(route.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('renders a nullable object (anyOf with a null-only schema) in Swagger UI as its model or null', async () => {
    const { page, problems } = watched;
    await page.goto(`${t.url}/docs`);
    const model = page.locator('#model-TransactionDto');
    await model.waitFor();
    await model.locator('.model-box-control').first().click();
    const lot = model.locator('tr.property-row', { hasText: 'lot' });
    // Open every collapsed part of the property: the referenced model and the null-only alternative.
    for (let open = 0; open < 10; open++) {
      const collapsed = lot.locator('.model-box-control[aria-expanded="false"]');
      if ((await collapsed.count()) === 0) break;
      await collapsed.first().click();
    }
    await expect(lot.textContent()).resolves.toMatch(/TransactionLotDto[\s\S]*remaining[\s\S]*null/);
    expect(problems).toEqual(NO_PAGE_PROBLEMS);
  });

  it("renders the emulator's hosted checkout page and pays from it, with no CSP violation and no console error", async () => {
    const { page, problems } = watched;
    const { profile, client } = await createScenario(t.db);
    const checkout = await api(t, client.token).post('/profile-points/checkout').send({ profile_id: profile.id, pack: '500' });
    expect(checkout.status).toBe(201);
    const { url, transactionId } = checkout.body as { url: string; transactionId: string };

    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await expect(page.locator('.total').textContent()).resolves.toBe('9,99 €');
    // The page's own stylesheet applied: the pay button has its colour.
    expect(await computedStyle(page.getByRole('button', { name: 'Pay', exact: true }), 'background-color')).toBe('rgb(99, 91, 255)');

    await Promise.all([page.waitForURL(`${frontendUrl}/profile-points/success?session_id=${checkout.body.sessionId}`), page.getByRole('button', { name: 'Pay', exact: true }).click()]);

    await expect(page.locator('h1').textContent()).resolves.toBe('Thank you');
    const success = await api(t, client.token).get(`/profile-points/success?session_id=${checkout.body.sessionId}`);
    expect(success.body).toMatchObject({ id: transactionId, status: 'completed', points: 500 });
    expect(problems).toEqual(NO_PAGE_PROBLEMS);
  });

  it.each([
    ['fr', 'fr', 'Paiement', 'Payer', 'Annuler', '9,99 €', '500 points pour'],
    ['en', 'en', 'Checkout', 'Pay', 'Cancel', '€9.99', '500 points for'],
  ])("shows the emulator's hosted checkout page in the session's locale (%s)", async (locale, lang, heading, pay, cancel, total, lineItem) => {
    const { page, problems } = watched;
    const { profile, client } = await createScenario(t.db);
    const checkout = await api(t, client.token).post('/profile-points/checkout').send({ profile_id: profile.id, pack: '500', locale });
    expect(checkout.status).toBe(201);

    await page.goto((checkout.body as { url: string }).url);
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    await page.getByRole('button', { name: pay, exact: true }).waitFor();
    await page.getByRole('button', { name: cancel, exact: true }).waitFor();
    await expect(page.locator('.total').textContent()).resolves.toBe(total);
    await page.getByText(lineItem).waitFor();
    if (locale === 'fr') await saveScreenshots(page, 'hosted-page-fr');
    expect(problems).toEqual(NO_PAGE_PROBLEMS);
  });
});
