import { Browser, Page } from 'playwright-core';
import { DemoData, demoOwners, seedDemoData } from '../../tools/dev/demo-seed';
import { DevelopmentModule, developmentModules } from '../../tools/dev/development.module';
import { lineItemName } from '../../src/payments/checkout.service';
import { classifyPath, isPageNavigation } from '../../src/web-client/client-pages';
import { servesWebClient } from '../../src/web-client/web-client.module';
import { formatMoney, formattingLocale, packTier } from '../../web/src/format';
import { translate } from '../../web/src/messages';
import { nextPollDelayMs, purchaseView } from '../../web/src/purchase-status';
import { createUser, tokenFor } from '../factories';
import { launchBrowser, NO_PAGE_PROBLEMS, openWatchedPage, WatchedPage } from '../support/browser';
import { api } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { buildWebClient, FrontDoor, openFrontDoor, saveScreenshot, saveScreenshots } from '../support/web-client';

/**
 * The reference client (web/) as a newcomer uses it after `npm start`: served by the service at its
 * public address, in headless Chromium, paying on the Stripe emulator's hosted page. NODE_ENV is
 * development so that the picker's route exists; REDIS_URL is unset so that the rate limit counts this
 * app's requests only.
 */
const DEVELOPMENT = { NODE_ENV: 'development', REDIS_URL: '', LOG_LEVEL: 'warn' };

interface Client {
  frontDoor: FrontDoor;
  t: TestApp;
  demo: DemoData;
}

async function startClient(env: Record<string, string> = {}): Promise<Client> {
  const frontDoor = await openFrontDoor();
  const t = await startTestApp({ ...DEVELOPMENT, APP_URL: frontDoor.url, ...env });
  frontDoor.forwardTo(t.url);
  return { frontDoor, t, demo: await seedDemoData(demoOwners(t.app)) };
}

async function stopClient(client: Client | undefined): Promise<void> {
  await client?.t.close();
  await client?.frontDoor.close();
}

function demoUser(demo: DemoData, role: 'client' | 'moderator') {
  const user = demo.users.find((candidate) => String(candidate.role) === role)!;
  return { ...user, token: tokenFor(user) };
}

async function actAs(page: Page, baseUrl: string, role: 'client' | 'moderator'): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('button', { name: `Act as the ${role}` }).click();
}

/** The hosted page's session id, from its URL (…/c/pay/<id>). */
function sessionIdOf(page: Page): string {
  return new URL(page.url()).pathname.split('/').pop()!;
}

let browser: Browser;

