import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { TfdistillError } from '../errors.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { createEncoder } from './encoder.js';
import { teacherFromEncoder, teacherFromGraphModel, teacherFromLayersModel } from './teacher.js';
import { disposeOutputs, padIds, tinyOptions } from './test-utils.js';

/** A hand-written tfjs-converter GraphDef: logits = (float(ids) * mask) @ W, W [4, 3]. */
function graphArtifacts(w: Float32Array): tf.io.ModelArtifacts {
  const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });
  const float = { type: 'DT_FLOAT' };
  return {
    format: 'graph-model',
    modelTopology: {
      node: [
        { name: 'input_ids', op: 'Placeholder', attr: { dtype: { type: 'DT_INT32' }, shape: { shape: dims(-1, 4) } } },
        { name: 'attention_mask', op: 'Placeholder', attr: { dtype: float, shape: { shape: dims(-1, 4) } } },
        { name: 'ids_float', op: 'Cast', input: ['input_ids'], attr: { SrcT: { type: 'DT_INT32' }, DstT: float } },
        { name: 'masked', op: 'Mul', input: ['ids_float', 'attention_mask'], attr: { T: float } },
        { name: 'w', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(4, 3) } } } },
        { name: 'logits', op: 'MatMul', input: ['masked', 'w'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
      ],
      library: {},
      versions: { producer: 1982 },
    },
    weightSpecs: [{ name: 'w', shape: [4, 3], dtype: 'float32' }],
    weightData: w.buffer.slice(0) as ArrayBuffer,
  };
}

describe('teacher adapters', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('teacherFromEncoder runs in inference mode and returns every encoder output', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...tinyOptions, dropout: 0.5, outputs: ['logits', 'hidden'], seed: 3 });
      const teacher = teacherFromEncoder(model);
      const ids = padIds([[3, 4, 5], [6]], 3);
      const a = teacher.predict(ids);
      const b = teacher.predict(ids);
      const p = model.predict(ids) as tf.Tensor[];
      expect(a.hidden).toHaveLength(2);
      expect(maxAbsDiff(await a.logits.data(), await b.logits.data())).toBe(0);
      expect(maxAbsDiff(await a.logits.data(), await p[0].data())).toBe(0);
      [a, b].forEach(disposeOutputs);
      tf.dispose([ids, ...p]);
      model.dispose();
    });
  });

  it('teacherFromLayersModel picks the named logits output and feeds a derived mask', async () => {
    await expectNoLeaks(async () => {
      const ids = tf.input({ shape: [null], name: 'ids' });
      const mask = tf.input({ shape: [null], name: 'mask' });
      const emb = tf.layers
        .embedding({ inputDim: 20, outputDim: 4, embeddingsInitializer: tf.initializers.randomNormal({ seed: 1 }) })
        .apply(ids) as tf.SymbolicTensor;
      const gated = tf.layers.multiply().apply([emb, tf.layers.reshape({ targetShape: [-1, 1] }).apply(mask) as tf.SymbolicTensor]);
      const pooled = tf.layers.globalAveragePooling1d().apply(gated) as tf.SymbolicTensor;
      const aux = tf.layers.dense({ units: 2, name: 'aux' }).apply(pooled) as tf.SymbolicTensor;
      const cls = tf.layers.dense({ units: 3, name: 'cls' }).apply(pooled) as tf.SymbolicTensor;
      const model = tf.model({ inputs: [ids, mask], outputs: [aux, cls] });
      const teacher = teacherFromLayersModel(model, { logitsOutput: 'cls' });
      const input = padIds([[3, 4, 5], [6]], 3);
      const got = teacher.predict(input);
      const maskT = tf.tensor2d([
        [1, 1, 1],
        [1, 0, 0],
      ]);
      const given = teacher.predict(input, maskT);
      const floatIds = input.toFloat();
      const want = model.predict([floatIds, maskT]) as tf.Tensor[];
      expect(got.logits.shape).toEqual([2, 3]);
      expect(maxAbsDiff(await got.logits.data(), await want[1].data())).toBe(0);
      expect(maxAbsDiff(await given.logits.data(), await want[1].data())).toBe(0);
      expect(() => teacherFromLayersModel(model, { logitsOutput: 'nope' })).toThrow(TfdistillError);
      tf.dispose([input, maskT, floatIds, ...want, got.logits, given.logits]);
      model.dispose();
    });
  });

  it('teacherFromGraphModel feeds named inputs of a converter-format graph', async () => {
    await expectNoLeaks(async () => {
      const w = Float32Array.from({ length: 12 }, (_, i) => (i - 5) / 4);
      const graph = await tf.loadGraphModel(tf.io.fromMemory(graphArtifacts(w)));
      expect(graph.inputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask']);
      const teacher = teacherFromGraphModel(graph, { maskInputName: 'attention_mask', outputName: 'logits' });
      const rows = [
        [3, 4, 5, 0],
        [6, 0, 0, 0],
        [1, 2, 3, 4],
      ];
      const ids = padIds(rows, 4);
      const out = teacher.predict(ids);
      const want = rows.flatMap((r) => [0, 1, 2].map((c) => r.reduce((acc, x, k) => acc + x * w[k * 3 + c], 0)));
      expect(maxAbsDiff(await out.logits.data(), want)).toBeLessThan(1e-5);
      // An explicit mask wins over the derived one.
      const mask = tf.tensor2d([
        [1, 0, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 1],
      ]);
      const masked = teacher.predict(ids, mask);
      const wantMasked = [
        [3, 0, 0, 0],
        [6, 0, 0, 0],
        [0, 0, 0, 4],
      ].flatMap((r) => [0, 1, 2].map((c) => r.reduce((acc, x, k) => acc + x * w[k * 3 + c], 0)));
      expect(maxAbsDiff(await masked.logits.data(), wantMasked)).toBeLessThan(1e-5);
      expect(() => teacherFromGraphModel(graph, { inputName: 'tokens' })).toThrow(/no input 'tokens'/);
      tf.dispose([ids, mask, out.logits, masked.logits]);
      graph.dispose();
    });
  });
});
