import { existsSync } from 'node:fs';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';

/**
 * Browser tests on Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it), driven by
 * playwright-core, which downloads no browser of its own.
 *
 *   const browser = await launchBrowser();                 // once per suite; browser.close() in afterAll
 *   const { page, problems, close } = await openWatchedPage(browser);
 *   await page.goto(url);
 *   …
 *   expect(problems).toEqual(NO_PAGE_PROBLEMS);            // the diff names every message
 *   await close();
 */

/** CHROMIUM_PATH overrides it (e.g. a local Chrome on a developer's machine). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  // Root in a container: Chromium's sandbox needs user namespaces it does not get there.
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  // Nothing but the page under test on the network, so a failed request is the page's own.
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What went wrong in a page, as it happened, across every navigation of the page. */
export interface PageProblems {
  /** `console.error` calls and the errors Chromium itself logs (refused loads, failed resources, CSP). */
  consoleErrors: string[];
  /** Uncaught exceptions and unhandled rejections. */
  pageErrors: string[];
  /** `securitypolicyviolation` events: `<directive> blocked <uri> at <page url>`. */
  cspViolations: string[];
  /** Requests that got no answer (refused, blocked, unreachable). An HTTP error status is an answer. */
  failedRequests: string[];
}

export const NO_PAGE_PROBLEMS: PageProblems = Object.freeze({ consoleErrors: [], pageErrors: [], cspViolations: [], failedRequests: [] });

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Filled while the page runs; compare it with NO_PAGE_PROBLEMS. */
  problems: PageProblems;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile. Fails, never skips, when Chromium is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run \`apt-get install -y chromium\` (as .ci/run does) or set CHROMIUM_PATH`);
  }
  // launch() (not launchPersistentContext) gives every browser a new temporary user-data dir.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

const CSP_BINDING = '__reportCspViolation';

/** A page in its own browser context (no shared storage), watched for console errors, page errors, CSP violations and failed requests. */
export async function openWatchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext();
  // Playwright waits forever by default: a missing element then fails as Jest's timeout, with no clue.
  context.setDefaultTimeout(10_000);
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], cspViolations: [], failedRequests: [] };

  // A binding survives navigations (a window array would be lost with the page that filled it), and
  // neither it nor the init script is subject to the page's own CSP.
  await context.exposeBinding(CSP_BINDING, (_source, violation: string) => {
    problems.cspViolations.push(violation);
  });
  await context.addInitScript((binding: string) => {
    // Runs in the page; the project's TypeScript has no DOM library, hence the local types.
    type Violation = { effectiveDirective: string; blockedURI: string; documentURI: string; sample: string };
    const page = globalThis as unknown as Record<string, (violation: string) => void> & {
      document: { addEventListener(type: 'securitypolicyviolation', listener: (event: Violation) => void): void };
    };
    page.document.addEventListener('securitypolicyviolation', (event) => {
      page[binding](`${event.effectiveDirective} blocked ${event.blockedURI || '(inline)'} at ${event.documentURI}${event.sample ? `: ${event.sample}` : ''}`);
    });
  }, CSP_BINDING);

  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(`${message.text()} (${message.location().url || page.url()})`);
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.stack ?? error.message));
  page.on('requestfailed', (request) => problems.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));

  return { page, context, problems, close: () => context.close() };
}

/** A CSS property of the first element of `locator` as the browser computed it, e.g. `computedStyle(button, 'background-color')`. */
export function computedStyle(locator: Locator, property: string): Promise<string> {
  return locator.evaluate((element, name) => {
    type Window = { getComputedStyle(element: unknown): { getPropertyValue(name: string): string } };
    return (globalThis as unknown as Window).getComputedStyle(element).getPropertyValue(name);
  }, property);
}
