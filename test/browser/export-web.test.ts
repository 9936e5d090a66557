/**
 * End-to-end: export a tiny student with `exportWeb`, serve the folder on localhost, drive headless Chromium with
 * playwright-core, and check the browser predicts what Node predicts. Needs a Chromium (`find-browser.ts` says where
 * it looks) and the `playwright-core` devDependency; without them the test is skipped with a banner, or fails under
 * CI=true.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/use-backend.js';
import { quantize } from '../../src/compress/quantize.js';
import { exportWeb } from '../../src/web/export-web.js';
import { makeTinyCheckpoint, nodePredictions, tinyTexts } from '../tiny-checkpoint.js';
import { inChromium, launchChromium } from './chromium.js';
import { serveStatic } from './static-server.js';

const artifacts = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
const root = mkdtempSync(path.join(tmpdir(), 'tfd-web-'));
const ckptDir = path.join(root, 'student');
const webDir = path.join(root, 'web');

beforeAll(async () => {
  await useBackend('wasm');
  (await makeTinyCheckpoint(ckptDir, { seed: 3 })).model.dispose();
});

describe('exportWeb in Chromium', () => {
  it('predicts in the browser what Node predicts (labels equal, probabilities within 1e-4)', async (ctx) => {
    const texts = [...tinyTexts.map((t) => t.text), 'Ünïcödé and emoji 🚀 free prize', 'short'];
    const node = await nodePredictions(ckptDir, texts);
    await exportWeb(ckptDir, webDir);
    await inChromium(ctx, webDir, async (browser, url) => {
      // Every backend the page picks by default that starts in this Chromium; cpu and wasm always do (WebGL needs a GPU
      // or a software renderer: it is checked where it starts, not required).
      const ran: string[] = [];
      for (const backend of ['cpu', 'wasm', 'webgl']) {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        const offsite: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith(url)) offsite.push(r.url());
        });
        await page.goto(`${url}?backend=${backend}`);
        await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
        const status = await page.textContent('#status');
        if (/^webg/.test(backend) && (await page.getAttribute('body', 'data-ready')) === 'error' && /no TF.js backend/.test(status ?? '')) {
          await page.close();
          continue;
        }
        expect(await page.getAttribute('body', 'data-ready'), `page errors: ${errors.join('; ')} / ${status}`).toBe('true');
        expect(status).toContain(`backend ${backend}`);
        if (backend === 'wasm') expect(status).toMatch(/backend wasm \+ tfdistill SIMD kernels \(relaxed SIMD, 1 XNNPACK thread\)/);
        for (const [i, text] of texts.entries()) {
          const got = await page.evaluate(
            async (t) =>
              (
                window as unknown as {
                  tfdistill: { classify(t: string): Promise<{ label: string; probabilities: Record<string, number> }> };
                }
              ).tfdistill.classify(t),
            text,
          );
          expect(got.label, `${backend}: ${text}`).toBe(node[i].label);
          for (const label of ['ham', 'spam']) expect(Math.abs(got.probabilities[label] - node[i].probabilities[label])).toBeLessThan(1e-4);
        }
        await page.fill('#text', texts[0]);
        await page.click('#classify');
        await page.waitForFunction(() => /latency: \d/.test(document.getElementById('output')?.textContent ?? ''));
        expect(await page.textContent('#output')).toContain(node[0].label);
        if (backend === 'cpu') {
          mkdirSync(artifacts, { recursive: true });
          await page.screenshot({ path: path.join(artifacts, 'export-web.png') });
        }
        expect(errors).toEqual([]);
        expect(offsite).toEqual([]); // the wasm binaries come from the folder, not a CDN
        ran.push(backend);
        await page.close();
      }
      expect(ran.slice(0, 2)).toEqual(['cpu', 'wasm']);
      console.log(`browser backends that ran: ${ran.join(', ')}`);
      // Without ?backend= the page runs on the first that starts, and says which: not WebGL in software (headless
      // Chromium's SwiftShader), which wasm beats.
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
      expect(await page.textContent('#status')).toMatch(/backend (wasm \+ tfdistill SIMD kernels|webgl \()/); // SwiftShader here, so wasm
      await page.goto(`${url}?backend=nope`);
      await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
      expect(await page.textContent('#status')).toMatch(/\?backend=nope is not one of webgpu, webgl, wasm, cpu/);
    });
  });

  it('runs an int8 student (quantize --dtype int8) as Node does: int8 kernels on wasm, the tfjs-op fallback on cpu', async (ctx) => {
    const int8Dir = path.join(root, 'student-int8');
    const int8Web = path.join(root, 'web-int8');
    const wide = path.join(root, 'student-d32'); // d 32, ffn 64: the wasm int8 kernel takes every dense layer
    (await makeTinyCheckpoint(wide, { seed: 3, dModel: 32 })).model.dispose();
    await quantize(wide, { dtype: 'int8', out: int8Dir, latency: false });
    const texts = tinyTexts.map((t) => t.text);
    const node = await nodePredictions(int8Dir, texts);
    await exportWeb(int8Dir, int8Web);
    await inChromium(ctx, int8Web, async (browser, url) => {
      for (const backend of ['wasm', 'cpu']) {
        const page = await browser.newPage();
        await page.goto(`${url}?backend=${backend}`);
        await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
        expect(await page.getAttribute('body', 'data-ready'), String(await page.textContent('#status'))).toBe('true');
        const got = (await page.evaluate(`Promise.all(${JSON.stringify(texts)}.map((t) => window.tfdistill.classify(t)))`)) as {
          label: string;
          probabilities: Record<string, number>;
        }[];
        got.forEach((g, i) => {
          expect(g.label, `${backend}: ${texts[i]}`).toBe(node[i].label);
          for (const label of ['ham', 'spam']) expect(Math.abs(g.probabilities[label] - node[i].probabilities[label])).toBeLessThan(1e-4);
        });
        const kernels = (await page.evaluate(
          `tf.profile(() => window.tfdistill.classify(${JSON.stringify(texts[0])})).then((p) => p.kernelNames)`,
        )) as string[];
        expect(kernels.includes('TfdLinearInt8'), kernels.join(' ')).toBe(backend === 'wasm');
        await page.close();
      }
    });
  });

  it('shows a clear error, not a blank page, for a broken model.json, a missing weights file, a missing tf.min.js or an old browser', async (ctx) => {
    const browser = await launchChromium(ctx);
    if (!browser) return;
    // One export per fault, each served from its own folder.
    const broken = async (name: string, fault: (dir: string) => Promise<void>) => {
      const dir = path.join(root, `web-${name}`);
      await exportWeb(ckptDir, dir);
      await fault(dir);
      return serveStatic(dir);
    };
    const sites = {
      modelJson: await broken('model-json', (d) => writeFile(path.join(d, 'model.json'), '{"modelTopology": ')),
      shard: await broken('shard', async (d) => {
        for (const f of await readdir(d)) if (f.endsWith('.bin')) await rm(path.join(d, f));
      }),
      tfjs: await broken('tfjs', (d) => rm(path.join(d, 'tf.min.js'))),
      oldBrowser: await broken('old-browser', async () => {}),
    };
    try {
      const statusOf = async (url: string, init?: () => void) => {
        const page = await browser.newPage();
        if (init) await page.addInitScript(init);
        await page.goto(url);
        await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
        const result = { ready: await page.getAttribute('body', 'data-ready'), status: await page.textContent('#status') };
        await page.close();
        return result;
      };
      const modelJson = await statusOf(sites.modelJson.url);
      expect(modelJson.ready).toBe('error');
      expect(modelJson.status).toMatch(/failed to load the model from this folder: .*(JSON|model\.json)/i);
      const shard = await statusOf(sites.shard.url);
      expect(shard.ready).toBe('error');
      expect(shard.status, String(shard.status)).toMatch(/failed to load the model from this folder: cannot load [^ ]+\.bin: HTTP 404/);
      const tfjs = await statusOf(sites.tfjs.url);
      expect(tfjs).toEqual({ ready: 'error', status: 'this page failed to start: could not load tf.min.js' });
      const old = await statusOf(sites.oldBrowser.url, () => {
        // An old browser without TextEncoder (the page reads its absence, TF.js does not need it to load).
        delete (window as unknown as { TextEncoder?: unknown }).TextEncoder;
      });
      expect(old.ready).toBe('error');
      expect(old.status).toMatch(/this browser cannot run the model: it lacks TextEncoder/);
    } finally {
      await browser.close();
      for (const site of Object.values(sites)) site.server.close();
    }
  });
});
