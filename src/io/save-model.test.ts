import * as tf from '@tensorflow/tfjs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { TfdistillError } from '../errors.js';
import { version } from '../version.js';
import { denseModel, predictProbe, probeInput, tempDir, weightValues } from '../../test/fixtures/checkpoints/io-helpers.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { isCheckpointDir, loadModel, readCheckpointMeta } from './load-model.js';
import { saveModel } from './save-model.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** Reads the files of a checkpoint the way a stock TF.js user would: model.json + concatenated shards. */
async function stockArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const buffers = [];
  for (const group of json.weightsManifest) for (const p of group.paths) buffers.push(await readFile(path.join(dir, p)));
  const all = Buffer.concat(buffers);
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  };
}

/** A fetch that serves files under `root` for http://ckpt/<path>, for the stock tfjs http loader. */
function diskFetch(root: string) {
  return async (url: RequestInfo | URL): Promise<Response> => {
    const rel = new URL(String(url)).pathname;
    return new Response(await readFile(path.join(root, rel)));
  };
}

describe('saveModel / loadModel round trip', () => {
  it('restores predictions and weights bit-identically, and the metadata', async () => {
    await expectNoLeaks(async () => {
      const dir = path.join(await tempDir(), 'ckpt');
      const model = denseModel(1);
      const meta = {
        labels: ['neg', 'neu', 'pos'],
        modelConfig: { layers: 2, dModel: 8 },
        training: {
          step: 12,
          epoch: 1,
          rngState: 123456789,
          dataPosition: 40,
          optimizer: { name: 'adam', hyperparameters: { learningRate: 0.001 } },
        },
        metrics: { accuracy: 0.75 },
        extra: { note: 'hello' },
      };
      await saveModel(model, dir, { meta, now: () => new Date('2024-05-06T07:08:09.000Z') });
      const loaded = await loadModel(dir);
      expect(Array.from(predictProbe(loaded.model))).toEqual(Array.from(predictProbe(model)));
      const [a, b] = [weightValues(model), weightValues(loaded.model)];
      expect(b.length).toBe(a.length);
      a.forEach((w, i) => {
        expect(Buffer.from(b[i].buffer).equals(Buffer.from(w.buffer))).toBe(true);
      });
      expect(loaded.meta).toEqual({
        ...meta,
        format: 'tfdistill-checkpoint',
        formatVersion: 1,
        tfdistillVersion: version,
        createdAt: '2024-05-06T07:08:09.000Z',
      });
      expect(await readCheckpointMeta(dir)).toEqual(loaded.meta);
      expect(await isCheckpointDir(dir)).toBe(true);
      expect(await isCheckpointDir(path.dirname(dir))).toBe(false);
      expect((await readdir(dir)).sort()).toEqual(['group1-shard1of1.bin', 'model.json', 'tfdistill.json']);
      model.dispose();
      loaded.model.dispose();
    });
  });

  it('splits weights over several shards no bigger than shardBytes, readable by stock tfjs loaders', async () => {
    await expectNoLeaks(async () => {
      const dir = path.join(await tempDir(), 'sharded');
      const model = denseModel(2);
      await saveModel(model, dir, { shardBytes: 100 });
      const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      expect(json.format).toBe('layers-model');
      // 4*8 + 8 + 8*3 + 3 = 67 floats = 268 bytes -> 3 shards of <= 100 bytes.
      expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin']);
      const sizes = await Promise.all(json.weightsManifest[0].paths.map(async (p) => (await stat(path.join(dir, p))).size));
      expect(sizes).toEqual([100, 100, 68]);

      const viaMemory = await tf.loadLayersModel(tf.io.fromMemory(await stockArtifacts(dir)));
      const viaHttp = await tf.loadLayersModel(tf.io.http('http://ckpt/model.json', { fetchFunc: diskFetch(dir) }));
      const viaOurs = (await loadModel(dir)).model;
      const expected = Array.from(predictProbe(model));
      for (const m of [viaMemory, viaHttp, viaOurs]) {
        expect(Array.from(predictProbe(m))).toEqual(expected);
        m.dispose();
      }
      model.dispose();
    });
  });

  it('stores float16 weights that stock tfjs decodes within half-precision error', async () => {
    await expectNoLeaks(async () => {
      const dir = path.join(await tempDir(), 'half');
      const model = denseModel(3);
      await saveModel(model, dir, { weightDtype: 'float16' });
      const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      for (const spec of json.weightsManifest[0].weights) {
        expect(spec.dtype).toBe('float32');
        expect(spec.quantization).toEqual({ dtype: 'float16' });
      }
      expect((await stat(path.join(dir, 'group1-shard1of1.bin'))).size).toBe(67 * 2);
      const ours = (await loadModel(dir)).model;
      const stock = await tf.loadLayersModel(tf.io.http('http://ckpt/model.json', { fetchFunc: diskFetch(dir) }));
      const original = weightValues(model);
      for (const m of [ours, stock]) {
        weightValues(m).forEach((w, i) => {
          w.forEach((v, j) => {
            const x = original[i][j];
            // Half precision: 11 significant bits (relative 2^-11 after rounding), subnormal step 2^-24.
            expect(Math.abs(v - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25);
          });
        });
        m.dispose();
      }
      model.dispose();
    });
  });

  it('restores optimizer state bit-identically, so a resumed Adam step matches the uninterrupted one', async () => {
    await expectNoLeaks(async () => {
      const dir = path.join(await tempDir(), 'with-opt');
      const model = denseModel(4);
      const x = probeInput();
      const y = tf.tensor2d(
        Array.from({ length: 15 }, (_, i) => (i % 4) - 1.5),
        [5, 3],
      );
      const step = (m: tf.LayersModel, opt: tf.Optimizer) =>
        opt.minimize(
          () => tf.losses.meanSquaredError(y, m.apply(x) as tf.Tensor) as tf.Scalar,
          false,
          m.trainableWeights.map((w) => w.read() as tf.Variable),
        );
      const opt = tf.train.adam(0.05);
      step(model, opt);
      step(model, opt);
      const state = await opt.getWeights();
      await saveModel(model, dir, { optimizer: { name: 'adam', config: opt.getConfig(), weights: state }, shardBytes: 128 });
      expect((await readdir(path.join(dir, 'optimizer'))).sort()).toEqual([
        'group1-shard1of5.bin',
        'group1-shard2of5.bin',
        'group1-shard3of5.bin',
        'group1-shard4of5.bin',
        'group1-shard5of5.bin',
        'weights.json',
      ]);

      const loaded = await loadModel(dir, { withOptimizer: true });
      expect(loaded.optimizer?.name).toBe('adam');
      expect(loaded.optimizer?.config).toEqual(opt.getConfig());
      const restored = loaded.optimizer!.weights;
      expect(restored.map((w) => w.name)).toEqual(state.map((w) => w.name));
      restored.forEach((w, i) => {
        expect(w.tensor.dtype).toBe(state[i].tensor.dtype);
        expect(
          Buffer.from((w.tensor.dataSync() as Float32Array).buffer).equals(
            Buffer.from((state[i].tensor.dataSync() as Float32Array).buffer),
          ),
        ).toBe(true);
      });

      // Resuming: tfjs's Adam.setWeights recomputes beta^t with pow() where the live optimizer keeps a
      // running product, so the next step agrees to float rounding, not bit for bit. A fresh optimizer
      // (no moments) takes a visibly different step, which shows the restored moments are used.
      const opt2 = tf.train.adam(0.05);
      await opt2.setWeights(restored);
      const fresh = denseModel(99);
      fresh.setWeights(loaded.model.getWeights());
      const opt3 = tf.train.adam(0.05);
      step(model, opt);
      step(loaded.model, opt2);
      step(fresh, opt3);
      const [a, b, c] = [weightValues(model), weightValues(loaded.model), weightValues(fresh)];
      a.forEach((w, i) => {
        expect(maxAbsDiff(w, b[i])).toBeLessThan(1e-6);
        expect(maxAbsDiff(w, c[i])).toBeGreaterThan(1e-3);
      });

      // Without withOptimizer the state is not read.
      const plain = await loadModel(dir);
      expect(plain.optimizer).toBeUndefined();
      plain.model.dispose();

      tf.dispose([x, y, state[0].tensor, ...restored.map((w) => w.tensor)]);
      opt.dispose();
      opt2.dispose();
      opt3.dispose();
      fresh.dispose();
      model.dispose();
      loaded.model.dispose();
    });
  });
});

describe('saveModel extra files and argument checks', () => {
  it('writes extra files (tokenizer) inside the checkpoint', async () => {
    await expectNoLeaks(async () => {
      const dir = path.join(await tempDir(), 'tok');
      const model = denseModel(5);
      const bytes = new Uint8Array([1, 2, 3, 250]);
      await saveModel(model, dir, {
        meta: { tokenizer: 'tokenizer.json' },
        files: { 'tokenizer.json': '{"vocab":{}}', 'report.bin': bytes },
      });
      expect(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')).toBe('{"vocab":{}}');
      expect(new Uint8Array(await readFile(path.join(dir, 'report.bin')))).toEqual(bytes);
      const loaded = await loadModel(dir);
      expect(loaded.meta.tokenizer).toBe('tokenizer.json');
      loaded.model.dispose();
      model.dispose();
    });
  });

  it('rejects bad extra file names, a tokenizer that is not written, bad options and non-checkpoint targets', async () => {
    await expectNoLeaks(async () => {
      const root = await tempDir();
      const dir = path.join(root, 'x');
      const model = denseModel(6);
      const cases: Array<[Parameters<typeof saveModel>[2], RegExp]> = [
        [{ files: { '../evil': 'x' } }, /"\.\.\/evil" must be a plain relative file name/],
        [{ files: { 'sub/a.txt': 'x' } }, /"sub\/a\.txt" must be a plain relative file name/],
        [{ files: { 'model.json': 'x' } }, /"model\.json" is reserved/],
        [{ files: { 'group1-shard1of1.bin': 'x' } }, /is reserved/],
        [{ meta: { tokenizer: 'tokenizer.json' } }, /meta\.tokenizer is "tokenizer\.json" but no such file/],
        [{ meta: { tokenizer: '../t.json' } }, /"tokenizer" must be a plain file name/],
        [{ meta: { training: { step: -1, epoch: 0, rngState: 0, dataPosition: 0 } } }, /"training\.step" must be a non-negative integer/],
        [{ shardBytes: 0 }, /shardBytes must be a positive integer/],
        [{ weightDtype: 'int8' as 'float16' }, /weightDtype must be/],
      ];
      for (const [opts, message] of cases) {
        const err = await saveModel(model, dir, opts).catch((e: unknown) => e);
        expect(err, String(message)).toBeInstanceOf(TfdistillError);
        expect((err as TfdistillError).code).toBe('INVALID_ARGUMENT');
        expect((err as Error).message).toMatch(message);
      }
      expect(await readdir(root)).toEqual([]);

      // A non-empty directory that is not a checkpoint is never replaced.
      const err = await saveModel(model, `${root}/..`, {}).catch((e: unknown) => e);
      expect((err as TfdistillError).code).toBe('OUTPUT_EXISTS');
      expect((err as Error).message).toMatch(/not empty and holds no model\.json/);
      model.dispose();
    });
  });
});
