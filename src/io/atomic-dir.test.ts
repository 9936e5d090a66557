import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { denseModel, predictProbe, tempDir } from '../../test/fixtures/checkpoints/io-helpers.js';
import { expectNoLeaks } from '../../test/helpers.js';
import type { SaveStep } from './atomic-dir.js';
import { loadModel, readCheckpointMeta } from './load-model.js';
import { saveModel } from './save-model.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const training = (step: number) => ({ step, epoch: 0, rngState: 0, dataPosition: 0 });

/** Loads `dir` and says which save it holds (1 = old, 2 = new), checking weights and meta agree. */
async function whichVersion(dir: string, expected: Record<number, Float32Array>): Promise<number> {
  const { model, meta } = await loadModel(dir);
  const step = meta.training!.step;
  expect(Array.from(predictProbe(model)), 'weights belong to the same save as tfdistill.json').toEqual(Array.from(expected[step]));
  expect((await readCheckpointMeta(dir)).training?.step).toBe(step);
  model.dispose();
  return step;
}

describe('atomic checkpoint replacement', () => {
  const crashes: Array<[SaveStep, number]> = [
    ['temp-written', 1],
    ['old-moved-aside', 1],
    ['new-in-place', 2],
    ['old-removed', 2],
  ];

  it.each(crashes)('a crash after "%s" leaves a complete checkpoint (save %i), and the next save recovers', async (crashAt, survivor) => {
    await expectNoLeaks(async () => {
      const parent = await tempDir();
      const dir = path.join(parent, 'ckpt');
      const [oldModel, newModel, nextModel] = [denseModel(11), denseModel(22), denseModel(33)];
      const expected = { 1: predictProbe(oldModel), 2: predictProbe(newModel), 3: predictProbe(nextModel) };
      await saveModel(oldModel, dir, { meta: { training: training(1) } });

      const crash = new Error(`simulated crash after ${crashAt}`);
      const hooks = {
        afterStep(step: SaveStep) {
          if (step === crashAt) throw crash;
        },
      };
      await expect(saveModel(newModel, dir, { meta: { training: training(2) }, hooks })).rejects.toBe(crash);
      expect(await whichVersion(dir, expected)).toBe(survivor);

      // The next writer recovers (puts the old directory back if needed) and clears every leftover sibling.
      await saveModel(nextModel, dir, { meta: { training: training(3) } });
      expect(await whichVersion(dir, expected)).toBe(3);
      expect(await readdir(parent)).toEqual(['ckpt']);
      disposeAll([oldModel, newModel, nextModel]);
    });
  });

  it('survives a real SIGKILL between moving the old checkpoint aside and renaming the new one in', async () => {
    await expectNoLeaks(async () => {
      const parent = await tempDir();
      const dir = path.join(parent, 'ckpt');
      const [oldModel, newModel] = [denseModel(11), denseModel(22)]; // the child saves denseModel(22)
      const expected = { 1: predictProbe(oldModel), 2: predictProbe(newModel) };
      await saveModel(oldModel, dir, { meta: { training: training(1) } });
      const child = path.resolve('test/fixtures/checkpoints/kill-during-save.ts');
      const run = promisify(execFile)(process.execPath, ['--import', 'tsx', child, dir, 'old-moved-aside']);
      await expect(run).rejects.toMatchObject({ signal: 'SIGKILL' });
      const left = (await readdir(parent)).sort();
      expect(left).not.toContain('ckpt');
      expect(left.some((n) => n.startsWith('.ckpt.old-'))).toBe(true);
      expect(left.some((n) => n.startsWith('.ckpt.tmp-'))).toBe(true);
      expect(await whichVersion(dir, expected)).toBe(1);
      disposeAll([oldModel, newModel]);
    });
  });
});

function disposeAll(models: Array<{ dispose(): unknown }>): void {
  for (const m of models) m.dispose();
}
