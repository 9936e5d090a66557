/**
 * The `tfdistill/web` example app (examples/web-app) built with esbuild and run in Chromium: its predictor runs the
 * model in a Web Worker and predicts what Node predicts; errors cross the worker with their code. Also the exported
 * page, cross-origin isolated, on the threaded wasm build with tfdistill's kernels.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp } from '../../examples/web-app/build.js';
import { useBackend } from '../../src/backend/use-backend.js';
import type { Prediction } from '../../src/serve/predictor-core.js';
import { exportWeb } from '../../src/web/export-web.js';
import { makeTinyCheckpoint, nodePredictions, tinyTexts } from '../tiny-checkpoint.js';
import { inChromium } from './chromium.js';

const root = mkdtempSync(path.join(tmpdir(), 'tfd-web-app-'));
const ckptDir = path.join(root, 'student');
const webDir = path.join(root, 'web');
const texts = [...tinyTexts.map((t) => t.text), 'Ünïcödé and emoji 🚀 free prize'];
let node: Prediction[];

beforeAll(async () => {
  await useBackend('wasm');
  (await makeTinyCheckpoint(ckptDir, { seed: 5 })).model.dispose();
  node = await nodePredictions(ckptDir, texts);
  await exportWeb(ckptDir, webDir);
});

function expectSame(got: Prediction[]): void {
  got.forEach((p, i) => {
    expect(p.label, texts[i]).toBe(node[i].label);
    for (const label of ['ham', 'spam']) expect(Math.abs(p.probabilities[label] - node[i].probabilities[label])).toBeLessThan(1e-4);
  });
}

describe('tfdistill/web in Chromium', () => {
  it('the example app predicts in a Web Worker what Node predicts, and an empty text fails there with its code', async (ctx) => {
    const appDir = path.join(root, 'app');
    await buildWebApp(webDir, appDir);
    await inChromium(ctx, appDir, async (browser, url) => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
      expect(await page.getAttribute('body', 'data-ready'), `${await page.textContent('#status')} ${errors}`).toBe('true');
      expect(page.workers().length).toBeGreaterThan(0); // the model lives in the worker
      type App = { app: { predictor: { predict(t: string): Promise<Prediction> } } };
      const got = await page.evaluate((ts) => Promise.all(ts.map((t) => (window as unknown as App).app.predictor.predict(t))), texts);
      expectSame(got);
      const empty = await page.evaluate(() =>
        (window as unknown as App).app.predictor.predict(' ').then(
          () => 'resolved',
          (e: { name: string; code: string }) => `${e.name} ${e.code}`,
        ),
      );
      expect(empty).toBe('TfdistillError DATA_INVALID');
      await page.fill('#text', texts[0]);
      await page.waitForFunction(() => (document.getElementById('output')?.textContent ?? '') !== '');
      expect(await page.textContent('#output')).toContain(node[0].label);
      expect(errors).toEqual([]);
    });
  });

  it('the example app says which file is missing when the model folder is not there', async (ctx) => {
    const appDir = path.join(root, 'app-no-model');
    await buildWebApp(path.join(root, 'nowhere-empty'), appDir).catch(() => undefined); // copying a missing folder fails
    await inChromium(ctx, appDir, async (browser, url) => {
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
      expect(await page.getAttribute('body', 'data-ready')).toBe('error');
      expect(await page.textContent('#status')).toMatch(
        /cannot load the model: cannot load (model|tokenizer|labels|web-config)\.json: HTTP 404/,
      );
    });
  });

  it('the exported page, cross-origin isolated, runs the threaded wasm build with the kernels and predicts what Node predicts', async (ctx) => {
    await inChromium(
      ctx,
      webDir,
      async (browser, url) => {
        const page = await browser.newPage();
        await page.goto(`${url}?backend=wasm`);
        await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
        const status = await page.textContent('#status');
        expect(await page.getAttribute('body', 'data-ready'), String(status)).toBe('true');
        expect(status).toMatch(/backend wasm \+ tfdistill SIMD kernels \(relaxed SIMD, threaded build, \d XNNPACK threads?\)/);
        type Page = { tfdistill: { classify(t: string): Promise<Prediction>; backend: { notes: string[] } } };
        expectSame(await page.evaluate((ts) => Promise.all(ts.map((t) => (window as unknown as Page).tfdistill.classify(t))), texts));
        // A matmul big enough to be split over the helper thread (the page's thread spins while it waits: a main thread
        // may not sleep) equals a float64 reference.
        expect(await page.evaluate(() => (window as unknown as Page).tfdistill.backend.notes)).toContain(
          'wasm: the SIMD matmul kernel splits big matmuls over a second thread (shared memory)',
        );
        const worst = await page.evaluate(async () => {
          const tf = (window as unknown as { tf: typeof import('@tensorflow/tfjs') }).tf;
          const [a, b] = [tf.randomUniform([256, 256], -1, 1, 'float32', 1), tf.randomUniform([256, 256], -1, 1, 'float32', 2)];
          const c = tf.matMul(a, b);
          const [av, bv, cv] = await Promise.all([a.data(), b.data(), c.data()]);
          tf.dispose([a, b, c]);
          let err = 0;
          for (let i = 0; i < 256; i += 7) {
            for (let j = 0; j < 256; j += 5) {
              let sum = 0;
              for (let p = 0; p < 256; p++) sum += av[i * 256 + p] * bv[p * 256 + j];
              err = Math.max(err, Math.abs(cv[i * 256 + j] - sum));
            }
          }
          return err;
        });
        expect(worst).toBeLessThan(1e-4);
      },
      { isolated: true },
    );
  });
});