beforeAll(async () => {
  [browser] = await Promise.all([launchBrowser(), buildWebClient()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

describe('Reference client: serving', () => {
  let c: Client;

  beforeAll(async () => {
    c = await startClient();
  });
  afterAll(async () => {
    await stopClient(c);
  });

  it('answers a browser at / and at the Checkout return URLs with the page, and the client’s own calls with JSON', async () => {
    const client = demoUser(c.demo, 'client');
    const html = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

    const home = await fetch(`${c.frontDoor.url}/`, { headers: { Accept: html } });
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toContain('text/html');
    expect(home.headers.get('cache-control')).toBe('no-cache');
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(home.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const page = await home.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)![1];

    const bundle = await fetch(`${c.frontDoor.url}${script}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    expect(bundle.headers.get('cache-control')).toContain('immutable');

    for (const path of ['/profile-points/success?session_id=cs_test_x', `/profile/${c.demo.profile.id}/points?checkout=cancelled`]) {
      const navigation = await fetch(`${c.frontDoor.url}${path}`, { headers: { Accept: html } });
      expect({ path, type: navigation.headers.get('content-type') }).toEqual({ path, type: expect.stringContaining('text/html') });
      expect(navigation.headers.get('vary')).toMatch(/Accept.*Authorization/);
    }
    const status = await fetch(`${c.frontDoor.url}/profile-points/success?session_id=cs_test_x`, {
      headers: { Accept: 'application/json', Authorization: `Bearer ${client.token}` },
    });
    expect(status.status).toBe(404);
    expect(await status.json()).toMatchObject({ error: 'TRANSACTION_NOT_FOUND' });
    // The API's answer on a shared path varies as the page does, besides CORS's Origin: a cached JSON answer is never shown as the page.
    const points = await fetch(`${c.frontDoor.url}/profile/${c.demo.profile.id}/points`, {
      headers: { Accept: 'application/json', Authorization: `Bearer ${client.token}`, Origin: 'http://frontend.test' },
    });
    expect(points.status).toBe(200);
    // Accept-Language too: the packs' `price` is written in the request's language.
    expect(points.headers.get('vary')?.split(/\s*,\s*/).sort()).toEqual(['Accept', 'Accept-Language', 'Authorization', 'Origin']);
    const anonymous = await api(c.t).get(`/profile/${c.demo.profile.id}/points`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: 'UNAUTHORIZED' });
  });

  it('hands the demo users’ tokens to the picker in development, tokens the API accepts and that expire within JWT_MAX_TTL_SECONDS', async () => {
    const response = await api(c.t).get('/dev/demo-session');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ profileId: c.demo.profile.id, profileName: 'Sophie (demo)' });
    const users = response.body.users as Array<{ role: string; token: string; expiresAt: string }>;
    expect(users.map((user) => user.role).sort()).toEqual(['admin', 'client', 'moderator']);
    const client = users.find((user) => user.role === 'client')!;
    const claims = JSON.parse(Buffer.from(client.token.split('.')[1], 'base64url').toString()) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(86_400);
    expect((await api(c.t, client.token).get(`/profile/${c.demo.profile.id}/points`)).status).toBe(200);
  });

  it('hands them out only to requests addressed to localhost: a rebinding page of another site gets nothing', async () => {
    for (const host of ['evil.example', `evil.example:${new URL(c.t.url).port}`, '127.0.0.1.nip.io']) {
      const response = await api(c.t).get('/dev/demo-session').set('Host', host);
      expect([host, response.status, response.body.error, response.body.users]).toEqual([host, 403, 'DEMO_SESSION_LOCAL_ONLY', undefined]);
    }
    expect((await api(c.t).get('/dev/demo-session').set('Host', `localhost:${new URL(c.t.url).port}`)).status).toBe(200);
  });
});

describe('Reference client: buying points in the browser', () => {
  let c: Client;
  const pages: WatchedPage[] = [];

  async function watchedPage(): Promise<WatchedPage> {
    const watched = await openWatchedPage(browser);
    pages.push(watched);
    return watched;
  }

  async function clientBalance(): Promise<number> {
    const response = await api(c.t, demoUser(c.demo, 'client').token).get(`/profile/${c.demo.profile.id}/points`);
    return (response.body as { balance: { points: number } }).balance.points;
  }

  beforeAll(async () => {
    c = await startClient();
  });
  afterEach(async () => {
    await c.t.emulator.idle();
    await Promise.all(pages.splice(0).map((watched) => watched.close()));
  });
  afterAll(async () => {
    await stopClient(c);
  });

  it('buys 100 points: picker, packs, hosted page, success page; the moderator’s page shows the alert live', async () => {
    const moderator = await watchedPage();
    const client = await watchedPage();
    const before = await clientBalance();

    await actAs(moderator.page, c.frontDoor.url, 'moderator');
    await moderator.page.getByRole('heading', { name: 'My alerts and earnings' }).waitFor();
    await moderator.page.getByText('Connected: new alerts appear here').waitFor();
    // Marks this document: still there after the alert means no reload happened.
    await moderator.page.evaluate(() => ((globalThis as Record<string, unknown>).__sameDocument = true));

    await actAs(client.page, c.frontDoor.url, 'client');
    await client.page.getByRole('heading', { name: 'Points for Sophie (demo)' }).waitFor();
    const packs = client.page.getByRole('listitem').filter({ has: client.page.getByRole('heading', { level: 2 }) });
    expect(await packs.allInnerTexts()).toEqual([
      expect.stringMatching(/Starter pack\s+100 points\s+€2\.99\s+Buy/),
      expect.stringMatching(/Popular pack\s+500 points\s+€9\.99\s+Buy/),
      expect.stringMatching(/Premium pack\s+1,000 points\s+€16\.99\s+Buy/),
    ]);
    await saveScreenshot(client.page, 'packs');

    await client.page.getByRole('button', { name: 'Buy the Starter pack: 100 points for €2.99' }).click();
    await client.page.waitForURL(`${c.t.emulator.url}/c/pay/**`);
    await client.page.getByText('100 points for Sophie (demo)').waitFor();
    await saveScreenshot(client.page, 'hosted-page');
    await client.page.getByRole('button', { name: 'Pay', exact: true }).click();

    await client.page.waitForURL(`${c.frontDoor.url}/profile-points/success?session_id=*`);
    await client.page.getByRole('heading', { name: 'Purchase completed' }).waitFor();
    await client.page.getByText('100 points for Sophie (demo) are on your balance.').waitFor();
    await client.page.getByText(`Your balance for Sophie (demo): ${before + 100} points`).waitFor();
    await saveScreenshot(client.page, 'success');

    // Names, not ids: the client's and the profile's.
    const alert = moderator.page.getByRole('listitem').filter({ hasText: /^\+100 points: Demo Client bought 100 points for Sophie \(demo\) \(€2\.99\)/ });
    await alert.waitFor();
    expect(await moderator.page.evaluate(() => (globalThis as Record<string, unknown>).__sameDocument)).toBe(true);
    await moderator.page.getByRole('listitem').filter({ hasText: 'Sale · purchase' }).first().waitFor();
    await saveScreenshot(moderator.page, 'moderator-alert');

    expect(await clientBalance()).toBe(before + 100);
    expect(client.problems).toEqual(NO_PAGE_PROBLEMS);
    expect(moderator.problems).toEqual(NO_PAGE_PROBLEMS);
  });

  it('pays later: the success page waits for the bank, then shows the purchase completed once the transfer arrives', async () => {
    const client = await watchedPage();
    const before = await clientBalance();

    await actAs(client.page, c.frontDoor.url, 'client');
    await client.page.getByRole('button', { name: /^Buy the Starter pack/ }).click();
    await client.page.waitForURL(`${c.t.emulator.url}/c/pay/**`);
    const sessionId = sessionIdOf(client.page);
    await client.page.getByRole('button', { name: 'Pay later (bank transfer)' }).click();

    await client.page.waitForURL(`${c.frontDoor.url}/profile-points/success?session_id=${sessionId}`);
    await client.page.getByRole('heading', { name: 'Waiting for your bank' }).waitFor();
    expect(await clientBalance()).toBe(before);

    // Back on the emulator's page, which now plays the bank.
    await client.page.goBack();
    await client.page.getByRole('heading', { name: 'Bank transfer pending' }).waitFor();
    await client.page.getByRole('button', { name: 'The transfer arrives' }).click();
    await client.page.waitForURL(`${c.frontDoor.url}/profile-points/success?session_id=${sessionId}`);
    await client.page.getByRole('heading', { name: 'Purchase completed' }).waitFor();
    await client.page.getByText(`Your balance for Sophie (demo): ${before + 100} points`).waitFor();
    expect(client.problems).toEqual(NO_PAGE_PROBLEMS);
  });

  it('in French: the original labels, prices for the language, "Chargement..." while it works; Cancel comes back to the packs with a notice', async () => {
    const client = await watchedPage();

    await actAs(client.page, c.frontDoor.url, 'client');
    await client.page.getByRole('button', { name: 'Afficher en français' }).click();
    await client.page.getByRole('heading', { name: 'Points pour Sophie (demo)' }).waitFor();
    expect(await client.page.locator('html').getAttribute('lang')).toBe('fr');
    const names = await client.page.getByRole('heading', { level: 2 }).allInnerTexts();
    expect(names).toEqual(['Pack de démarrage', 'Pack populaire', 'Pack premium']);

    // Slow the checkout down enough to see the button's working state.
    await client.page.route('**/profile-points/checkout', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue();
    });
    // With the keyboard: the buttons are real buttons.
    await client.page.getByRole('button', { name: 'Acheter le Pack de démarrage : 100 points pour 2,99 €' }).focus();
    await client.page.keyboard.press('Enter');
    await client.page.getByRole('button', { name: 'Chargement...' }).waitFor();
    await client.page.waitForURL(`${c.t.emulator.url}/c/pay/**`);
    await client.page.getByText('100 points pour Sophie (demo)').waitFor();
    const sessionId = sessionIdOf(client.page);
    // The hosted page speaks the buyer's language too.
    await client.page.getByRole('button', { name: 'Annuler' }).click();

    await client.page.waitForURL(`${c.frontDoor.url}/profile/${c.demo.profile.id}/points?checkout=cancelled`);
    await client.page.getByRole('status').filter({ hasText: 'Paiement annulé : rien n’a été débité.' }).waitFor();
    await client.page.getByRole('button', { name: /^Acheter le Pack de démarrage/ }).waitFor();

    // The cancelled checkout's page says it was cancelled, not that it expired.
    await client.page.goto(`${c.frontDoor.url}/profile-points/success?session_id=${sessionId}`);
    await client.page.getByRole('heading', { name: 'Paiement annulé' }).waitFor();
    expect(await client.page.getByText('expiré').count()).toBe(0);
    await saveScreenshots(client.page, 'success-cancelled');
    expect(client.problems).toEqual(NO_PAGE_PROBLEMS);
  });

  it('shows only the error, without "Confirming your payment…", for a session_id that names no purchase of the client', async () => {
    const client = await watchedPage();
    await actAs(client.page, c.frontDoor.url, 'client');
    await client.page.getByRole('heading', { name: 'Points for Sophie (demo)' }).waitFor();
    await client.page.goto(`${c.frontDoor.url}/profile-points/success?session_id=cs_test_unknown`);
    await client.page.getByText('We cannot find this purchase for your account.').waitFor();
    expect(await client.page.getByText('Confirming your payment…').count()).toBe(0);
    expect(await client.page.locator('.status-panel').count()).toBe(0);
    await saveScreenshots(client.page, 'success-unknown-session');
    // The 404 of the lookup is the page's only failed request.
    expect(client.problems.consoleErrors.filter((message) => !message.includes('404'))).toEqual([]);
  });

  it('in French, elides before a vowel: "Agir en tant qu’administrateur"', async () => {
    const visitor = await watchedPage();
    await visitor.page.goto(`${c.frontDoor.url}/`);
    await visitor.page.getByRole('button', { name: 'Afficher en français' }).click();
    await visitor.page.getByRole('button', { name: 'Agir en tant qu’administrateur' }).waitFor();
    await visitor.page.getByRole('button', { name: 'Agir en tant que client' }).waitFor();
    expect(await visitor.page.getByText('en tant que administrateur').count()).toBe(0);
    await saveScreenshots(visitor.page, 'picker-fr');
    expect(visitor.problems).toEqual(NO_PAGE_PROBLEMS);
  });

  it('lists the client’s purchases newest first, a page at a time', async () => {
    const client = await watchedPage();
    await actAs(client.page, c.frontDoor.url, 'client');
    await client.page.getByRole('link', { name: 'My purchases', exact: true }).first().click();
    await client.page.getByRole('heading', { name: 'My purchases' }).waitFor();
    const rows = client.page.locator('.rows > li');
    // Three checkouts so far in this suite (paid, paid later, cancelled); pages of ten: all on the first.
    await rows.nth(2).waitFor();
    // The profile's name, not its id; the checkout cancelled on the hosted page reads "cancelled".
    expect(await rows.allInnerTexts()).toEqual([
      expect.stringMatching(/^100 points for Sophie \(demo\) · €2\.99\s+cancelled/),
      expect.stringMatching(/^100 points for Sophie \(demo\) · €2\.99\s+completed/),
      expect.stringMatching(/^100 points for Sophie \(demo\) · €2\.99\s+completed/),
    ]);
    expect(await client.page.getByText('That is all.').count()).toBe(1);
    await saveScreenshots(client.page, 'purchases');
    expect(client.problems).toEqual(NO_PAGE_PROBLEMS);
  });

  it('names who bought in the profile’s purchases an admin sees, "A client" when the platform shared no name', async () => {
    const nameless = await createUser(c.t.db, 'client');
    await c.t.db.query('UPDATE users SET name = NULL WHERE id = $1', [nameless.id]);
    const checkout = await api(c.t, nameless.token).post('/profile-points/checkout').send({ profile_id: c.demo.profile.id, pack: '100' });
    expect(checkout.status).toBe(201);
    await c.t.emulator.paySession((checkout.body as { sessionId: string }).sessionId);

    const admin = await watchedPage();
    await admin.page.goto(`${c.frontDoor.url}/`);
    await admin.page.getByRole('button', { name: 'Act as the admin' }).click();
    await admin.page.getByRole('heading', { name: 'Payouts', level: 1 }).waitFor();
    await admin.page.getByRole('link', { name: 'Profile Points' }).click();
    await admin.page.getByRole('heading', { name: 'Purchases of Sophie (demo)' }).waitFor();
    const rows = admin.page.locator('.rows > li');
    await rows.nth(3).waitFor();
    const texts = await rows.allInnerTexts();
    expect(texts[0]).toMatch(/^A client bought 100 points for Sophie \(demo\) · €2\.99\s+completed/);
    expect(texts.slice(1)).toEqual(expect.arrayContaining([expect.stringMatching(/^Demo Client bought 100 points for Sophie \(demo\) · €2\.99\s+cancelled/)]));
    await saveScreenshots(admin.page, 'admin-purchases');
    expect(admin.problems).toEqual(NO_PAGE_PROBLEMS);
  });
});

describe('Reference client: a refused checkout', () => {
  let c: Client;
  let watched: WatchedPage;

  beforeAll(async () => {
    c = await startClient({ RATE_LIMIT_CHECKOUT_PER_MINUTE: '1' });
  });
  afterAll(async () => {
    await watched?.close();
    await stopClient(c);
  });

  it('shows a friendly message for RATE_LIMITED, with the wait the service asked for', async () => {
    watched = await openWatchedPage(browser);
    const { page, problems } = watched;
    await actAs(page, c.frontDoor.url, 'client');
    await page.getByRole('button', { name: /^Buy the Starter pack/ }).click();
    await page.waitForURL(`${c.t.emulator.url}/c/pay/**`);
    await page.goBack();

    await page.getByRole('button', { name: /^Buy the Starter pack/ }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/^Too many attempts in a short time\. Please wait \d+ s and try again\.$/);
    // The button is usable again.
    expect(await page.getByRole('button', { name: /^Buy the Starter pack/ }).isEnabled()).toBe(true);
    // Chromium logs every 4xx answer as a failed resource: this one is the point of the test.
    expect(problems).toEqual({ ...NO_PAGE_PROBLEMS, consoleErrors: [expect.stringContaining('status of 429')] });
  });
});

describe('Reference client: pure parts', () => {
  it('elides French words before a value that begins with a vowel, and only in French', () => {
    expect(translate('fr', 'picker.as', { role: 'administrateur' })).toBe('Agir en tant qu’administrateur');
    expect(translate('fr', 'picker.as', { role: 'modérateur' })).toBe('Agir en tant que modérateur');
    expect(translate('fr', 'home.adminPurchases', { profile: 'Émilie' })).toBe('Achats d’Émilie');
    expect(translate('fr', 'home.adminPurchases', { profile: 'Sophie' })).toBe('Achats de Sophie');
    expect(translate('en', 'picker.as', { role: 'admin' })).toBe('Act as the admin');
  });

  it('formats prices in the currency’s own decimals for the reader’s language', () => {
    expect(formatMoney(299, 'eur', 'fr-FR')).toBe('2,99\u00a0€');
    expect(formatMoney(1699, 'eur', 'en-US')).toBe('€16.99');
    expect(formatMoney(500, 'jpy', 'en-US')).toBe('¥500');
    expect(formatMoney(1234, 'kwd', 'en-US')).toBe('KWD\u00a01.234');
    expect(formattingLocale('fr', ['en-US', 'fr-CA'])).toBe('fr-CA');
    expect(formattingLocale('fr', ['en-US'])).toBe('fr');
  });

  it('names the packs as the original page did, whatever the catalogue holds', () => {
    expect([0, 1, 2].map((index) => packTier(index, 3))).toEqual(['starter', 'popular', 'premium']);
    expect([0, 1, 2, 3].map((index) => packTier(index, 4))).toEqual(['starter', 'popular', 'popular', 'premium']);
    expect(packTier(0, 1)).toBe('starter');
  });

  it('waits for the bank only once a purchase stays pending, and asks less often as time goes by', () => {
    expect(purchaseView('pending', 1_000)).toBe('confirming');
    expect(purchaseView('pending', 10_000)).toBe('waiting-bank');
    expect(purchaseView('completed', 10_000)).toBe('completed');
    expect(purchaseView('expired', 10_000, 'checkout_cancelled')).toBe('cancelled');
    expect(purchaseView('expired', 10_000, null)).toBe('expired');
    expect(nextPollDelayMs(1_000)).toBeLessThan(nextPollDelayMs(60_000));
    expect(nextPollDelayMs(60_000)).toBeLessThan(nextPollDelayMs(600_000));
  });

  it('names the Checkout line item in the buyer’s language, the original label without one', () => {
    expect(lineItemName(500, 'Sophie', 'en')).toBe('500 points for Sophie');
    expect(lineItemName(500, 'Sophie', 'en-GB')).toBe('500 points for Sophie');
    expect(lineItemName(500, 'Sophie', 'fr-CA')).toBe('500 points pour Sophie');
    expect(lineItemName(500, 'Sophie', 'de')).toBe('500 Points pour Sophie');
    expect(lineItemName(500, 'Sophie', undefined)).toBe('500 Points pour Sophie');
  });

  it('registers the demo session route in development only, and serves the client by default outside production', () => {
    expect(developmentModules({ NODE_ENV: 'development' })).toEqual([DevelopmentModule]);
    expect(developmentModules({ NODE_ENV: 'production' })).toEqual([]);
    expect(developmentModules({ NODE_ENV: 'test' })).toEqual([]);
    expect(servesWebClient({ NODE_ENV: 'development', SERVE_WEB_CLIENT: undefined })).toBe(true);
    expect(servesWebClient({ NODE_ENV: 'production', SERVE_WEB_CLIENT: undefined })).toBe(false);
    expect(servesWebClient({ NODE_ENV: 'production', SERVE_WEB_CLIENT: true })).toBe(true);
    expect(servesWebClient({ NODE_ENV: 'development', SERVE_WEB_CLIENT: false })).toBe(false);
  });

  it('tells a browser’s navigation from an API call on the paths both use', () => {
    expect(classifyPath('/profile-points/success')).toBe('shared-with-api');
    expect(classifyPath('/profile/12/points')).toBe('shared-with-api');
    expect(classifyPath('/moderator')).toBe('own-page');
    expect(classifyPath('/assets/index-abc.js')).toBe('asset');
    expect(classifyPath('/profile-points/transactions/client')).toBe('other');
    expect(classifyPath('/docs')).toBe('other');
    expect(isPageNavigation({ authorization: false, prefers: 'html' })).toBe(true);
    expect(isPageNavigation({ authorization: true, prefers: 'html' })).toBe(false);
    expect(isPageNavigation({ authorization: false, prefers: 'json' })).toBe(false);
  });
});
