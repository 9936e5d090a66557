/**
 * `npm run bench -- --scaling`: how cost grows with the student, tfdistill beside PyTorch. Over model widths (128, 256,
 * 512, 768 at 2 blocks), depths (2, 4, 12 at width 768) and sequence lengths (64, 128, 256, 512 at the bench student,
 * d128 x 2), it measures the cached KD step (batch 32; tfdistill with its default of one replica per core, PyTorch on
 * 2 threads), the batch-1 forward (tfdistill on 1 thread, PyTorch on 2, as `npm run bench` compares them) and the
 * peak RSS. Each point runs in a process of its own per side (`bench/scaling-point.ts`, `bench/peer/torch_scaling.py`),
 * one at a time. Heads are d / 64, FFN 4d.
 *
 * Writes `bench/results/scaling-<date>.json` and `.svg` (never over an existing file; `--out <base>` names others) and
 * prints a table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scalingChart, type ScalingRow } from './scaling-chart.js';
import { PEER_DIR } from './torch-peer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const base = argv.includes('--out')
  ? argv[argv.indexOf('--out') + 1]
  : path.join(here, 'results', `scaling-${new Date().toISOString().slice(0, 10)}`);
for (const ext of ['.json', '.svg'])
  if (existsSync(base + ext)) throw new Error(`${base + ext} exists: results are never overwritten; pass --out <base>`);
const log = (m: string) => process.stderr.write(`${m}\n`);

const shape = (dModel: number, numLayers: number, seq: number) => ({ dModel, numLayers, numHeads: dModel / 64, ffnDim: 4 * dModel, seq });
const points: Array<{ series: ScalingRow['series']; x: number; shape: ReturnType<typeof shape> }> = [
  ...[128, 256, 512, 768].map((d) => ({ series: 'width' as const, x: d, shape: shape(d, 2, 128) })),
  ...[2, 4, 12].map((layers) => ({ series: 'depth' as const, x: layers, shape: shape(768, layers, 128) })),
  ...[64, 128, 256, 512].map((seq) => ({ series: 'sequence' as const, x: seq, shape: shape(128, 2, seq) })),
];
/** Fewer timed steps where one step takes seconds. */
const stepsFor = (s: ReturnType<typeof shape>) =>
  s.dModel * s.dModel * s.numLayers * s.seq > 768 * 768 * 2 * 128 ? 2 : s.dModel >= 512 || s.seq >= 512 ? 3 : 5;

/** Runs one side of one point in a child process and parses its JSON line. */
function runPoint(command: string, args: string[], cwd: string): Record<string, number> | { error: string } {
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as Record<string, number>;
  } catch {
    return { error: `exit ${child.status}: ${(child.stderr || line).trim().split('\n').slice(-3).join(' / ')}` };
  }
}

const rows: ScalingRow[] = [];
const seen = new Map<
  string,
  { tfdistill: Record<string, number> | { error: string }; pytorch: Record<string, number> | { error: string } }
>();
for (const p of points) {
  const key = JSON.stringify(p.shape);
  let result = seen.get(key);
  if (!result) {
    const json = JSON.stringify({ ...p.shape, steps: stepsFor(p.shape) });
    log(`d${p.shape.dModel} x ${p.shape.numLayers}, ${p.shape.seq} tokens: tfdistill ...`);
    const tfdistill = runPoint(process.execPath, ['--import', 'tsx', path.join(here, 'scaling-point.ts'), json], process.cwd());
    log('  PyTorch ...');
    const pytorch = runPoint('/usr/bin/python3', [path.join(PEER_DIR, 'torch_scaling.py'), json], PEER_DIR);
    result = { tfdistill, pytorch };
    seen.set(key, result);
  }
  rows.push({ series: p.series, x: p.x, ...p.shape, tfdistill: result.tfdistill, pytorch: result.pytorch });
}

const result = {
  command: ['npm run bench -- --scaling', ...argv].join(' '),
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  method:
    'cached KD step: batch 32, median samples/s (tfdistill: one replica per core; PyTorch 1.13: 2 threads); batch-1 forward: median ms (tfdistill: wasm, 1 thread; PyTorch: 2 threads); peak RSS of each side`s process',
  rows,
};
mkdirSync(path.dirname(base), { recursive: true });
writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(`${base}.svg`, scalingChart(rows));

const f = (v: number | undefined, digits = 1) => (v === undefined ? 'n/a' : v.toFixed(digits));
console.log(
  '| series | student | tokens | KD step tfdistill / PyTorch (samples/s) | ratio | batch-1 tfdistill / PyTorch (ms) | ratio | peak RSS tfdistill / PyTorch (MB) |',
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const [t, p] = [r.tfdistill as Record<string, number>, r.pytorch as Record<string, number>];
  console.log(
    `| ${r.series} | d${r.dModel} x ${r.numLayers} | ${r.seq} | ${f(t.cachedStepSamplesPerS)} / ${f(p.cachedStepSamplesPerS)} | ` +
      `${f(t.cachedStepSamplesPerS / p.cachedStepSamplesPerS, 2)}x | ${f(t.b1Ms, 2)} / ${f(p.b1Ms, 2)} | ${f(p.b1Ms / t.b1Ms, 2)}x | ` +
      `${f(t.peakRssMB, 0)} / ${f(p.peakRssMB, 0)} |`,
  );
}
log(`wrote ${base}.json and ${base}.svg`);
