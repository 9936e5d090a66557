import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { makeTinyCheckpoint, tinyTexts } from '../../test/tiny-checkpoint.js';
import { evalSetFromRecords } from './eval-set.js';
import { optimize } from './optimize.js';
import { encoderBlocks } from './structured.js';

let dir: string;
let ckpt: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(path.join(tmpdir(), 'tfd-opt-'));
  ckpt = path.join(dir, 'student');
  (await makeTinyCheckpoint(ckpt, { dModel: 16 })).model.dispose();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('optimize()', () => {
  it('medium: structured prune with recovery, then uint8, one table and one loadable checkpoint', async () => {
    await expectNoLeaks(async () => {
      const probe = await loadClassifier(ckpt);
      probe.model.dispose();
      const data = evalSetFromRecords(tinyTexts, { tokenizer: probe.tokenizer, labels: probe.labels, maxLength: 32 });
      let recovered = 0;
      const out = path.join(dir, 'medium');
      const r = await optimize(ckpt, {
        preset: 'medium',
        out,
        data,
        recover: async () => {
          recovered++;
        },
      });
      expect(recovered).toBe(1);
      expect(r.rows.map((x) => x.step)).toEqual(['original', 'structured 30% +recover', 'uint8', 'uint8 + int8 activations (simulated)']);
      expect(r.notes.join('\n')).toMatch(/computes in float32/);
      expect(r.rows[2].sizeRaw).toBeLessThan(r.rows[1].sizeRaw);
      expect(r.rows[1].parameters).toBeLessThan(r.rows[0].parameters);
      expect(r.table.split('\n')).toHaveLength(5);
      const final = await loadClassifier(out);
      expect(encoderBlocks(final.model)[0].ffnDim).toBe(22); // 32 - round(0.3 * 32)
      final.model.dispose();
      await expect(optimize(ckpt, { preset: 'heavy' as never, out: path.join(dir, 'x') })).rejects.toThrow(/unknown preset/);
      await expect(optimize(ckpt, { preset: 'light', out })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
      const empty = path.join(dir, 'empty');
      await mkdir(empty);
      await expect(optimize(empty, { preset: 'light', out: path.join(dir, 'y') })).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
    });
  });
});
