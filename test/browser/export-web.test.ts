/**
 * End-to-end: export a tiny student with `exportWeb`, serve the folder on localhost, drive headless Chromium with
 * playwright-core, and check the browser predicts what Node predicts. Needs a Chromium (`find-browser.ts` says where
 * it looks) and the `playwright-core` devDependency; without them the test is skipped with a banner, or fails under
 * CI=true.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/use-backend.js';
import { createPredictor } from '../../src/serve/predictor.js';
import { exportWeb } from '../../src/web/export-web.js';
import { expectNoLeaks } from '../helpers.js';
import { makeTinyCheckpoint, tinyTexts } from '../tiny-checkpoint.js';
import { findBrowser, skipBanner } from './find-browser.js';
import { serveStatic } from './static-server.js';

const artifacts = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
const root = mkdtempSync(path.join(tmpdir(), 'tfd-web-'));
const ckptDir = path.join(root, 'student');
const webDir = path.join(root, 'web');

type Playwright = typeof import('playwright-core');

/** playwright-core and the browser to drive, or why the test cannot run and whether that fails it. */
async function loadPlaywright(): Promise<{ pw: Playwright; executablePath: string } | { reason: string; fail: boolean }> {
  const browser = findBrowser(process.env);
  if (!browser.ok) return browser;
  try {
    return { pw: await import('playwright-core'), executablePath: browser.executablePath };
  } catch (e) {
    return { reason: `playwright-core is not installed (${(e as Error).message}); it is a devDependency`, fail: true };
  }
}

beforeAll(async () => {
  await useBackend('wasm');
  (await makeTinyCheckpoint(ckptDir, { seed: 3 })).model.dispose();
});

describe('exportWeb in Chromium', () => {
  it('predicts in the browser what Node predicts (labels equal, probabilities within 1e-4)', async (ctx) => {
    const loaded = await loadPlaywright();
    if ('reason' in loaded) {
      if (loaded.fail) throw new Error(`browser test cannot run: ${loaded.reason}`);
      console.error(skipBanner(loaded.reason));
      ctx.skip();
      return;
    }
    const { pw, executablePath } = loaded;
    const texts = [...tinyTexts.map((t) => t.text), 'Ünïcödé and emoji 🚀 free prize', 'short'];
    const node = await expectNoLeaks(async () => {
      const predictor = await createPredictor(ckptDir);
      try {
        return await Promise.all(texts.map((t) => predictor.predict(t)));
      } finally {
        await predictor.close();
      }
    });
    await exportWeb(ckptDir, webDir);
    const { url, server } = await serveStatic(webDir);
    // A fresh profile per run; playwright passes it as --user-data-dir.
    const browser = await pw.chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), 'tfd-chrome-')), {
      executablePath,
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
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const offsite: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(url)) offsite.push(r.url());
      });
      await page.goto(url);
      await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
      expect(
        await page.getAttribute('body', 'data-ready'),
        `page errors: ${errors.join('; ')} / ${await page.textContent('#status')}`,
      ).toBe('true');
      for (const [i, text] of texts.entries()) {
        const got = await page.evaluate(
          async (t) =>
            (
              window as unknown as { tfdistill: { classify(t: string): Promise<{ label: string; probabilities: Record<string, number> }> } }
            ).tfdistill.classify(t),
          text,
        );
        expect(got.label, text).toBe(node[i].label);
        for (const label of ['ham', 'spam']) expect(Math.abs(got.probabilities[label] - node[i].probabilities[label])).toBeLessThan(1e-4);
      }
      await page.fill('#text', texts[0]);
      await page.click('#classify');
      await page.waitForFunction(() => /latency: \d/.test(document.getElementById('output')?.textContent ?? ''));
      expect(await page.textContent('#output')).toContain(node[0].label);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'export-web.png') });
      expect(errors).toEqual([]);
      expect(offsite).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
