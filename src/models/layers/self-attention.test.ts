import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../backend/use-backend.js';
import { expectNoLeaks, maxAbsDiff } from '../../../test/helpers.js';
import '../register.js';
import { TfdMultiHeadSelfAttention } from './self-attention.js';
import { floatKernel } from './weights.js';

/** Plain-JS multi-head attention over one sequence: x [s][d], W [d][n] row-major flat arrays. */
function reference(x: number[][], keep: number[], qkv: Float32Array, out: Float32Array, heads: number) {
  const s = x.length;
  const d = x[0].length;
  const dh = d / heads;
  const proj = (col: number) => x.map((row) => row.reduce((acc, v, k) => acc + v * qkv[k * 3 * d + col], 0));
  const qkvCols = Array.from({ length: 3 * d }, (_, c) => proj(c)); // [3d][s]
  const probs: number[][][] = [];
  const context = Array.from({ length: s }, () => new Array<number>(d).fill(0));
  for (let h = 0; h < heads; h++) {
    probs.push([]);
    for (let i = 0; i < s; i++) {
      const scores = Array.from({ length: s }, (_, j) => {
        if (!keep[j]) return -Infinity;
        let dot = 0;
        for (let e = 0; e < dh; e++) dot += qkvCols[h * dh + e][i] * qkvCols[d + h * dh + e][j];
        return dot / Math.sqrt(dh);
      });
      const m = Math.max(...scores);
      const ex = scores.map((v) => Math.exp(v - m));
      const z = ex.reduce((a, b) => a + b, 0);
      const p = ex.map((v) => v / z);
      probs[h].push(p);
      for (let e = 0; e < dh; e++) context[i][h * dh + e] = p.reduce((acc, pj, j) => acc + pj * qkvCols[2 * d + h * dh + e][j], 0);
    }
  }
  const y = context.map((row) => Array.from({ length: d }, (_, c) => row.reduce((acc, v, k) => acc + v * out[k * d + c], 0)));
  return { y: y.flat(), probs: probs.flat(2) };
}

describe('TfdMultiHeadSelfAttention', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('matches a plain-JS reference with a padded key, and survives save/load', async () => {
    await expectNoLeaks(async () => {
      const x = tf.input({ shape: [null, 4], name: 'x' });
      const ids = tf.input({ shape: [null], dtype: 'int32', name: 'ids' });
      const layer = new TfdMultiHeadSelfAttention({ dModel: 4, numHeads: 2, attentionDropout: 0.5, seed: 3, name: 'mhsa' });
      const outputs = layer.apply([x, ids]) as tf.SymbolicTensor[];
      const model = tf.model({ inputs: [x, ids], outputs });
      const xs = [
        [0.5, -1, 2, 0.1],
        [1, 0.3, -0.7, 0.2],
        [9, 9, 9, 9],
      ];
      const xT = tf.tensor3d([xs]);
      const idsT = tf.tensor2d([[5, 6, 0]], [1, 3], 'int32');
      const [y, probs] = model.predict([xT, idsT]) as tf.Tensor[];
      const want = reference(
        xs,
        [1, 1, 0],
        (await floatKernel(layer.weightsOf.qkvKernel!).read().data()) as Float32Array,
        (await floatKernel(layer.weightsOf.outKernel).read().data()) as Float32Array,
        2,
      );
      expect(probs.shape).toEqual([1, 2, 3, 3]);
      expect(maxAbsDiff(await probs.data(), want.probs)).toBeLessThan(1e-6);
      expect(maxAbsDiff(await y.data(), want.y)).toBeLessThan(1e-5);

      let saved: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (a) => {
          saved = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
      const again = loaded.predict([xT, idsT]) as tf.Tensor[];
      expect(Array.from(await again[0].data())).toEqual(Array.from(await y.data()));
      expect(Array.from(await again[1].data())).toEqual(Array.from(await probs.data()));
      tf.dispose([xT, idsT, y, probs, ...again]);
      model.dispose();
      loaded.dispose();
    });
  });
});
