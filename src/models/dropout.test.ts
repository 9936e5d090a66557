import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { dropout, dropoutSeedState, restoreDropoutSeedState, setDropoutSeed } from './dropout.js';

describe('reproducible dropout', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('a restored generator state reproduces the same masks; inference never drops or draws', async () => {
    await expectNoLeaks(async () => {
      const x = tf.ones([200]);
      setDropoutSeed(5);
      const first = dropout(x, { rate: 0.5, training: true });
      const saved = dropoutSeedState();
      const eval1 = dropout(x, { rate: 0.5, training: false });
      expect(eval1).toBe(x);
      expect(dropoutSeedState()).toBe(saved);
      const second = dropout(x, { rate: 0.5, training: true });
      restoreDropoutSeedState(saved);
      const replay = dropout(x, { rate: 0.5, training: true });
      const [a, b, c] = await Promise.all([first, second, replay].map((t) => t.data()));
      expect(Array.from(c)).toEqual(Array.from(b));
      expect(Array.from(a)).not.toEqual(Array.from(b));
      const kept = Array.from(a).filter((v) => v !== 0);
      expect(kept.every((v) => v === 2)).toBe(true); // inverted dropout scales by 1 / (1 - rate)
      expect(kept.length).toBeGreaterThan(60);
      expect(kept.length).toBeLessThan(140);
      tf.dispose([x, first, second, replay]);
    });
  });
});
