import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../../test/helpers.js';
import { linear } from '../../models/layers/ops.js';
import { Rng } from '../../util/rng.js';
import { useBackend } from '../use-backend.js';
import { linearKernelName, linearKernelTakes } from './linear.js';
import { simdSwitches } from './simd/switches.js';

const uniform = (rng: Rng, shape: number[]): tf.Tensor =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.next() * 2 - 1),
    shape,
  );

/** linear's value and its gradients with respect to x, kernel and bias (of sum(y * w)), and whether TfdLinear ran. */
async function valueAndGrads(
  x: tf.Tensor,
  kernel: tf.Tensor,
  bias: tf.Tensor | undefined,
  w: tf.Tensor,
): Promise<{ values: Float32Array[]; ranKernel: boolean }> {
  const info = await tf.profile(() =>
    tf.tidy(() => {
      const f = (xi: tf.Tensor, ki: tf.Tensor, bi?: tf.Tensor) => tf.sum(tf.mul(linear(xi, ki, bi), w));
      const y = linear(x, kernel, bias);
      const grads =
        bias === undefined
          ? tf.grads((xi: tf.Tensor, ki: tf.Tensor) => f(xi, ki))([x, kernel])
          : tf.grads((xi: tf.Tensor, ki: tf.Tensor, bi: tf.Tensor) => f(xi, ki, bi))([x, kernel, bias]);
      return [y, ...grads];
    }),
  );
  const outs = info.result as tf.Tensor[];
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return { values, ranKernel: info.kernelNames.includes(linearKernelName) };
}

describe('wasm TfdLinear kernel (dense layers)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => {
    simdSwitches.linear = true;
  });

  it("gives tf.fused.matMul's values and gradients, with and without a bias, and leaves other shapes to it", async () => {
    const rng = new Rng(21);
    // [x shape, out, with bias]
    const cases: [number[], number, boolean][] = [
      [[2, 16, 24], 32, true],
      [[8, 5], 16, false],
      [[2, 2, 4, 3], 8, true],
      [[1, 128, 128], 384, true],
      [[3, 5, 8], 16, true], // 15 rows: fused.matMul
      [[4, 12], 2, true], // 2 outputs: fused.matMul
    ];
    await expectNoLeaks(async () => {
      for (const [xShape, out, withBias] of cases) {
        const inDim = xShape[xShape.length - 1];
        const [x, kernel, w] = [uniform(rng, xShape), uniform(rng, [inDim, out]), uniform(rng, [...xShape.slice(0, -1), out])];
        const bias = withBias ? uniform(rng, [out]) : undefined;
        const label = `${xShape} -> ${out}${withBias ? ' + bias' : ''}`;
        const takes = linearKernelTakes(x, kernel, bias);
        expect(takes, label).toBe(xShape.slice(0, -1).reduce((p, d) => p * d, 1) % 4 === 0 && out % 8 === 0);
        const ours = await valueAndGrads(x, kernel, bias, w);
        simdSwitches.linear = false;
        const reference = await valueAndGrads(x, kernel, bias, w);
        simdSwitches.linear = true;
        expect(ours.ranKernel, label).toBe(takes);
        expect(reference.ranKernel, label).toBe(false);
        expect(ours.values.length, label).toBe(withBias ? 4 : 3);
        ours.values.forEach((v, i) => {
          expect(maxAbsDiff(v, reference.values[i]), `${label} output ${i}`).toBeLessThan(1e-5);
        });
        expect(
          tf.tidy(() => linear(x, kernel, bias).shape),
          label,
        ).toEqual([...xShape.slice(0, -1), out]);
        tf.dispose([x, kernel, w, ...(bias ? [bias] : [])]);
      }
    });
  });
});
