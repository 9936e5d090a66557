import * as tf from '@tensorflow/tfjs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { denseModel, predictProbe, tempDir } from '../../test/fixtures/checkpoints/io-helpers.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { fileSystemHandler, registerFileRouter } from './file-router.js';
import { loadModel } from './load-model.js';
import { saveModel } from './save-model.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('file:// router for plain tfjs in Node', () => {
  it('registers once and lets model.save / tf.loadLayersModel use file:// URLs', async () => {
    await expectNoLeaks(async () => {
      expect(registerFileRouter()).toBe(true);
      expect(registerFileRouter()).toBe(true); // idempotent: a second router would make tfjs refuse the URL
      const dir = path.join(await tempDir(), 'plain');
      const model = denseModel(8);
      const result = await model.save(`file://${dir}`);
      expect(result.modelArtifactsInfo.weightDataBytes).toBe(268);
      expect((await readdir(dir)).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
      const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      expect(json.format).toBe('layers-model');
      expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);

      const viaUrl = await tf.loadLayersModel(`file://${dir}/model.json`);
      const viaDirUrl = await tf.loadLayersModel(`file://${dir}`);
      for (const m of [viaUrl, viaDirUrl]) {
        expect(Array.from(predictProbe(m))).toEqual(Array.from(predictProbe(model)));
        m.dispose();
      }
      model.dispose();
    });
  });

  it('loads a checkpoint written by saveModel, and relative file:// paths', async () => {
    await expectNoLeaks(async () => {
      registerFileRouter();
      const dir = path.join(await tempDir(), 'ckpt');
      const model = denseModel(9);
      await saveModel(model, dir, { shardBytes: 64 });
      const rel = path.relative(process.cwd(), dir);
      const again = await tf.loadLayersModel(`file://${rel}/model.json`);
      expect(Array.from(predictProbe(again))).toEqual(Array.from(predictProbe(model)));
      again.dispose();
      model.dispose();
    });
  });

  it('replaces a directory atomically on save and validates on load', async () => {
    await expectNoLeaks(async () => {
      const dir = path.join(await tempDir(), 'h');
      const [first, second] = [denseModel(10), denseModel(12)];
      await first.save(fileSystemHandler(dir, { shardBytes: 100 }));
      expect((await readdir(dir)).length).toBe(4);
      await second.save(fileSystemHandler(dir));
      expect(await readdir(path.dirname(dir))).toEqual(['h']);
      const loaded = await tf.loadLayersModel(fileSystemHandler(dir));
      expect(Array.from(predictProbe(loaded))).toEqual(Array.from(predictProbe(second)));
      loaded.dispose();

      // A plain tfjs directory is not a tfdistill checkpoint...
      await expect(loadModel(dir)).rejects.toThrow(/tfdistill\.json: missing/);
      // ...and the file:// loader applies the same manifest validation.
      const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      json.weightsManifest[0].paths = ['../../etc/passwd'];
      await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      await expect(tf.loadLayersModel(`file://${dir}/model.json`)).rejects.toThrow(
        /contains "\.\." and would leave the checkpoint directory/,
      );
      first.dispose();
      second.dispose();
    });
  });
});
