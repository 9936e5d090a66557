import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { fusedGelu, fusedLayerNorm } from './fused-ops.js';
import { useBackend } from './use-backend.js';

/** The stock compositions the fused ops replace (as in src/models/layers/ops.ts before fusing). */
const stockLayerNorm = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number) => {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), g), b);
};
const stockGelu = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));

/** Largest |a - b| / max(1, |b|): absolute near zero, relative for large sums such as dgamma over many rows. */
function scaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

/** Layer norm's gradients of sum(y * dy) in float64: [dx, dgamma, dbeta]. */
function layerNormGradsRef(x: Float32Array, gamma: Float32Array, dy: Float32Array, d: number, eps: number): Float64Array[] {
  const rows = x.length / d;
  const [dx, dg, db] = [new Float64Array(x.length), new Float64Array(d), new Float64Array(d)];
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * d, (r + 1) * d));
    const mean = row.reduce((p, v) => p + v, 0) / d;
    const rstd = 1 / Math.sqrt(row.reduce((p, v) => p + (v - mean) ** 2, 0) / d + eps);
    const xhat = row.map((v) => (v - mean) * rstd);
    const g = xhat.map((_, j) => dy[r * d + j] * gamma[j]);
    const meanG = g.reduce((p, v) => p + v, 0) / d;
    const meanGX = g.reduce((p, v, j) => p + v * xhat[j], 0) / d;
    for (let j = 0; j < d; j++) {
      dx[r * d + j] = rstd * (g[j] - meanG - xhat[j] * meanGX);
      dg[j] += dy[r * d + j] * xhat[j];
      db[j] += dy[r * d + j];
    }
  }
  return [dx, dg, db];
}

/** Value and gradients of sum(f(inputs) * dy) for the fused and the stock op; returns the worst scaled difference. */
function compare(f: (...t: tf.Tensor[]) => tf.Tensor, g: (...t: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): number {
  return tf.tidy(() => {
    const outShape = f(...inputs).shape;
    const dy = tf.randomNormal(outShape, 0, 1, 'float32', 9);
    const loss =
      (op: typeof f) =>
      (...t: tf.Tensor[]) =>
        tf.sum(tf.mul(op(...t), dy));
    const [ya, yb] = [f(...inputs), g(...inputs)];
    const [ga, gb] = [tf.grads(loss(f))(inputs), tf.grads(loss(g))(inputs)];
    return Math.max(maxAbsDiff(ya.dataSync(), yb.dataSync()), ...ga.map((t, i) => scaledDiff(t.dataSync(), gb[i].dataSync())));
  });
}

const shapes = [
  [7, 5],
  [2, 9, 33],
  [3, 4, 17, 64],
]; // on wasm, odd widths take the JS loops, the last the SIMD kernels

describe('fused layer norm and GELU', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`layer norm on ${backend} matches the stock composition (values within 1e-5, gradients within 1e-5 relative)`, async () => {
      await tf.setBackend(backend);
      try {
        await expectNoLeaks(() => {
          shapes.forEach((shape, i) => {
            const d = shape[shape.length - 1];
            const x = tf.randomNormal(shape, 0.5, 2, 'float32', i);
            const g = tf.randomNormal([d], 1, 0.3, 'float32', 10 + i);
            const b = tf.randomNormal([d], 0, 0.3, 'float32', 20 + i);
            const diff = compare(
              (a, c, e) => fusedLayerNorm(a, c, e, 1e-5),
              (a, c, e) => stockLayerNorm(a, c, e, 1e-5),
              [x, g, b],
            );
            expect(diff, `shape [${shape}]`).toBeLessThan(1e-5);
            tf.dispose([x, g, b]);
          });
        });
      } finally {
        await tf.setBackend('wasm');
      }
    });

    it(`GELU on ${backend} matches the stock composition (values within 1e-5, gradients within 1e-5 relative)`, async () => {
      await tf.setBackend(backend);
      try {
        await expectNoLeaks(() => {
          shapes.forEach((shape, i) => {
            const x = tf.randomNormal(shape, 0, 3, 'float32', 30 + i); // wide enough to reach both tails
            expect(compare(fusedGelu, stockGelu, [x]), `shape [${shape}]`).toBeLessThan(1e-5);
            x.dispose();
          });
        });
      } finally {
        await tf.setBackend('wasm');
      }
    });
  }

  it('layer norm on wasm sums dgamma and dbeta over 2048 rows within 1e-5 of float64 (the stock float32 sums are ~4e-5 off)', async () => {
    await expectNoLeaks(() => {
      const [rows, d] = [2048, 128];
      const x = tf.randomNormal([rows, d], 0.5, 2, 'float32', 3);
      const g = tf.randomNormal([d], 1, 0.3, 'float32', 13);
      const b = tf.randomNormal([d], 0, 0.3, 'float32', 23);
      const dy = tf.randomNormal([rows, d], 0, 1, 'float32', 9);
      const ours = tf.grads((a: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(fusedLayerNorm(a, c, e, 1e-5), dy)))([x, g, b]);
      const ref = layerNormGradsRef(x.dataSync() as Float32Array, g.dataSync() as Float32Array, dy.dataSync() as Float32Array, d, 1e-5);
      ours.forEach((t, i) => {
        expect(scaledDiff(t.dataSync(), ref[i]), ['dx', 'dgamma', 'dbeta'][i]).toBeLessThan(1e-5);
      });
      tf.dispose([x, g, b, dy, ...ours]);
    });
  });

  it('layer norm and GELU run as one kernel each way on wasm; GELU computes erf once on cpu', async () => {
    const kernelsOf = async () => {
      const x = tf.randomNormal([4, 8]),
        g = tf.ones([8]),
        b = tf.zeros([8]);
      const info = await tf.profile(() => tf.grads((a: tf.Tensor) => tf.sum(fusedGelu(fusedLayerNorm(a, g, b, 1e-5))))([x]));
      tf.dispose([x, g, b, info.result as tf.Tensor[]]);
      return info.kernels.map((k) => k.name);
    };
    await expectNoLeaks(async () => {
      const names = await kernelsOf();
      for (const k of ['TfdLayerNorm', 'TfdLayerNormGrad', 'TfdGelu', 'TfdGeluGrad']) expect(names).toContain(k);
      expect(names).not.toContain('Erf');
      await tf.setBackend('cpu');
      try {
        expect((await kernelsOf()).filter((n) => n === 'Erf')).toHaveLength(1);
      } finally {
        await tf.setBackend('wasm');
      }
    });
  });

  it('GELU on wasm matches the stock composition at the tails and clamps, and keeps NaN', async () => {
    await expectNoLeaks(() => {
      const edges = [-100, -20, -6, -5.66, -5.65, -4, -1, -1e-8, 0, 1e-8, 1, 4, 5.65, 5.66, 6, 20, 100];
      const x = tf.tensor1d(edges);
      expect(compare(fusedGelu, stockGelu, [x])).toBeLessThan(1e-5);
      const withNaN = tf.tensor1d([NaN, 1, NaN, 2, NaN]); // the one-lane tail too
      const y = fusedGelu(withNaN);
      expect([...y.dataSync()].map(Number.isNaN)).toEqual([true, false, true, false, true]);
      tf.dispose([x, withNaN, y]);
    });
  });
});
