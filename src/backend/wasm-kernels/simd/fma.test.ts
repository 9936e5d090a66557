import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../../test/helpers.js';
import { Rng } from '../../../util/rng.js';
import { useBackend } from '../../use-backend.js';
import { matMulKernel, relaxedSimdAvailable, simdKernels } from './instance.js';
import { simdSwitches } from './switches.js';

/** Largest |ours - reference| relative to the reference's scale, sum over k of |a||b| per output element. */
function relativeError(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number): number {
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let [sum, scale] = [0, 0];
      for (let p = 0; p < k; p++) {
        sum += a[i * k + p] * b[p * n + j];
        scale += Math.abs(a[i * k + p] * b[p * n + j]);
      }
      worst = Math.max(worst, Math.abs(out[i * n + j] - sum) / scale);
    }
  }
  return worst;
}

describe('relaxed-SIMD (fused multiply-add) matmul', () => {
  let fmaReported: boolean | undefined;
  beforeAll(async () => {
    fmaReported = (await useBackend('wasm')).wasmFma;
  });
  afterEach(() => {
    simdSwitches.fma = true;
  });

  it('is what useBackend("wasm") turns on here (Node 20: by setting V8\'s relaxed-SIMD flag)', () => {
    expect(relaxedSimdAvailable()).toBe(true);
    expect(fmaReported).toBe(true);
    const backend = tf.backend() as BackendWasm;
    expect(matMulKernel(backend)).not.toBe(simdKernels(backend).matmul);
    simdSwitches.fma = false;
    expect(matMulKernel(backend)).toBe(simdKernels(backend).matmul);
  });

  it('is turned off by useBackend("wasm", { wasmRelaxedSimd: false }) and on again by true', async () => {
    const backend = tf.backend() as BackendWasm;
    const off = await useBackend('wasm', { wasmRelaxedSimd: false });
    expect(off.wasmFma).toBe(false);
    expect(off.notes).toContain('wasm: matmuls multiply, then add (relaxed SIMD turned off)');
    expect(matMulKernel(backend)).toBe(simdKernels(backend).matmul);
    expect((await useBackend('wasm')).wasmFma).toBe(false); // no option: the backend as it is
    const on = await useBackend('wasm', { wasmRelaxedSimd: true });
    expect(on.wasmFma).toBe(true);
    expect(on.notes).toContain('wasm: matmuls use fused multiply-adds (relaxed SIMD)');
    expect(matMulKernel(backend)).not.toBe(simdKernels(backend).matmul);
  });

  it('matches a float64 reference with and without FMA, and gives the same with a transposed b or a bias added', async () => {
    const rng = new Rng(11);
    const shapes: [number, number, number][] = [
      [4, 1, 8],
      [12, 37, 24],
      [128, 128, 384],
      [68, 512, 16],
    ];
    await expectNoLeaks(() => {
      for (const [m, k, n] of shapes) {
        const av = Float32Array.from({ length: m * k }, () => rng.next() * 2 - 1);
        const bv = Float32Array.from({ length: k * n }, () => rng.next() * 2 - 1);
        const bias = Float32Array.from({ length: n }, () => rng.next());
        const results = [true, false].map((fma) => {
          simdSwitches.fma = fma;
          return tf.tidy(() => {
            const [a, b] = [tf.tensor2d(av, [m, k]), tf.tensor2d(bv, [k, n])];
            const plain = tf.matMul(a, b).dataSync() as Float32Array;
            const transposedB = tf.matMul(a, b.transpose(), false, true).dataSync() as Float32Array;
            const withBias = tf.fused.matMul({ a, b, bias: tf.tensor1d(bias) }).dataSync() as Float32Array;
            return { plain, transposedB, withBias };
          });
        });
        for (const [i, r] of results.entries()) {
          const label = `${m}x${k}x${n} fma=${i === 0}`;
          expect(relativeError(av, bv, r.plain, m, k, n), label).toBeLessThan(1e-6);
          expect(r.transposedB, label).toEqual(r.plain);
          // The bias is added once the products are summed, as an unfused add would.
          expect(r.withBias, label).toEqual(r.plain.map((x, e) => Math.fround(x + bias[e % n])));
        }
      }
    });
  });
});
