import * as tf from '@tensorflow/tfjs';
import { appendFile, cp, mkdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { TfdistillError, type TfdistillErrorCode } from '../errors.js';
import { denseModel, predictProbe, tempDir } from '../../test/fixtures/checkpoints/io-helpers.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { loadModel, readCheckpointMeta, type LoadModelOptions } from './load-model.js';
import { saveModel } from './save-model.js';

let base: string; // a valid checkpoint: 67 float32 weights (268 bytes) in 3 shards of 100, 100, 68 bytes
let outside: string; // a directory beside the checkpoints

beforeAll(async () => {
  await useBackend('wasm');
  const root = await tempDir();
  base = path.join(root, 'base');
  outside = path.join(root, 'outside');
  await mkdir(outside);
  const model = denseModel(7);
  const opt = tf.train.adam();
  opt.minimize(
    () => tf.tidy(() => (model.apply(tf.ones([2, 4])) as tf.Tensor).square().mean() as tf.Scalar),
    false,
    model.trainableWeights.map((w) => w.read() as tf.Variable),
  );
  const weights = await opt.getWeights();
  await saveModel(model, base, { shardBytes: 100, optimizer: { name: 'adam', config: opt.getConfig(), weights } });
  weights[0].tensor.dispose(); // 'iter' is a fresh scalar; the rest are the optimizer's variables
  opt.dispose();
  model.dispose();
});

type ModelJson = { weightsManifest: Array<{ paths: string[]; weights: Array<Record<string, unknown>> }> } & Record<string, unknown>;

/** Copies the base checkpoint, lets `mutate` damage it, and returns the copy's path. */
async function damaged(mutate: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(await tempDir(), 'ckpt');
  await cp(base, dir, { recursive: true });
  await mutate(dir);
  return dir;
}

/** Rewrites model.json (or another JSON file) through `edit`. */
function editJson(edit: (json: ModelJson) => void, file = 'model.json') {
  return async (dir: string) => {
    const json = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as ModelJson;
    edit(json);
    await writeFile(path.join(dir, file), JSON.stringify(json));
  };
}

const spec = (json: ModelJson, i: number) => json.weightsManifest[0].weights[i];

const rejections: Array<[string, (dir: string) => Promise<void>, TfdistillErrorCode, RegExp, LoadModelOptions?]> = [
  [
    'a ".." shard path',
    editJson((j) => {
      j.weightsManifest[0].paths[0] = '../base/group1-shard1of3.bin';
    }),
    'CHECKPOINT_INVALID',
    /model\.json: shard path "\.\.\/base\/group1-shard1of3\.bin" contains "\.\." and would leave/,
  ],
  [
    'an absolute shard path',
    editJson((j) => {
      j.weightsManifest[0].paths[0] = '/etc/hostname';
    }),
    'CHECKPOINT_INVALID',
    /model\.json: shard path "\/etc\/hostname" is absolute/,
  ],
  [
    'a symlink escaping the directory',
    async (dir) => {
      await writeFile(path.join(outside, 'stolen.bin'), new Uint8Array(100));
      await rm(path.join(dir, 'group1-shard1of3.bin'));
      await symlink(path.join(outside, 'stolen.bin'), path.join(dir, 'group1-shard1of3.bin'));
    },
    'CHECKPOINT_INVALID',
    /model\.json: shard file "group1-shard1of3\.bin" is a symlink that resolves outside the checkpoint/,
  ],
  [
    'a shard too short',
    (dir) => truncate(path.join(dir, 'group1-shard3of3.bin'), 64),
    'CHECKPOINT_INVALID',
    /model\.json: shard files \(group1-shard1of3\.bin, group1-shard2of3\.bin, group1-shard3of3\.bin\) hold 264 bytes but their 4 weights need 268 bytes \(shard too short\)/,
  ],
  [
    'a shard too long',
    (dir) => appendFile(path.join(dir, 'group1-shard2of3.bin'), new Uint8Array(8)),
    'CHECKPOINT_INVALID',
    /hold 276 bytes but their 4 weights need 268 bytes \(shard too long\)/,
  ],
  [
    'a negative dimension',
    editJson((j) => {
      spec(j, 0).shape = [-4, 8];
    }),
    'CHECKPOINT_INVALID',
    /model\.json: weight "[^"]+" has shape \[-4,8\]: dimensions must be non-negative integers/,
  ],
  [
    'a non-integer dimension',
    editJson((j) => {
      spec(j, 1).shape = [7.5];
    }),
    'CHECKPOINT_INVALID',
    /has shape \[7\.5\]: dimensions must be non-negative integers/,
  ],
  [
    'a shape that is not an array',
    editJson((j) => {
      spec(j, 1).shape = '8';
    }),
    'CHECKPOINT_INVALID',
    /has shape "8": dimensions must be non-negative integers/,
  ],
  [
    'a huge shape',
    editJson((j) => {
      spec(j, 0).shape = [1e9, 1e9, 1e9];
    }),
    'CHECKPOINT_TOO_LARGE',
    /model\.json: weight "[^"]+" with shape \[1000000000,1000000000,1000000000\] takes the weights past the maxTotalBytes limit/,
  ],
  [
    'weights above a configured maxTotalBytes',
    async () => {},
    'CHECKPOINT_TOO_LARGE',
    /model\.json: weight "[^"]+" with shape \[8,3\] takes the weights past the maxTotalBytes limit \(40 bytes left\)/,
    { maxTotalBytes: 200 },
  ],
  [
    'optimizer state above maxTotalBytes',
    async () => {},
    'CHECKPOINT_TOO_LARGE',
    /optimizer\/weights\.json: weight "[^"]+" .* past the maxTotalBytes limit/,
    { maxTotalBytes: 300, withOptimizer: true },
  ],
  [
    'an unknown dtype',
    editJson((j) => {
      spec(j, 0).dtype = 'float64';
    }),
    'CHECKPOINT_INVALID',
    /model\.json: weight "[^"]+" has unknown dtype "float64" \(known: float32, int32, bool\)/,
  ],
  [
    'a string dtype',
    editJson((j) => {
      spec(j, 0).dtype = 'string';
    }),
    'CHECKPOINT_INVALID',
    /has unknown dtype "string"/,
  ],
  [
    'an unknown quantization dtype',
    editJson((j) => {
      spec(j, 0).quantization = { dtype: 'int4' };
    }),
    'CHECKPOINT_INVALID',
    /has unknown quantization dtype "int4" \(known: uint8, uint16, float16\)/,
  ],
  [
    'uint8 quantization without scale',
    editJson((j) => {
      spec(j, 0).quantization = { dtype: 'uint8', min: 0 };
    }),
    'CHECKPOINT_INVALID',
    /uint8 quantization needs finite numeric "scale" and "min"/,
  ],
  [
    'a duplicate weight name',
    editJson((j) => {
      spec(j, 1).name = spec(j, 0).name;
    }),
    'CHECKPOINT_INVALID',
    /model\.json: weight "[^"]+" is listed twice/,
  ],
  [
    'a weightsManifest that is not an array',
    editJson((j) => {
      j.weightsManifest = {} as ModelJson['weightsManifest'];
    }),
    'CHECKPOINT_INVALID',
    /model\.json: "weightsManifest" must be an array of groups/,
  ],
  [
    'a graph-model format',
    editJson((j) => {
      j.format = 'graph-model';
    }),
    'CHECKPOINT_INVALID',
    /model\.json: format "graph-model" is not "layers-model"/,
  ],
  [
    'malformed model.json',
    (dir) => writeFile(path.join(dir, 'model.json'), '{"modelTopology": {'),
    'CHECKPOINT_INVALID',
    /model\.json: malformed JSON/,
  ],
  [
    'a model.json that is not an object',
    (dir) => writeFile(path.join(dir, 'model.json'), '[1, 2]'),
    'CHECKPOINT_INVALID',
    /model\.json: expected a JSON object at the top level/,
  ],
  [
    'an oversize model.json',
    (dir) => truncate(path.join(dir, 'model.json'), 64 * 1024 * 1024 + 1),
    'CHECKPOINT_TOO_LARGE',
    /model\.json: JSON file is 67108865 bytes, more than the 67108864-byte limit/,
  ],
  [
    'an oversize tfdistill.json',
    (dir) => truncate(path.join(dir, 'tfdistill.json'), 64 * 1024 * 1024 + 1),
    'CHECKPOINT_TOO_LARGE',
    /tfdistill\.json: JSON file is 67108865 bytes/,
  ],
  [
    'malformed tfdistill.json',
    (dir) => writeFile(path.join(dir, 'tfdistill.json'), 'not json'),
    'CHECKPOINT_INVALID',
    /tfdistill\.json: malformed JSON/,
  ],
  [
    'a newer formatVersion',
    editJson((j) => {
      j.formatVersion = 2;
    }, 'tfdistill.json'),
    'CHECKPOINT_INVALID',
    /tfdistill\.json: unsupported "formatVersion" 2/,
  ],
  [
    'labels that are not strings',
    editJson((j) => {
      j.labels = [1, 2];
    }, 'tfdistill.json'),
    'CHECKPOINT_INVALID',
    /tfdistill\.json: "labels" must be an array of strings/,
  ],
  [
    'a missing tokenizer file',
    editJson((j) => {
      j.tokenizer = 'tokenizer.json';
    }, 'tfdistill.json'),
    'CHECKPOINT_INVALID',
    /tfdistill\.json: names tokenizer "tokenizer\.json" but that file is missing/,
  ],
  [
    'a missing tfdistill.json',
    (dir) => rm(path.join(dir, 'tfdistill.json')),
    'CHECKPOINT_INVALID',
    /tfdistill\.json: missing, so this is not a tfdistill checkpoint/,
  ],
  ['a missing model.json', (dir) => rm(path.join(dir, 'model.json')), 'CHECKPOINT_NOT_FOUND', /model\.json: file not found/],
  [
    'a missing shard',
    (dir) => rm(path.join(dir, 'group1-shard2of3.bin')),
    'CHECKPOINT_INVALID',
    /model\.json: shard file "group1-shard2of3\.bin" is missing/,
  ],
  ['a missing directory', (dir) => rm(dir, { recursive: true }), 'CHECKPOINT_NOT_FOUND', /ckpt: no checkpoint directory/],
  [
    'an optimizer shard path escaping optimizer/',
    editJson((j) => {
      j.weightsManifest[0].paths[0] = '../group1-shard1of3.bin';
    }, 'optimizer/weights.json'),
    'CHECKPOINT_INVALID',
    /optimizer\/weights\.json: shard path "\.\.\/group1-shard1of3\.bin" contains "\.\."/,
    { withOptimizer: true },
  ],
  [
    'weights that do not fit the topology',
    editJson((j) => {
      spec(j, 0).name = 'no_such_layer/kernel';
    }),
    'CHECKPOINT_INVALID',
    /model\.json: TF\.js could not build the model/,
  ],
];

