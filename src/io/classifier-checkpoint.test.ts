import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { makeTinyCheckpoint } from '../../test/tiny-checkpoint.js';
import { loadClassifier } from './classifier-checkpoint.js';
import { saveModel } from './save-model.js';

let tmp: string;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-clf-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe('classifier checkpoints', () => {
  it('round-trips model, tokenizer, labels and maxLength', async () => {
    await expectNoLeaks(async () => {
      const dir = path.join(tmp, 'a');
      const { model, tokenizer, labels } = await makeTinyCheckpoint(dir);
      const ck = await loadClassifier(dir);
      expect(ck.labels).toEqual(labels);
      expect(ck.maxLength).toBe(32);
      const text = 'free money prize meeting';
      expect(Array.from(ck.tokenizer.encode(text, 32))).toEqual(Array.from(tokenizer.encode(text, 32)));
      const ids = tf.tensor2d([Array.from(tokenizer.encode(text, 32))], undefined, 'int32');
      const a = model.predict(ids) as tf.Tensor,
        b = ck.model.predict(ids) as tf.Tensor;
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([ids, a, b]);
      model.dispose();
      ck.model.dispose();
    });
  });

  it('refuses a model checkpoint without tokenizer, leaking nothing', async () => {
    await expectNoLeaks(async () => {
      const dir = path.join(tmp, 'b');
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
      await saveModel(m, dir, { meta: { labels: ['a', 'b'] } });
      m.dispose();
      await expect(loadClassifier(dir)).rejects.toMatchObject({
        code: 'CHECKPOINT_INVALID',
        message: expect.stringMatching(/no tokenizer/),
      });
    });
  });
});
