/**
 * `npm run bench:web`: forward latency of two students in headless Chromium, per backend that starts there (cpu,
 * stock wasm, wasm with tfdistill's kernels, WebGL; not WebGPU, which computes these models wrongly in TF.js 4.22 and
 * which headless Chromium offers no adapter for without a flag), beside the same models on Node's wasm backend with the
 * kernels. Both sides run the same code (`web/latency-probe.ts`) on the same saved models and token ids, one after the
 * other in one run (never at the same time: the machine has 2 cores). Students (random weights: latency does not
 * depend on them): the demo's (d64 x 1 block, 64 tokens) and the bench workload's (d128 x 2 blocks, 128 tokens), each
 * also as its int8 copy (`quantize --dtype int8`), which runs on Node and on Chromium's wasm with tfdistill's kernels
 * (the result records which int8 form the page picked).
 *
 * Run: `npm run bench:web [-- --out bench/results/<file>.json] [--only <backend label part, e.g. kernels>]`. Needs Chromium (as the browser tests do).
 * Writes the JSON result (default `bench/results/<date>-web.json`, never over an existing file) and prints the table.
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { useBackend } from '../src/backend/use-backend.js';
import { saveModel } from '../src/io/save-model.js';
import { createEncoder } from '../src/models/encoder.js';
import { buildWebBundle } from '../src/web/build-bundle.js';
import { stockScripts } from '../src/web/export-web.js';
import { launchChromium } from '../test/browser/chromium.js';
import { serveStatic } from '../test/browser/static-server.js';
import type { WebBenchCell, WebBenchRequest } from './web/page.js';
import { forwardLatencyMs, runsFor } from './web/latency-probe.js';
import { int8Model } from '../src/compress/int8-model.js';
import { benchStudents, studentIds } from './students.js';

/** The row name of a student's int8 copy. */
const int8Name = (name: string): string => `${name}, int8`;

const argv = process.argv.slice(2);
const outArg = argv.indexOf('--out');
const out = outArg >= 0 ? argv[outArg + 1] : `bench/results/${new Date().toISOString().slice(0, 10)}-web.json`;
if (existsSync(out)) throw new Error(`${out} exists: results are never overwritten; pass --out <new file>`);
const only = argv.indexOf('--only') >= 0 ? argv[argv.indexOf('--only') + 1] : undefined; // e.g. --only wasm
const batches = [1, 32];
const log = (s: string) => process.stderr.write(`${s}\n`);

// The two students, saved where the page can load them.
const site = mkdtempSync(path.join(os.tmpdir(), 'tfd-bench-web-'));

const nodeInfo = await useBackend('wasm');
const node: WebBenchCell[] = [];
const models: WebBenchRequest['models'] = [];
// Each student in float32 and as its int8 copy (quantize --dtype int8); int8 runs only where tfdistill's kernels do.
for (const spec of benchStudents) {
  const model = createEncoder({ ...spec.options, numClasses: 2, seed: 7, name: spec.dir });
  const { model: int8 } = await int8Model(model);
  const ids = studentIds(spec);
  for (const [name, dir, m] of [
    [spec.name, spec.dir, model],
    [int8Name(spec.name), `${spec.dir}-int8`, int8],
  ] as const) {
    await saveModel(m, path.join(site, dir));
    for (const batch of batches) {
      log(`node wasm + kernels: ${name}, batch ${batch}`);
      node.push({ model: name, batch, ms: await forwardLatencyMs(m, ids, batch, spec.seq, runsFor(batch, 'wasm')) });
    }
    models.push({ name, url: `${dir}/model.json`, seq: spec.seq, ids: Array.from(ids), int8: m === int8 });
  }
  int8.dispose();
  model.dispose();
}

// The page: the stock TF.js scripts an exported page ships, and the bench script bundled like the exported page's.
const scripts = stockScripts();
await mkdir(site, { recursive: true });
for (const [name, from] of Object.entries(scripts)) await copyFile(from, path.join(site, name));
await writeFile(path.join(site, 'bench.js'), await buildWebBundle(path.resolve('bench/web/page.ts')));
await writeFile(
  path.join(site, 'index.html'),
  `<!doctype html><meta charset="utf-8"><title>bench:web</title><body>
${Object.keys(scripts)
  .filter((f) => f.endsWith('.js'))
  .map((f) => `<script src="${f}"></script>`)
  .join('\n')}
<script type="module" src="bench.js"></script></body>`,
);

