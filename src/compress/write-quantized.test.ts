import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { registerFileRouter } from '../io/file-router.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { makeTinyCheckpoint } from '../../test/tiny-checkpoint.js';
import { affineQuantize, type WeightDtype } from './quant-math.js';
import { writeQuantizedCheckpoint } from './write-quantized.js';

let dir: string;
beforeAll(async () => {
  await useBackend('wasm');
  registerFileRouter();
  dir = await mkdtemp(path.join(tmpdir(), 'tfd-wq-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('writeQuantizedCheckpoint', () => {
  it('writes converter manifests that stock tf.loadLayersModel decodes to q * scale + min', async () => {
    await expectNoLeaks(async () => {
      const { model, tokenizer, labels } = await makeTinyCheckpoint(path.join(dir, 'src'));
      const out = path.join(dir, 'q');
      const dtypeOf = (name: string): WeightDtype =>
        name.includes('ffn') ? 'uint8' : name.includes('qkv') ? 'uint16' : name.startsWith('embeddings') ? 'float16' : 'float32';
      await writeQuantizedCheckpoint(model, out, { dtypeOf, tokenizer, labels });
      const json = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      const entries = json.weightsManifest[0].weights;
      const byName = new Map(entries.map((e) => [e.name, e]));
      const stock = await tf.loadLayersModel(`file://${out}/model.json`);
      model.weights.forEach((v, i) => {
        expect(stock.weights[i].shape).toEqual(v.shape);
        const entry = byName.get(v.name) as tf.io.WeightsManifestEntry;
        const original = v.read().dataSync() as Float32Array;
        const loaded = stock.weights[i].read().dataSync() as Float32Array; // stock names get uniquifying suffixes
        const dtype = dtypeOf(v.name);
        if (dtype === 'uint8' || dtype === 'uint16') {
          const q = affineQuantize(original, dtype);
          expect(entry.quantization).toEqual({ dtype, scale: q.scale, min: q.min });
          expect(Array.from(loaded)).toEqual(Array.from(q.values, (x) => Math.fround(x * q.scale + q.min)));
        } else if (dtype === 'float16') {
          expect(entry.quantization).toEqual({ dtype: 'float16' });
          expect(Math.max(...Array.from(loaded, (x, j) => Math.abs(x - original[j])))).toBeLessThan(1e-3);
        } else {
          expect(entry.quantization).toBeUndefined();
          expect(Array.from(loaded)).toEqual(Array.from(original));
        }
      });
      stock.dispose();
      const again = await loadClassifier(out); // our loader + tokenizer + labels
      expect(again.labels).toEqual(labels);
      again.model.dispose();
      model.dispose();
    });
  });
});
