import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { dropoutMaskValues, seededDropout } from './dropout-mask.js';
import { useBackend } from './use-backend.js';

describe('dropoutMaskValues', () => {
  it('keeps about 1 - rate of the elements, scaled by 1 / (1 - rate), reproducibly per seed', () => {
    for (const rate of [0.1, 0.5, 0.9]) {
      const m = dropoutMaskValues(200_000, rate, 7);
      const kept = m.filter((v) => v !== 0);
      expect(kept.every((v) => v === Math.fround(1 / (1 - rate)))).toBe(true);
      // Binomial(200000, 1 - rate): 5 standard deviations is < 0.0034 of n.
      expect(Math.abs(kept.length / m.length - (1 - rate))).toBeLessThan(0.0034);
      expect(Array.from(dropoutMaskValues(1000, rate, 7))).toEqual(Array.from(m.subarray(0, 1000)));
    }
    expect(Array.from(dropoutMaskValues(1000, 0.5, 8))).not.toEqual(Array.from(dropoutMaskValues(1000, 0.5, 7)));
  });

  it('draws independent bits: neighbouring elements and nearby seeds are uncorrelated', () => {
    const n = 100_000;
    const a = dropoutMaskValues(n, 0.5, 1).map((v) => (v ? 1 : 0));
    const b = dropoutMaskValues(n, 0.5, 2).map((v) => (v ? 1 : 0));
    let same = 0,
      pairs = 0;
    for (let i = 0; i < n; i++) {
      if (a[i] === b[i]) same++;
      if (i > 0 && a[i] === a[i - 1]) pairs++;
    }
    // Independent fair bits agree half the time; 5 sd of Binomial(n, 0.5)/n is 0.008.
    expect(Math.abs(same / n - 0.5)).toBeLessThan(0.008);
    expect(Math.abs(pairs / (n - 1) - 0.5)).toBeLessThan(0.008);
  });
});

describe('seededDropout', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('equals x * mask and has gradient dy * mask, like tf.dropout', async () => {
    await expectNoLeaks(() => {
      const x = tf.randomNormal([3, 17, 5], 0, 1, 'float32', 3);
      const mask = dropoutMaskValues(x.size, 0.3, 99);
      const y = seededDropout(x, 0.3, 99);
      const xs = x.dataSync();
      expect(
        maxAbsDiff(
          y.dataSync(),
          Array.from(xs, (v, i) => v * mask[i]),
        ),
      ).toBeLessThan(1e-6);
      const dy = tf.randomNormal(x.shape, 0, 1, 'float32', 4);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(seededDropout(t, 0.3, 99), dy)))(x);
      const dys = dy.dataSync();
      expect(
        maxAbsDiff(
          g.dataSync(),
          Array.from(dys, (v, i) => v * mask[i]),
        ),
      ).toBeLessThan(1e-6);
      tf.dispose([x, y, dy, g]);
    });
  });

  it('rate 0 is the identity; rates outside [0, 1) throw', async () => {
    await expectNoLeaks(() => {
      const x = tf.tensor1d([1, 2, 3]);
      const y = seededDropout(x, 0, 5);
      expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
      expect(() => seededDropout(x, 1, 5)).toThrow(RangeError);
      tf.dispose([x, y]);
    });
  });
});