const configs: Array<{ label: string; backend: WebBenchRequest['backend']; kernels: boolean }> = [
  { label: 'Chromium cpu', backend: 'cpu', kernels: false },
  { label: 'Chromium wasm (stock)', backend: 'wasm', kernels: false },
  { label: 'Chromium wasm + tfdistill kernels', backend: 'wasm', kernels: true },
  { label: 'Chromium WebGL', backend: 'webgl', kernels: false },
];
const browser = await launchChromium();
if (!browser) throw new Error('no browser');
const { url, server } = await serveStatic(site);
const chromium: Array<{ label: string; backend?: unknown; cells?: WebBenchCell[]; int8Form?: string; skipped?: string }> = [];
let chromiumVersion = '';
try {
  chromiumVersion = browser.browser()?.version() ?? '';
  for (const config of configs.filter((c) => only === undefined || c.label.includes(only))) {
    log(`${config.label} ...`);
    const page = await browser.newPage(); // a fresh page per backend: kernels register once per page
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => errors.push(`console: ${m.text()}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    page.on('response', (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${r.url()}`));
    try {
      await page.goto(url);
      await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 20_000 }).catch((e: Error) => {
        throw new Error(`the bench page did not start: ${errors.join('; ') || e.message}`);
      });
      const request: WebBenchRequest = { backend: config.backend, kernels: config.kernels, models, batches };
      const result = await page.evaluate(
        (r) =>
          (
            window as unknown as { benchRun(r: WebBenchRequest): Promise<{ backend: unknown; cells: WebBenchCell[]; int8Form?: string }> }
          ).benchRun(r),
        request,
      );
      chromium.push({ label: config.label, ...result });
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0];
      log(`  skipped: ${reason}`);
      chromium.push({ label: config.label, skipped: reason });
    } finally {
      await page.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}

const cell = (cells: WebBenchCell[] | undefined, model: string, batch: number) =>
  cells?.find((c) => c.model === model && c.batch === batch)?.ms;
const ours = chromium.find((c) => c.label === 'Chromium wasm + tfdistill kernels');
const cpu = chromium.find((c) => c.label === 'Chromium cpu');
const ratios = benchStudents.flatMap((s) =>
  batches.map((batch) => {
    const [n, o, c] = [cell(node, s.name, batch), cell(ours?.cells, s.name, batch), cell(cpu?.cells, s.name, batch)];
    const [n8, o8] = [cell(node, int8Name(s.name), batch), cell(ours?.cells, int8Name(s.name), batch)];
    return {
      model: s.name,
      batch,
      chromiumKernelsOverNode: o && n ? o / n : undefined,
      cpuOverChromiumKernels: c && o ? c / o : undefined,
      int8SpeedupNode: n && n8 ? n / n8 : undefined,
      int8SpeedupChromium: o && o8 ? o / o8 : undefined,
    };
  }),
);
const result = {
  command: ['npm run bench:web', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
  date: new Date().toISOString(),
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.version,
    tfjs: tf.version.tfjs,
    chromium: chromiumVersion,
  },
  method:
    'median ms from model.predict to logits on the host (bench/web/latency-probe.ts), batch 1 and 32 of random ids, full-length rows; Node: useBackend("wasm"), 1 thread, kernels on; Chromium headless, page not cross-origin isolated (1 thread); the Chromium clock has 0.1 ms resolution',
  node: { backend: nodeInfo.name, wasmThreads: nodeInfo.wasmThreads, wasmFma: nodeInfo.wasmFma, cells: node },
  chromium,
  ratios,
};
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);

// The table: one row per model and batch, one column per place the model ran.
const columns = [
  { label: 'Node wasm + kernels', cells: node as WebBenchCell[] | undefined },
  ...chromium.map((c) => ({ label: c.label, cells: c.cells })),
];
const fmt = (ms: number | undefined) => (ms === undefined ? 'n/a' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
console.log(`| model | batch | ${columns.map((c) => c.label).join(' | ')} |`);
console.log(`|---|---:|${columns.map(() => '---:').join('|')}|`);
for (const name of models.map((m) => m.name))
  for (const batch of batches) console.log(`| ${name} | ${batch} | ${columns.map((c) => fmt(cell(c.cells, name, batch))).join(' | ')} |`);
console.log(`\nwrote ${out}`);
