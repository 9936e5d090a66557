import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { createEncoder } from '../models/encoder.js';
import { countParameters } from '../models/summary.js';
import { registerFileRouter } from '../io/file-router.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { applyStructuredPlan, encoderBlocks, l2Importance } from './structured.js';
import { structuredPlan } from './structured-plan.js';

let dir: string;
beforeAll(async () => {
  await useBackend('wasm');
  registerFileRouter();
  dir = await mkdtemp(path.join(tmpdir(), 'tfd-struct-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const build = (normFirst: boolean) =>
  createEncoder({
    vocabSize: 40,
    maxLength: 16,
    dModel: 16,
    numLayers: 2,
    numHeads: 4,
    ffnDim: 24,
    numClasses: 3,
    dropout: 0,
    seed: 5,
    normFirst,
  });
const ids = () =>
  tf.tensor2d(
    [
      [3, 7, 9, 1, 0, 0],
      [2, 4, 6, 8, 10, 12],
    ],
    [2, 6],
    'int32',
  );

/** Silences head 2 of block_0 (its out-projection rows) and FFN neurons 0..5 of block_1 (their ffn2 rows). */
function silence(model: tf.LayersModel): void {
  const set = (suffix: string, block: string, rows: [number, number]) => {
    const v = model.weights.find((w) => w.originalName === `${block}/${suffix}`) as tf.LayerVariable;
    const next = tf.tidy(() => {
      const cols = v.shape[1] as number;
      const keep = Array.from({ length: v.shape[0] as number }, (_, r) => (r >= rows[0] && r < rows[1] ? 0 : 1));
      return tf.mul(v.read(), tf.tensor2d(keep, [keep.length, 1])).reshape([v.shape[0] as number, cols]);
    });
    v.write(next);
    next.dispose();
  };
  set('out_kernel', 'block_0', [8, 12]); // head 2 of 4, headDim 4
  set('ffn2_kernel', 'block_1', [0, 6]);
}

describe('structured pruning', () => {
  for (const normFirst of [true, false]) {
    it(`removing a head whose output weights are zero leaves the output unchanged (normFirst=${normFirst})`, async () => {
      await expectNoLeaks(async () => {
        const model = build(normFirst);
        silence(model);
        const all = (n: number) => Array.from({ length: n }, (_, i) => i);
        const plan = {
          block_0: { heads: [0, 1, 3], neurons: all(24) },
          block_1: { heads: all(4), neurons: all(24).slice(6) },
        };
        const small = await applyStructuredPlan(model, plan);
        const blocks = encoderBlocks(small);
        expect(blocks.map((b) => [b.numHeads, b.headDim, b.ffnDim])).toEqual([
          [3, 4, 24],
          [4, 4, 18],
        ]);
        expect(countParameters(small)).toBe(countParameters(model) - (3 * 16 * 4 + 3 * 4 + 4 * 16) - 6 * (16 + 1 + 16));
        const x = ids();
        const a = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
        const b = tf.tidy(() => (small.predict(x) as tf.Tensor).dataSync());
        expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
        // Saved with stock tfjs and loaded back: same outputs.
        await small.save(`file://${dir}/n${normFirst}`);
        const loaded = await tf.loadLayersModel(`file://${dir}/n${normFirst}/model.json`);
        const c = tf.tidy(() => (loaded.predict(x) as tf.Tensor).dataSync());
        expect(maxAbsDiff(b, c)).toBe(0);
        tf.dispose([x]);
        loaded.dispose();
        small.dispose();
        model.dispose();
      });
    });
  }

  it('L2 importance ranks a silenced head and neurons lowest, and the plan drops them', async () => {
    await expectNoLeaks(async () => {
      const model = build(true);
      const block = encoderBlocks(model)[0];
      // Zero everything of head 1 and of neuron 5 in block_0.
      const zeroCols = (name: string, cols: number[], axis: 0 | 1) => {
        const v = model.weights.find((w) => w.originalName === `block_0/${name}`) as tf.LayerVariable;
        const next = tf.tidy(() => {
          const n = v.shape[axis] as number;
          const m = Array.from({ length: n }, (_, i) => (cols.includes(i) ? 0 : 1));
          const shape = v.shape.length === 1 ? [n] : axis === 0 ? [n, 1] : [1, n];
          return tf.mul(v.read(), tf.tensor(m, shape));
        });
        v.write(next);
        next.dispose();
      };
      zeroCols('qkv_kernel', [4, 5, 6, 7, 20, 21, 22, 23, 36, 37, 38, 39], 1);
      zeroCols('out_kernel', [4, 5, 6, 7], 0);
      zeroCols('ffn1_kernel', [5], 1);
      zeroCols('ffn2_kernel', [5], 0);
      const imp = l2Importance(block);
      expect(imp.heads[1]).toBe(0);
      expect(imp.neurons[5]).toBe(0);
      const plan = await structuredPlan(model, { fraction: 0.25 });
      expect(plan.block_0.heads).toEqual([0, 2, 3]);
      expect(plan.block_0.neurons).not.toContain(5);
      expect(plan.block_0.neurons.length).toBe(18);
      model.dispose();
    });
  });
});
