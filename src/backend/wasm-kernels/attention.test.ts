import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../../test/helpers.js';
import { Rng } from '../../util/rng.js';
import { attentionContext, attentionParts } from '../fused-ops.js';
import { useBackend } from '../use-backend.js';
import { attentionKernelName, attentionKernelShaped } from './attention.js';

/** q|k|v [b, s, 3hd] uniform in [-2, 2) and a mask [b, s] whose sequence i has `real[i]` real tokens then padding. */
function inputs(rng: Rng, b: number, s: number, h: number, dh: number, real: number[]): { qkv: tf.Tensor3D; mask: tf.Tensor2D } {
  const qkv = tf.tensor3d(
    Float32Array.from({ length: b * s * 3 * h * dh }, () => rng.next() * 4 - 2),
    [b, s, 3 * h * dh],
  );
  const mask = tf.tensor2d(
    Float32Array.from({ length: b * s }, (_, e) => (e % s < real[Math.floor(e / s)] ? 1 : 0)),
    [b, s],
  );
  return { qkv, mask };
}

/** Runs `f` under tf.profile; returns its values and whether the wasm attention kernel ran. */
async function run(f: () => tf.Tensor): Promise<{ values: Float32Array; fused: boolean }> {
  const info = await tf.profile(f);
  const result = info.result as tf.Tensor;
  const values = (await result.data()) as Float32Array;
  result.dispose();
  return { values, fused: info.kernelNames.includes(attentionKernelName) };
}

describe('wasm attention kernel (q|k|v to context, inference)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('takes float32 shapes with seq and head size multiples of 8 only', () => {
    expect(attentionKernelShaped([1, 128, 384], [1, 128], 2)).toBe(true);
    expect(attentionKernelShaped([2, 10, 48], [2, 10], 2)).toBe(false); // seq 10
    expect(attentionKernelShaped([2, 16, 36], [2, 16], 2)).toBe(false); // head size 6
    expect(attentionKernelShaped([2, 16, 48], [1, 16], 2)).toBe(false); // mask of another batch
  });

  it('matches the composite ops, padded rows included, and falls back to them for other shapes', async () => {
    const rng = new Rng(5);
    const cases: [number, number, number, number, number[]][] = [
      [1, 128, 2, 64, [128]],
      [3, 16, 4, 8, [16, 9, 1]],
      [2, 24, 1, 16, [5, 24]],
      [2, 10, 2, 8, [10, 4]], // seq 10: composite
    ];
    await expectNoLeaks(async () => {
      for (const [b, s, h, dh, real] of cases) {
        const { qkv, mask } = inputs(rng, b, s, h, dh, real);
        const ours = await run(() => attentionContext(qkv, mask, h));
        const composite = await run(() => tf.tidy(() => attentionParts(qkv, mask, h).context));
        const label = `b${b} s${s} h${h} dh${dh}`;
        expect(ours.fused, label).toBe(s % 8 === 0);
        expect(composite.fused, label).toBe(false);
        expect(maxAbsDiff(ours.values, composite.values), label).toBeLessThan(1e-5);
        tf.dispose([qkv, mask]);
      }
    });
  });

  it('gives real tokens exactly the same context however much padding follows them', async () => {
    const rng = new Rng(6);
    const [h, dh, s] = [2, 8, 8];
    const { qkv, mask } = inputs(rng, 1, s, h, dh, [s]);
    await expectNoLeaks(async () => {
      const short = await run(() => attentionContext(qkv, mask, h));
      const padded = await run(() =>
        tf.tidy(() => attentionContext(tf.concat([qkv, tf.fill([1, 16, 3 * h * dh], 1e3)], 1), tf.concat([mask, tf.zeros([1, 16])], 1), h)),
      );
      expect(short.fused && padded.fused).toBe(true);
      expect(Array.from(padded.values.subarray(0, s * h * dh))).toEqual(Array.from(short.values));
    });
    tf.dispose([qkv, mask]);
  });

  it("has the composite ops' gradient", async () => {
    const rng = new Rng(7);
    const { qkv, mask } = inputs(rng, 2, 16, 2, 8, [16, 11]);
    const weights = tf.randomUniform([2, 16, 16], -1, 1, 'float32', 8);
    await expectNoLeaks(async () => {
      const grad = (f: (x: tf.Tensor) => tf.Tensor) => tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(x), weights)))(qkv));
      const ours = grad((x) => attentionContext(x, mask, 2));
      const composite = grad((x) => attentionParts(x, mask, 2).context);
      expect(maxAbsDiff(await ours.data(), await composite.data())).toBeLessThan(1e-5);
      expect(tf.tidy(() => tf.max(tf.abs(composite)).dataSync()[0])).toBeGreaterThan(0.1);
      tf.dispose([ours, composite]);
    });
    tf.dispose([qkv, mask, weights]);
  });
});
