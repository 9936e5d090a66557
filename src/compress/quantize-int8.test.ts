import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { makeTinyCheckpoint, tinyTexts } from '../../test/tiny-checkpoint.js';
import { useBackend } from '../backend/use-backend.js';
import { int8LinearKernelName } from '../backend/wasm-kernels/linear-int8.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { countParameters } from '../models/summary.js';
import { evalSetFromRecords } from './eval-set.js';
import { predictLogits } from './evaluate.js';
import { int8Model } from './int8-model.js';
import { resolveStudent } from '../train/resolve-student.js';
import { prune } from './prune.js';
import { quantize } from './quantize.js';

let dir: string;
let ckpt: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(path.join(tmpdir(), 'tfd-int8-'));
  ckpt = path.join(dir, 'student');
  // d 32, ffn 64: every dense kernel fits the wasm int8 kernel (k % 8, n % 8).
  const { model } = await makeTinyCheckpoint(ckpt, { dModel: 32, seed: 5 });
  model.dispose();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('quantize({ dtype: "int8" })', () => {
  it('writes a checkpoint whose blocks run int8 kernels, close to the float model, smaller, with a report row', async () => {
    await expectNoLeaks(async () => {
      const out = path.join(dir, 'int8');
      const float = await loadClassifier(ckpt);
      const data = evalSetFromRecords(tinyTexts, { tokenizer: float.tokenizer, labels: float.labels, maxLength: 32 });
      const r = await quantize(ckpt, { dtype: 'int8', compute: 'int8', data, out, latency: { runs: 2, warmup: 1 } });
      expect(r.rows.map((x) => x.step)).toEqual(['float32', 'int8 (int8 compute)']);
      const [before, after] = r.rows;
      expect(after.parameters).toBe(before.parameters);
      expect(after.sizeRaw).toBeLessThan(before.sizeRaw / 2);
      expect(after.agreement).toBeGreaterThanOrEqual(0.9);
      expect(after.latencyMs).toBeGreaterThan(0);
      expect(r.assignment['block_0/ffn1_kernel_int8']).toBe('int8');
      expect(r.assignment['block_0/ffn1_kernel_scale']).toBe('float32');
      expect(r.assignment['embeddings/tokens']).toBe('float16');
      expect(r.note).toMatch(/int8 kernels/);

      const manifest = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
      const specs = manifest.weightsManifest.flatMap((g: { weights: { name: string; dtype: string }[] }) => g.weights);
      expect(specs.find((s: { name: string }) => s.name === 'block_0/qkv_kernel_int8')?.dtype).toBe('int32');
      expect(specs.some((s: { name: string }) => s.name === 'block_0/qkv_kernel')).toBe(false);

      const int8 = await loadClassifier(out);
      const profile = await tf.profile(() => predictLogits(int8.model, data).logits);
      expect(profile.kernelNames).toContain(int8LinearKernelName);
      const [a, b] = [predictLogits(float.model, data).logits, predictLogits(int8.model, data).logits];
      expect(maxAbsDiff(a, b)).toBeLessThan(0.05 * Math.max(...Array.from(a, Math.abs)));
      expect(maxAbsDiff(a, b)).toBeGreaterThan(0); // really quantized
      float.model.dispose();
      int8.model.dispose();
    });
  });

  it('gives the same logits on the cpu backend (tfjs-op fallback) as the wasm kernels', async () => {
    await expectNoLeaks(async () => {
      const { model, tokenizer, labels } = await loadClassifier(ckpt);
      const data = evalSetFromRecords(tinyTexts, { tokenizer, labels, maxLength: 32 });
      const { model: int8 } = await int8Model(model);
      const onWasm = predictLogits(int8, data).logits;
      await useBackend('cpu');
      try {
        const moved = await int8Model(model); // weights re-made on cpu
        const onCpu = predictLogits(moved.model, data).logits;
        expect(maxAbsDiff(onWasm, onCpu)).toBeLessThan(1e-4);
        expect(countParameters(moved.model)).toBe(countParameters(model));
        moved.model.dispose();
      } finally {
        await useBackend('wasm');
      }
      int8.dispose();
      model.dispose();
    });
  });

  it('refuses what int8 cannot do, with codes: re-quantizing, pruning or training an int8 model', async () => {
    await expect(quantize(ckpt, { dtype: 'uint8', compute: 'int8' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const int8Dir = path.join(dir, 'int8'); // written by the first test
    for (const [doing, run] of [
      ['quantize', () => quantize(int8Dir, { dtype: 'uint8' })],
      ['quantize', () => quantize(int8Dir, { dtype: 'int8' })],
      ['prune', () => prune(int8Dir, { sparsity: 0.3 })],
    ] as const) {
      await expect(run()).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: new RegExp(`cannot ${doing} this model: it holds int8 layers`),
      });
    }
    await expectNoLeaks(async () => {
      const { model } = await loadClassifier(ckpt);
      const { model: int8 } = await int8Model(model);
      await expect(int8Model(int8)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /already int8/ });
      const data = { vocabSize: 120, maxLength: 32, numClasses: 2, seed: 1, outputs: [] };
      expect(() => resolveStudent(int8, data)).toThrow(/cannot train this model: it holds int8 layers/);
      const plain = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
      await expect(int8Model(plain)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /encoder blocks/ });
      plain.dispose();
      int8.dispose();
      model.dispose();
    });
  });
});
