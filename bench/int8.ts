/**
 * `npm run bench -- --int8 [--out file] [--no-accuracy]`: what `quantize --dtype int8` buys, measured in one run.
 *  1. Latency: the two bench students (`students.ts`, random weights) in float32 and as `int8Model` copies, batch 1
 *     and 32, Node wasm with tfdistill's kernels, one XNNPACK thread. Float32 and int8 alternate over three rounds
 *     (median of each side's three medians), so drift on the shared machine hits both alike.
 *  2. Accuracy: the demo (`runDemo`, full settings: teacher, then the distilled student) in a temporary folder, then
 *     `quantize(student, { dtype: 'int8' })` on the demo's own held-out split: accuracy of both, and agreement of
 *     int8 with float32.
 * Writes `bench/results/<date>-int8.json` (never overwrites) and prints a markdown table.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/backend/use-backend.js';
import { int8Model } from '../src/compress/int8-model.js';
import { quantize } from '../src/compress/quantize.js';
import { prepareDatasets } from '../src/data/prepare.js';
import { builtinDatasetPath } from '../src/data/readers/builtin-datasets.js';
import { demoSettings, runDemo } from '../src/demo/run-demo.js';
import { loadClassifier } from '../src/io/classifier-checkpoint.js';
import { createEncoder } from '../src/models/encoder.js';
import { DISTILL_DEFAULTS } from '../src/train/distill-config.js';
import { benchStudents, studentIds } from './students.js';
import { median } from './time-median.js';
import { forwardLatencyMs, runsFor } from './web/latency-probe.js';

const argv = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const file = argv.includes('--out')
  ? argv[argv.indexOf('--out') + 1]
  : path.join(here, 'results', `${new Date().toISOString().slice(0, 10)}-int8.json`);
if (existsSync(file)) throw new Error(`${file} exists: results are never overwritten; pass --out <new file>`);
const log = (m: string) => process.stderr.write(`${m}\n`);
const ROUNDS = 3;

const backend = await useBackend('wasm', { wasmThreads: 1 });
log(`backend ${backend.name}, threads ${backend.wasmThreads}, simd ${backend.wasmSimd}`);

interface LatencyRow {
  model: string;
  batch: number;
  float32Ms: number;
  int8Ms: number;
  speedup: number;
}
const latency: LatencyRow[] = [];
for (const spec of benchStudents) {
  const float = createEncoder({ ...spec.options, numClasses: 2, seed: 7, name: spec.dir });
  const { model: int8 } = await int8Model(float);
  const ids = studentIds(spec);
  for (const batch of [1, 32]) {
    const times: Record<'float32' | 'int8', number[]> = { float32: [], int8: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, model] of [
        ['float32', float],
        ['int8', int8],
      ] as [keyof typeof times, tf.LayersModel][]) {
        times[name].push(await forwardLatencyMs(model, ids, batch, spec.seq, runsFor(batch, 'wasm')));
      }
    }
    const [f, q] = [median(times.float32), median(times.int8)];
    latency.push({ model: spec.name, batch, float32Ms: f, int8Ms: q, speedup: f / q });
    log(`${spec.name}, batch ${batch}: float32 ${f.toFixed(2)} ms, int8 ${q.toFixed(2)} ms, ${(f / q).toFixed(2)}x`);
  }
  int8.dispose();
  float.dispose();
}

let accuracy: Record<string, unknown> | undefined;
if (!argv.includes('--no-accuracy')) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfd-bench-int8-'));
  try {
    const s = demoSettings.full;
    log('training the demo (teacher, then student) ...');
    const demo = await runDemo({ out: path.join(dir, 'demo'), settings: s, log });
    const student = demo.student.checkpointDir;
    const { tokenizer, labels, model } = await loadClassifier(student);
    model.dispose();
    // The demo's own held-out split (same data, seed and fraction as its runs).
    const { validation } = await prepareDatasets({
      train: builtinDatasetPath('spam-assassin'),
      seed: DISTILL_DEFAULTS.seed,
      maxLength: s.maxLength,
      tokenizer,
      labels,
    });
    const data = { ids: validation.map((e) => e.ids), labels: validation.map((e) => e.label as number) };
    const r = await quantize(student, { dtype: 'int8', data, latency: false });
    const [f, q] = r.rows;
    accuracy = {
      examples: data.ids.length,
      float32Accuracy: f.accuracy,
      int8Accuracy: q.accuracy,
      accuracyDropPoints: 100 * ((f.accuracy ?? 0) - (q.accuracy ?? 0)),
      agreement: q.agreement,
      klFromFloat32: q.kl,
      float32Bytes: f.sizeRaw,
      int8Bytes: q.sizeRaw,
      table: r.table,
    };
    log(r.table);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const result = {
  command: ['npm run bench -- --int8', ...argv].join(' '),
  date: new Date().toISOString(),
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  backend: { name: backend.name, wasmThreads: backend.wasmThreads, simd: backend.wasmSimd },
  method: `median ms from predict to logits on the host (bench/web/latency-probe.ts), float32 and int8 alternating over ${ROUNDS} rounds`,
  latency,
  accuracy,
};
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log('| student | batch | float32 ms | int8 ms | int8 speedup |\n|---|---:|---:|---:|---:|');
for (const r of latency)
  console.log(`| ${r.model} | ${r.batch} | ${r.float32Ms.toFixed(2)} | ${r.int8Ms.toFixed(2)} | ${r.speedup.toFixed(2)}x |`);
log(`wrote ${file}`);
