import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { allFinite, DynamicLossScale } from './loss-scale.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('DynamicLossScale', () => {
  it('starts at 2^15, halves and skips on overflow, doubles after growthSteps good steps', () => {
    const ls = new DynamicLossScale();
    expect(ls.scale).toBe(32768);
    expect(ls.update(false)).toBe(false);
    expect(ls.getState()).toEqual({ scale: 16384, goodSteps: 0 });
    for (let i = 0; i < 1999; i++) expect(ls.update(true)).toBe(true);
    expect(ls.getState()).toEqual({ scale: 16384, goodSteps: 1999 });
    expect(ls.update(true)).toBe(true); // the 2000th good step grows the scale
    expect(ls.getState()).toEqual({ scale: 32768, goodSteps: 0 });
  });

  it('an overflow resets the good-step counter and the scale never drops below 1', () => {
    const ls = new DynamicLossScale({ initialScale: 4, growthSteps: 3 });
    ls.update(true);
    ls.update(true);
    ls.update(false);
    expect(ls.getState()).toEqual({ scale: 2, goodSteps: 0 });
    ls.update(true);
    ls.update(true);
    expect(ls.scale).toBe(2);
    ls.update(true);
    expect(ls.scale).toBe(4);
    for (let i = 0; i < 5; i++) ls.update(false);
    expect(ls.scale).toBe(1);
  });

  it('saves and restores its state', () => {
    const a = new DynamicLossScale({ growthSteps: 10 });
    a.update(false);
    a.update(true);
    const b = new DynamicLossScale({ growthSteps: 10 });
    b.setState(a.getState());
    for (let i = 0; i < 9; i++) {
      a.update(true);
      b.update(true);
    }
    expect(b.getState()).toEqual(a.getState());
    expect(b.scale).toBe(32768);
    expect(() => b.setState({ scale: Number.NaN, goodSteps: 0 })).toThrow(/invalid/);
  });

  it('scales losses and unscales gradients exactly', async () => {
    await expectNoLeaks(() => {
      const ls = new DynamicLossScale({ initialScale: 1024 });
      const loss = tf.scalar(0.3);
      const scaled = ls.scaleLoss(loss);
      expect(scaled.dataSync()[0]).toBe(Math.fround(Math.fround(0.3) * 1024));
      const g = { w: tf.tensor1d([1024, 3072]) };
      const un = ls.unscale(g);
      expect(Array.from(un.w.dataSync())).toEqual([1, 3]);
      tf.dispose([loss, scaled, g, un]);
    });
  });
});

describe('allFinite', () => {
  it('is false iff some element of some tensor is NaN or infinite', async () => {
    await expectNoLeaks(async () => {
      const ok = [tf.tensor1d([1, -2]), tf.tensor2d([[3e38, 0]])];
      const check = async (ts: tf.Tensor[]) => {
        const flag = allFinite(ts);
        const v = (await flag.data())[0];
        flag.dispose();
        return v === 1;
      };
      expect(await check(ok)).toBe(true);
      expect(await check([])).toBe(true);
      const nan = tf.tensor1d([0, Number.NaN]);
      const inf = tf.tensor1d([Number.NEGATIVE_INFINITY]);
      expect(await check([...ok, nan])).toBe(false);
      expect(await check([inf, ...ok])).toBe(false);
      tf.dispose([...ok, nan, inf]);
    });
  });
});
