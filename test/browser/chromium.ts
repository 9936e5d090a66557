/**
 * Driving headless Chromium with playwright-core: the browser tests and `npm run bench:web` launch it here. Without a
 * Chromium (or playwright-core) a test is skipped with a banner, or fails under CI=true (`find-browser.ts`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { findBrowser, skipBanner } from './find-browser.js';
import { serveStatic } from './static-server.js';

type Playwright = typeof import('playwright-core');

/** playwright-core and the browser to drive, or why the test cannot run and whether that fails it. */
export async function loadPlaywright(): Promise<{ pw: Playwright; executablePath: string } | { reason: string; fail: boolean }> {
  const browser = findBrowser(process.env);
  if (!browser.ok) return browser;
  try {
    return { pw: await import('playwright-core'), executablePath: browser.executablePath };
  } catch (e) {
    return { reason: `playwright-core is not installed (${(e as Error).message}); it is a devDependency`, fail: true };
  }
}

/**
 * Headless Chromium with a fresh profile (playwright passes it as --user-data-dir), offline but for localhost; or
 * undefined after skipping the test `ctx` (with a banner) when there is no browser outside CI.
 *
 * @example
 * ```ts
 * const browser = await launchChromium(ctx);
 * if (!browser) return; // skipped
 * ```
 */
export async function launchChromium(ctx?: { skip(): void }): Promise<BrowserContext | undefined> {
  const loaded = await loadPlaywright();
  if ('reason' in loaded) {
    if (loaded.fail || !ctx) throw new Error(`browser test cannot run: ${loaded.reason}`);
    console.error(skipBanner(loaded.reason));
    ctx.skip();
    return undefined;
  }
  return loaded.pw.chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), 'tfd-chrome-')), {
    executablePath: loaded.executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/**
 * Serves `root` (cross-origin isolated with `isolated`), launches Chromium, runs `fn` with the site's URL and closes
 * both; without a browser it skips the test `ctx` like {@link launchChromium}.
 *
 * @example
 * ```ts
 * await inChromium(ctx, webDir, async (browser, url) => { const page = await browser.newPage(); await page.goto(url); });
 * ```
 */
export async function inChromium(
  ctx: { skip(): void },
  root: string,
  fn: (browser: BrowserContext, url: string) => Promise<void>,
  options: { isolated?: boolean } = {},
): Promise<void> {
  const browser = await launchChromium(ctx);
  if (!browser) return;
  const { url, server } = await serveStatic(root, options);
  try {
    await fn(browser, url);
  } finally {
    await browser.close();
    server.close();
  }
}
