import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { TfdistillError } from '../errors.js';
import { fusedGelu } from './fused-ops.js';
import { minSplitMacs, splitMatMuls } from './wasm-kernels/simd/matmul-threads.js';
import { useBackend } from './use-backend.js';
import { startWasmThreaded } from './wasm-threads.js';

/** Row-major a [m, k] x b [k, n] in float64, the reference for the pooled XNNPACK matmul. */
function matMulRef(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p];
      for (let j = 0; j < n; j++) out[i * n + j] += x * b[p * n + j];
    }
  return out;
}

describe('useBackend(wasm, { wasmThreads }) / startWasmThreaded', () => {
  beforeAll(async () => {
    expect((await useBackend('wasm', { wasmThreads: 2 })).wasmThreads).toBe(2);
  });

  it('starts a 2-thread XNNPACK pool that later useBackend calls keep', async () => {
    expect((await useBackend('wasm')).wasmThreads).toBe(2);
    expect((await useBackend('auto', { wasmThreads: 2 })).wasmThreads).toBe(2);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('computes matmuls on the pool like a float64 reference, transposed ones too', async () => {
    await expectNoLeaks(() => {
      const [m, k, n] = [300, 257, 129]; // odd sizes: the pool splits rows and tiles unevenly
      const a = tf.randomUniform([m, k], -1, 1, 'float32', 11);
      const b = tf.randomUniform([k, n], -1, 1, 'float32', 12);
      const ref = matMulRef(a.dataSync() as Float32Array, b.dataSync() as Float32Array, m, k, n);
      const plain = tf.matMul(a, b);
      const bT = tf.transpose(b);
      const viaTranspose = tf.matMul(a, bT, false, true); // tfdistill's override: transpose, then XNNPACK
      expect(maxAbsDiff(plain.dataSync(), ref)).toBeLessThan(1e-4);
      expect(maxAbsDiff(viaTranspose.dataSync(), ref)).toBeLessThan(1e-4);
      tf.dispose([a, b, bT, plain, viaTranspose]);
    });
  });

  it('splits big SIMD matmuls over a helper thread (by rows, by batch, with bias, transposed b) like a float64 reference', async () => {
    await expectNoLeaks(() => {
      const before = splitMatMuls();
      const [m, k, n] = [512, 256, 128]; // 2^24 multiply-adds: split (minSplitMacs); rows % 4 == 0, n % 8 == 0
      expect(m * k * n).toBeGreaterThanOrEqual(minSplitMacs);
      const a = tf.randomUniform([m, k], -1, 1, 'float32', 21);
      const b = tf.randomUniform([k, n], -1, 1, 'float32', 22);
      const bias = tf.randomUniform([n], -1, 1, 'float32', 23);
      const ref = matMulRef(a.dataSync() as Float32Array, b.dataSync() as Float32Array, m, k, n);
      const refBias = ref.map((v, i) => v + bias.dataSync()[i % n]);
      tf.tidy(() => {
        expect(maxAbsDiff(tf.matMul(a, b).dataSync(), ref)).toBeLessThan(1e-4);
        expect(maxAbsDiff(tf.matMul(a, tf.transpose(b), false, true).dataSync(), ref)).toBeLessThan(1e-4);
        expect(maxAbsDiff(tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias }).dataSync(), refBias)).toBeLessThan(1e-4);
        // by batch: 4 different pairs, each [128, 256] x [256, 128] (each thread packs its own b into its own panel)
        const b4 = tf.randomUniform([4, k, n], -1, 1, 'float32', 24);
        const [av, bv] = [a.dataSync() as Float32Array, b4.dataSync() as Float32Array];
        const rows = m / 4;
        const ref4 = [0, 1, 2, 3].flatMap((i) =>
          Array.from(matMulRef(av.subarray(i * rows * k, (i + 1) * rows * k), bv.subarray(i * k * n, (i + 1) * k * n), rows, k, n)),
        );
        expect(maxAbsDiff(tf.matMul(a.reshape([4, rows, k]), b4).dataSync(), ref4)).toBeLessThan(1e-4);
      });
      expect(splitMatMuls() - before).toBe(4);
      tf.dispose([a, b, bias]);
    });
  });

  it('runs the GELU SIMD kernels in the shared memory like the stock composition', async () => {
    await expectNoLeaks(() => {
      const x = tf.randomNormal([3, 333], 0, 3, 'float32', 5);
      const dy = tf.randomNormal([3, 333], 0, 1, 'float32', 6);
      const stock = (t: tf.Tensor) => tf.mul(tf.mul(t, 0.5), tf.add(tf.erf(tf.mul(t, Math.SQRT1_2)), 1));
      const grad = (f: (t: tf.Tensor) => tf.Tensor) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), dy)))(x);
      tf.tidy(() => {
        expect(maxAbsDiff(fusedGelu(x).dataSync(), stock(x).dataSync())).toBeLessThan(1e-5);
        expect(maxAbsDiff(grad(fusedGelu).dataSync(), grad(stock).dataSync())).toBeLessThan(1e-5);
      });
      tf.dispose([x, dy]);
    });
  });

  it('refuses a second start, another thread count, and bad thread counts', async () => {
    await expect(startWasmThreaded({ threads: 2 })).rejects.toThrow(/already started/);
    await expect(startWasmThreaded({ threads: 0 })).rejects.toBeInstanceOf(TfdistillError);
    await expect(useBackend('wasm', { wasmThreads: 1 })).rejects.toThrow('the wasm backend already runs with 2 thread(s), not 1');
    for (const bad of [0, 1.5, 9, NaN]) {
      await expect(useBackend('wasm', { wasmThreads: bad })).rejects.toThrow(/wasm threads must be an integer in \[1, 8\]/);
      // 'auto' must refuse too, not skip wasm and fall back to cpu.
      await expect(useBackend('auto', { wasmThreads: bad })).rejects.toThrow(/wasm threads must be an integer in \[1, 8\]/);
    }
    expect(tf.getBackend()).toBe('wasm');
  });
});
