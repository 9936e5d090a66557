/**
 * Micro-benchmark of tfdistill's wasm kernel overrides against the stock tfjs-backend-wasm 4.22
 * kernels: BatchMatMul in GFLOP/s (2*m*k*n per matrix product), then Transpose, Sum, GatherV2, Unpack and Slice in ms
 * (medians of timed runs after warm-up).
 *
 * Run: `npx tsx bench/kernels.ts` (single-threaded wasm; other load on the machine skews it).
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/backend/use-backend.js';
import { installBatchMatMulOverride, restoreStockBatchMatMul } from '../src/backend/wasm-kernels/batch-matmul.js';
import { installGatherOverride, restoreStockGather } from '../src/backend/wasm-kernels/gather.js';
import { installSliceOverrides, restoreStockSlices } from '../src/backend/wasm-kernels/slice.js';
import { installSumOverride, restoreStockSum } from '../src/backend/wasm-kernels/sum.js';
import { installTransposeOverride, restoreStockTranspose } from '../src/backend/wasm-kernels/transpose.js';

interface Case {
  label: string;
  a: number[]; // [...batch, m, k], untransposed
  b: number[]; // [...batch, k, n], untransposed
}

const cases: Case[] = [
  { label: '[4096x128]x[128x512]', a: [4096, 128], b: [128, 512] },
  { label: '[32,2,128,64]x[32,2,64,128]', a: [32, 2, 128, 64], b: [32, 2, 64, 128] },
  { label: '[32,128,256]x[256,256]', a: [32, 128, 256], b: [256, 256] },
];
const combos = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

/** Median milliseconds of `f` (result read back, so the work is really done). */
function medianMs(f: () => tf.Tensor, runs: number): number {
  for (let i = 0; i < 2; i++) f().dispose();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = f();
    out.dataSync();
    times.push(performance.now() - t0);
    out.dispose();
  }
  return times.sort((x, y) => x - y)[Math.floor(runs / 2)];
}

const swapLastTwo = (x: tf.Tensor): tf.Tensor => {
  const perm = x.shape.map((_, i) => i);
  perm.push(...perm.splice(-2).reverse());
  return tf.transpose(x, perm);
};

await useBackend('wasm');
console.log('shape                          tA     tB      stock GFLOP/s  override GFLOP/s  speed-up');
for (const c of cases) {
  const [m, k] = c.a.slice(-2);
  const n = c.b[c.b.length - 1];
  const batch = c.a.slice(0, -2).reduce((p, d) => p * d, 1);
  const gflop = (2 * batch * m * k * n) / 1e9;
  const a = tf.randomUniform(c.a, -1, 1, 'float32', 1);
  const b = tf.randomUniform(c.b, -1, 1, 'float32', 2);
  const [aT, bT] = [swapLastTwo(a), swapLastTwo(b)];
  for (const [tA, tB] of combos) {
    const f = (): tf.Tensor => tf.matMul(tA ? aT : a, tB ? bT : b, tA, tB);
    restoreStockBatchMatMul();
    const stock = gflop / (medianMs(f, 5) / 1e3);
    installBatchMatMulOverride();
    const ours = gflop / (medianMs(f, 9) / 1e3);
    const row = [
      c.label.padEnd(30),
      String(tA).padEnd(6),
      String(tB).padEnd(6),
      stock.toFixed(2).padStart(14),
      ours.toFixed(2).padStart(17),
      `${(ours / stock).toFixed(1)}x`.padStart(9),
    ];
    console.log(row.join(' '));
  }
  tf.dispose([a, b, aT, bT]);
}

const embeddingIds = tf.tensor1d(
  Int32Array.from({ length: 4096 }, (_, i) => (i * 7919) % 8000),
  'int32',
);
console.log('\nkernel                                         stock ms  override ms  speed-up');
const others: { label: string; shape: number[]; f: (x: tf.Tensor) => tf.Tensor; stock: () => void; ours: () => void }[] = [
  {
    label: 'Transpose [32,128,3,2,64] perm [2,0,3,1,4]',
    shape: [32, 128, 3, 2, 64],
    f: (x) => tf.transpose(x, [2, 0, 3, 1, 4]),
    stock: restoreStockTranspose,
    ours: installTransposeOverride,
  },
  { label: 'Sum [4096,384] axis 0', shape: [4096, 384], f: (x) => tf.sum(x, 0), stock: restoreStockSum, ours: installSumOverride },
  {
    label: 'GatherV2 [8000,128] table, 4096 ids',
    shape: [8000, 128],
    f: (x) => tf.gather(x, embeddingIds),
    stock: restoreStockGather,
    ours: installGatherOverride,
  },
  {
    label: 'Unpack [3,32,4,128,64] axis 0 (q|k|v)',
    shape: [3, 32, 4, 128, 64],
    stock: restoreStockSlices,
    ours: installSliceOverrides,
    f: (x) => {
      const [q, ...kv] = tf.unstack(x);
      tf.dispose(kv);
      return q;
    },
  },
  {
    label: 'Slice [4096,768] -> [4096,256]',
    shape: [4096, 768],
    f: (x) => tf.slice(x, [0, 256], [-1, 256]),
    stock: restoreStockSlices,
    ours: installSliceOverrides,
  },
];
for (const o of others) {
  const x = tf.randomUniform(o.shape, -1, 1, 'float32', 3);
  o.stock();
  const stock = medianMs(() => o.f(x), 5);
  o.ours();
  const ours = medianMs(() => o.f(x), 9);
  console.log(
    [o.label.padEnd(46), stock.toFixed(2).padStart(8), ours.toFixed(2).padStart(12), `${(stock / ours).toFixed(1)}x`.padStart(9)].join(' '),
  );
  x.dispose();
}
embeddingIds.dispose();
