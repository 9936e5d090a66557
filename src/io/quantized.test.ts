import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { loadModel } from './load-model.js';

// A converter-style uint8-quantized Dense(4->3) checkpoint and its numpy-computed values (make_uint8_dense.py).
const fixture = fileURLToPath(new URL('../../test/fixtures/checkpoints/uint8_dense', import.meta.url));
const expected = JSON.parse(readFileSync(`${fixture}.expected.json`, 'utf8')) as {
  kernel: number[];
  bias: number[];
  input: number[];
  output: number[];
};

beforeAll(async () => {
  await useBackend('wasm');
});

describe('quantized manifests', () => {
  it('loads uint8 weights as q * scale + min, exactly as the converter formula gives', async () => {
    await expectNoLeaks(async () => {
      const { model, meta } = await loadModel(fixture);
      expect(meta.labels).toEqual(['a', 'b', 'c']);
      const [kernel, bias] = model.getWeights();
      expect(kernel.shape).toEqual([4, 3]);
      expect(Array.from(kernel.dataSync())).toEqual(expected.kernel);
      expect(Array.from(bias.dataSync())).toEqual(expected.bias);
      const y = tf.tidy(() => (model.predict(tf.tensor2d(expected.input, [2, 4])) as tf.Tensor).dataSync());
      expect(maxAbsDiff(y, expected.output)).toBeLessThan(1e-5);
      model.dispose();
    });
  });
});
