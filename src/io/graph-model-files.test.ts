import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { trainWordPiece } from '../data/tokenizer/wordpiece-trainer.js';
import { resolveTeacher } from './resolve-teacher.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { loadGraphModelFile } from './graph-model-files.js';

/** A converter-format graph: logits [b, 2] = float(ids) [b, 2] @ w [2, 2] - the layout tensorflowjs_converter writes. */
function graphJson(shardPath = 'group1-shard1of1.bin') {
  const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });
  const float = { type: 'DT_FLOAT' };
  return {
    format: 'graph-model',
    generatedBy: '2.x',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      node: [
        { name: 'input_ids', op: 'Placeholder', attr: { dtype: { type: 'DT_INT32' }, shape: { shape: dims(-1, 2) } } },
        { name: 'ids_float', op: 'Cast', input: ['input_ids'], attr: { SrcT: { type: 'DT_INT32' }, DstT: float } },
        { name: 'w', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(2, 2) } } } },
        {
          name: 'logits',
          op: 'MatMul',
          input: ['ids_float', 'w'],
          attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } },
        },
      ],
      library: {},
      versions: { producer: 1982 },
    },
    weightsManifest: [{ paths: [shardPath], weights: [{ name: 'w', shape: [2, 2], dtype: 'float32' }] }],
  };
}

let tmp: string;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-graph-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

async function writeGraph(dir: string, json = graphJson()): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  await fs.writeFile(path.join(dir, 'group1-shard1of1.bin'), Buffer.from(new Float32Array([0.5, -1, 0.25, 1]).buffer));
  return path.join(dir, 'model.json');
}

describe('loadGraphModelFile', () => {
  it('loads converter output from disk, and resolveTeacher accepts a graph model.json path', async () => {
    const file = await writeGraph(path.join(tmp, 'ok'));
    await expectNoLeaks(async () => {
      const graph = await loadGraphModelFile(file);
      const ids = tf.tensor2d(
        [
          [2, 4],
          [6, 6],
        ],
        undefined,
        'int32',
      );
      const out = graph.predict(ids) as tf.Tensor;
      expect(Array.from(await out.data())).toEqual([2, 2, 4.5, 0]);
      tf.dispose([ids, out]);
      graph.dispose();

      const tokenizer = trainWordPiece(['a b c', 'b c d'], { vocabSize: 30, minFrequency: 1 });
      const teacher = await resolveTeacher(file, { tokenizer });
      const ids2 = tf.tensor2d([[6, 6]], undefined, 'int32');
      const { logits } = await teacher.teacher.predict(ids2);
      expect(Array.from(await logits.data())).toEqual([4.5, 0]);
      tf.dispose([ids2, logits]);
      teacher.dispose();
    });
  });

  it('refuses shard paths outside the model directory and non-graph files', async () => {
    const bad = await writeGraph(path.join(tmp, 'escape'), graphJson('../outside.bin'));
    await expect(loadGraphModelFile(bad)).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
    const layers = path.join(tmp, 'layers.json');
    await fs.writeFile(layers, JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [] }));
    await expect(loadGraphModelFile(layers)).rejects.toThrow(/not a TF.js graph model/);
  });
});
