import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, connect, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Locator, Page } from 'playwright-core';

const ROOT = join(__dirname, '..', '..');

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

/** One part of a page (a long page's detail), as saveScreenshot stores them. */
export async function saveElementScreenshot(element: Locator, name: string): Promise<void> {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(tmpdir(), 'profile-points-screenshots');
  mkdirSync(dir, { recursive: true });
  await element.screenshot({ path: join(dir, `${name}.png`) });
}

/** The page at a phone's width (`<name>-375.png`) and at a desktop's (`<name>.png`), then as it was. */
export async function saveScreenshots(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 375, height: 740 });
  await saveScreenshot(page, `${name}-375`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await saveScreenshot(page, name);
  if (before) await page.setViewportSize(before);
}