describe('loadModel refuses damaged checkpoints before allocating', () => {
  it('loads the undamaged base checkpoint', async () => {
    await expectNoLeaks(async () => {
      const { model, optimizer } = await loadModel(await damaged(async () => {}), { withOptimizer: true });
      expect(predictProbe(model).length).toBe(15);
      expect(optimizer?.weights.length).toBe(9); // iter + m and v for 4 weights
      tf.dispose(optimizer!.weights.map((w) => w.tensor));
      model.dispose();
    });
  });

  it.each(rejections)('rejects %s', async (_name, mutate, code, message, opts) => {
    const dir = await damaged(mutate);
    await expectNoLeaks(async () => {
      const err = await loadModel(dir, opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TfdistillError);
      expect((err as TfdistillError).code).toBe(code);
      expect((err as Error).message).toMatch(message);
    });
  });

  it('ignores damaged optimizer state unless withOptimizer is set', async () => {
    await expectNoLeaks(async () => {
      let first = '';
      const dir = await damaged(async (d) => {
        const json = JSON.parse(await readFile(path.join(d, 'optimizer', 'weights.json'), 'utf8')) as ModelJson;
        first = json.weightsManifest[0].paths[0];
        await rm(path.join(d, 'optimizer', first));
      });
      const { model } = await loadModel(dir);
      model.dispose();
      await expect(loadModel(dir, { withOptimizer: true })).rejects.toThrow(`optimizer/weights.json: shard file "${first}" is missing`);
    });
  });

  it('accepts a symlinked shard that stays inside the checkpoint', async () => {
    await expectNoLeaks(async () => {
      const dir = await damaged(async (d) => {
        await mkdir(path.join(d, 'store'));
        await cp(path.join(d, 'group1-shard1of3.bin'), path.join(d, 'store', 'a.bin'));
        await rm(path.join(d, 'group1-shard1of3.bin'));
        await symlink(path.join('store', 'a.bin'), path.join(d, 'group1-shard1of3.bin'));
      });
      const { model } = await loadModel(dir);
      expect(predictProbe(model).length).toBe(15);
      model.dispose();
    });
  });

  it('readCheckpointMeta validates tfdistill.json alone', async () => {
    const dir = await damaged(
      editJson((j) => {
        j.createdAt = 'yesterday';
      }, 'tfdistill.json'),
    );
    await expect(readCheckpointMeta(dir)).rejects.toThrow(/tfdistill\.json: "createdAt" must be an ISO date string/);
  });
});
