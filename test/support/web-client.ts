import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, connect, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

const ROOT = join(__dirname, '..', '..');

/** Debian's Chromium (`apt-get install -y chromium`, as .ci/run does); playwright-core downloads no browser. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium with a fresh profile. Fails, never skips, when Chromium is missing. */
export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  // --no-sandbox: root in a container, without the user namespaces Chromium's sandbox needs.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'], timeout: 30_000 });
}

/** What went wrong in a page, across all its navigations. */
export interface PageProblems {
  /** console.error calls and what Chromium logs itself (failed loads, refused resources). */
  consoleErrors: string[];
  /** Uncaught exceptions and unhandled rejections. */
  pageErrors: string[];
  /** securitypolicyviolation events: `<directive> blocked <uri> at <page>`. */
  cspViolations: string[];
  /** Requests that got no answer at all (an HTTP error status is an answer). */
  failedRequests: string[];
}

export const NO_PAGE_PROBLEMS: PageProblems = Object.freeze({ consoleErrors: [], pageErrors: [], cspViolations: [], failedRequests: [] });

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  problems: PageProblems;
  close(): Promise<void>;
}

/** A page in a browser context of its own (its own storage: one user per context), watched for problems. */
export async function openWatchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext();
  context.setDefaultTimeout(10_000);
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], cspViolations: [], failedRequests: [] };
  // A binding outlives navigations, and neither it nor the init script is subject to the page's CSP.
  await context.exposeBinding('__reportCspViolation', (_source, violation: string) => {
    problems.cspViolations.push(violation);
  });
  await context.addInitScript(() => {
    // Runs in the page; the project's TypeScript has no DOM library, hence the local types.
    type Violation = { effectiveDirective: string; blockedURI: string; documentURI: string };
    const page = globalThis as unknown as { __reportCspViolation(text: string): void } & {
      document: { addEventListener(type: 'securitypolicyviolation', listener: (event: Violation) => void): void };
    };
    page.document.addEventListener('securitypolicyviolation', (event) => {
      page.__reportCspViolation(`${event.effectiveDirective} blocked ${event.blockedURI || '(inline)'} at ${event.documentURI}`);
    });
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(`${message.text()} (${message.location().url || page.url()})`);
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.stack ?? error.message));
  page.on('requestfailed', (request) => problems.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
  return { page, context, problems, close: () => context.close() };
}

/** Builds web/dist when its sources changed since the last build: the step `npm start` runs too. */
export async function buildWebClient(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(ROOT, 'web', 'build.mjs'), '--if-stale'], { cwd: ROOT, timeout: 120_000 });
}

/**
 * The service's public address (APP_URL), opened before the service itself: Checkout's success and
 * cancel URLs are built from APP_URL, and the test app only learns its own port once it listens. The
 * door forwards every TCP connection (HTTP and the socket's WebSocket alike) to the app, as a reverse
 * proxy in front of the service would.
 */
export interface FrontDoor {
  url: string;
  forwardTo(appUrl: string): void;
  close(): Promise<void>;
}

export async function openFrontDoor(): Promise<FrontDoor> {
  let target: { host: string; port: number } | undefined;
  const open = new Set<Socket>();
  const server = createServer((incoming) => {
    if (target === undefined) return incoming.destroy();
    const outgoing = connect(target.port, target.host);
    for (const socket of [incoming, outgoing]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {
        incoming.destroy();
        outgoing.destroy();
      });
    }
    incoming.pipe(outgoing).pipe(incoming);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwardTo(appUrl) {
      const url = new URL(appUrl);
      target = { host: url.hostname, port: Number(url.port) };
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The screenshots of docs/web-client.md. Written there with UPDATE_SCREENSHOTS=1 (then committed);
 * otherwise to a temporary directory, so an ordinary test run leaves the checkout unchanged.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(tmpdir(), 'profile-points-screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
