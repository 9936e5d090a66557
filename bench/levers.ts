/**
 * What each of tfdistill's wasm levers buys on the standard workload, leave-one-out: tfdistill's real step and
 * forward passes with one lever switched off at a time, each followed by a measurement with every lever on, then all
 * kernel levers off (stock tfjs-backend-wasm 4.22 plus the UnsortedSegmentSum it lacks), then all on twice (the noise). Figures: (b) cached KD step, (c) teacher
 * forward b32, (d) student b32 and b1 (medians); last, the step and teacher pass with 2 data-parallel replicas.
 * Writes `bench/results/levers<-threadsN>.md`.
 *
 * Run: `npx tsx bench/levers.ts [--threads 2] [--quick]` (one process per thread count; ~8 min single-threaded).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installBatchMatMulOverride, restoreStockBatchMatMul } from '../src/backend/wasm-kernels/batch-matmul.js';
import { installFusedMatMulOverride, restoreStockFusedMatMul } from '../src/backend/wasm-kernels/fused-matmul.js';
import { geluKernelNames, registerGeluKernels } from '../src/backend/wasm-kernels/gelu.js';
import { installGatherOverride, restoreStockGather } from '../src/backend/wasm-kernels/gather.js';
import { installIdentityOverride, restoreStockIdentity } from '../src/backend/wasm-kernels/identity.js';
import { installSliceOverrides, restoreStockSlices } from '../src/backend/wasm-kernels/slice.js';
import { layerNormKernelNames, registerLayerNormKernels } from '../src/backend/wasm-kernels/layer-norm.js';
import { installWasmOverrides, restoreStockWasmKernels } from '../src/backend/wasm-kernels/register.js';
import { simdSwitches } from '../src/backend/wasm-kernels/simd/switches.js';
import { installSumOverride, restoreStockSum } from '../src/backend/wasm-kernels/sum.js';
import { installTransposeOverride, restoreStockTranspose } from '../src/backend/wasm-kernels/transpose.js';
import { timeMedian } from './time-median.js';
import { buildTfdistill } from './tfdistill-step.js';
import { startBenchBackend, workload } from './workload.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const info = await startBenchBackend(argv);
const threads = info.wasmThreads ?? 1;

const unfuseLayerNorm = () =>
  Object.values(layerNormKernelNames).forEach((k) => {
    tf.unregisterKernel(k, 'wasm');
  });
const unfuseGelu = () =>
  Object.values(geluKernelNames).forEach((k) => {
    tf.unregisterKernel(k, 'wasm');
  });
const switched = (name: Exclude<keyof typeof simdSwitches, 'int8'>) => ({
  off: () => {
    simdSwitches[name] = false;
  },
  on: () => {
    simdSwitches[name] = true;
  },
});
const levers: { name: string; off: () => void; on: () => void }[] = [
  { name: 'SIMD matmul kernel (else XNNPACK after transposes)', ...switched('matmul') },
  { name: 'fused multiply-add in the SIMD matmul (relaxed SIMD)', ...switched('fma') },
  { name: 'SIMD matrix transpose tiles', ...switched('transpose') },
  { name: 'attention kernel (inference: b1 and b32 only)', ...switched('attention') },
  { name: 'dense layers as one TfdLinear kernel (else tf.fused.matMul)', ...switched('linear') },
  { name: 'SIMD GELU kernels (fwd + bwd)', off: unfuseGelu, on: registerGeluKernels },
  { name: 'BatchMatMul override (XNNPACK, transposes first, SIMD kernel)', off: restoreStockBatchMatMul, on: installBatchMatMulOverride },
  { name: '_FusedMatMul override (dense layers: SIMD kernel + bias)', off: restoreStockFusedMatMul, on: installFusedMatMulOverride },
  { name: 'rank >= 5 Transpose as row copies', off: restoreStockTranspose, on: installTransposeOverride },
  { name: 'leading-axes Sum (bias gradients)', off: restoreStockSum, on: installSumOverride },
  { name: 'GatherV2 row copies (embedding lookup)', off: restoreStockGather, on: installGatherOverride },
  { name: 'Identity shares buffers (tensors saved for backward)', off: restoreStockIdentity, on: installIdentityOverride },
  { name: 'Slice / Unpack as contiguous copies (q|k|v split)', off: restoreStockSlices, on: installSliceOverrides },
  { name: 'fused layer norm kernels (fwd + bwd, SIMD)', off: unfuseLayerNorm, on: registerLayerNormKernels },
];
const configs: { name: string; off: () => void; on: () => void }[] = [
  ...levers.map((l) => ({ name: `without: ${l.name}`, off: l.off, on: l.on })),
  {
    name: 'all kernel levers off (stock kernels)',
    off: () => {
      restoreStockWasmKernels();
      unfuseLayerNorm();
      unfuseGelu();
      simdSwitches.attention = simdSwitches.linear = false;
    },
    on: () => {
      installWasmOverrides();
      registerLayerNormKernels();
      registerGeluKernels();
      simdSwitches.attention = simdSwitches.linear = true;
    },
  },
  // Both halves identical: the spread within this row is the run's noise.
  { name: 'all levers on (noise check)', off: () => {}, on: () => {} },
];

const n = quick ? { steps: 2, b1: 10 } : { steps: 5, b1: 30 };
const c = await buildTfdistill();
type Figures = [cached: number, teacher: number, b32: number, b1: number];
const measureAll = async (): Promise<Figures> => [
  workload.batch / (await timeMedian(() => c.kdStep(true), { warmup: 2, n: n.steps })),
  workload.batch / (await timeMedian(() => c.teacherForward(), { warmup: 1, n: Math.max(2, n.steps - 2) })),
  1000 * (await timeMedian(() => c.studentForward(32), { warmup: 1, n: n.steps })),
  1000 * (await timeMedian(() => c.studentForward(1), { warmup: 3, n: n.b1 })),
];
const digits = [2, 2, 0, 2];
// Each configuration is measured, then every lever on again right after it: on this shared VM the machine's speed
// drifts by more than some levers are worth, so each row reads "off / on" from back-to-back measurements.
const rows: string[] = [];
for (const config of configs) {
  process.stderr.write(`${config.name} ...\n`);
  config.off();
  let off: Figures;
  try {
    off = await measureAll();
  } finally {
    config.on();
  }
  const on = await measureAll();
  rows.push(`| ${config.name} | ${off.map((v, i) => `${v.toFixed(digits[i])} / ${on[i].toFixed(digits[i])}`).join(' | ')} |`);
}
await c.dispose();

// Data parallelism on top of every kernel lever: the same step and teacher pass over 2 replicas (this thread + 1
// worker thread), as `distill({ runtime: { replicas: 2 } })` runs them.
if (!quick || argv.includes('--replicas')) {
  process.stderr.write('all levers on + 2 data-parallel replicas ...\n');
  const p = await buildTfdistill({ replicas: 2 });
  const cached = await timeMedian(() => p.kdStep(true), { warmup: 2, n: n.steps });
  const teacher = await timeMedian(() => p.teacherForward(), { warmup: 1, n: Math.max(2, n.steps - 2) });
  rows.push(
    `| all levers on + 2 data-parallel replicas (not paired) | ${(workload.batch / cached).toFixed(2)} | ${(workload.batch / teacher).toFixed(2)} | - | - |`,
  );
  await p.dispose();
}

const table = [
  `wasm, ${info.wasmThreads} thread(s), SIMD ${info.wasmSimd}; tfdistill's step and forward passes on the standard workload; medians.`,
  'Each cell: the configuration / every lever on, measured right after it.',
  '',
  '| configuration | (b) cached KD step, samples/s | (c) teacher fwd b32, samples/s | (d) student b32, ms | (d) student b1, ms |',
  '|---|---:|---:|---:|---:|',
  ...rows,
].join('\n');
console.log(table);
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `levers${threads > 1 ? `-threads${threads}` : ''}${quick ? '-quick' : ''}.md`);
writeFileSync(file, `# Levers, leave-one-out (${new Date().toISOString().slice(0, 10)})\n\n${table}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
