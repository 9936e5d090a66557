import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { clipByGlobalNorm, globalNorm } from './clip.js';

interface Case {
  maxNorm: number;
  shapes: Record<string, number[]>;
  grads: Record<string, number[]>;
  norm: number;
  clipped: Record<string, number[]>;
}
const golden = JSON.parse(readFileSync(new URL('./fixtures/clip.json', import.meta.url), 'utf8')) as {
  cases: Record<string, Case>;
};

beforeAll(async () => {
  await useBackend('wasm');
});

describe('clipByGlobalNorm', () => {
  for (const [name, c] of Object.entries(golden.cases)) {
    it(`matches torch clip_grad_norm_ (${name})`, async () => {
      await expectNoLeaks(() => {
        const grads = tf.tidy(() => Object.fromEntries(Object.entries(c.grads).map(([n, g]) => [n, tf.tensor(g, c.shapes[n])])));
        const { grads: clipped, norm } = clipByGlobalNorm(grads, c.maxNorm);
        expect(Math.abs(norm.dataSync()[0] - c.norm)).toBeLessThan(1e-5 * Math.max(1, c.norm));
        for (const n of Object.keys(c.grads)) {
          expect(clipped[n].shape).toEqual(c.shapes[n]);
          expect(maxAbsDiff(clipped[n].dataSync(), c.clipped[n]), n).toBeLessThan(1e-6);
        }
        tf.dispose([grads, clipped, norm]);
      });
    });
  }

  it('leaves the input gradients alive and unchanged', async () => {
    await expectNoLeaks(() => {
      const g = { w: tf.tensor1d([3, 4]) };
      const { grads, norm } = clipByGlobalNorm(g, 1);
      expect(Array.from(g.w.dataSync())).toEqual([3, 4]);
      expect(maxAbsDiff(grads.w.dataSync(), [0.6, 0.8])).toBeLessThan(1e-6);
      tf.dispose([g, grads, norm]);
    });
  });

  it('computes a global norm of nothing as 0 and rejects a bad maxNorm', async () => {
    await expectNoLeaks(() => {
      const n = globalNorm([]);
      expect(n.dataSync()[0]).toBe(0);
      n.dispose();
      expect(() => clipByGlobalNorm({}, 0)).toThrow(/maxNorm/);
    });
  });
});
