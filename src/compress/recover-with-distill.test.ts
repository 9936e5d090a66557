import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { makeTinyCheckpoint, tinyTexts } from '../../test/tiny-checkpoint.js';
import { evalSetFromRecords } from './eval-set.js';
import { prune } from './prune.js';
import { distillCheckpoint, distillRecovery } from './recover-with-distill.js';

let dir: string;
let ckpt: string;
let csv: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(path.join(tmpdir(), 'tfd-recover-'));
  ckpt = path.join(dir, 'student');
  const { model } = await makeTinyCheckpoint(ckpt, { dModel: 16, seed: 9 });
  model.dispose();
  csv = path.join(dir, 'train.csv');
  const rows = Array.from({ length: 4 }, () => tinyTexts).flat();
  await writeFile(csv, `text,label\n${rows.map((r) => `"${r.text}",${r.label}`).join('\n')}\n`);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('distillRecovery', () => {
  it('recovery by distillation from the unpruned checkpoint keeps the masks and brings the model closer to it', async () => {
    await expectNoLeaks(async () => {
      const { tokenizer, labels, model: ref } = await loadClassifier(ckpt);
      ref.dispose();
      const data = evalSetFromRecords(tinyTexts, { tokenizer, labels, maxLength: 32 });
      const common = { sparsity: 0.8, data, latency: false } as const;
      const plain = await prune(ckpt, common);
      const work = path.join(dir, 'work');
      const recover = distillRecovery({
        teacher: ckpt,
        data: csv,
        epochs: 3,
        batchSize: 8,
        learningRate: 1e-3,
        loss: { alpha: 1, temperature: 1 },
        workDir: work,
        progress: false,
        seed: 1,
      });
      const recovered = await prune(ckpt, { ...common, recover });
      // Same masks (magnitude pruning of the same weights), exact zeros where pruned after training.
      for (const { variable, mask } of (recovered.masks as NonNullable<typeof recovered.masks>).entries) {
        const [m, values] = [mask.dataSync(), variable.read().dataSync()];
        for (let i = 0; i < m.length; i++) if (m[i] === 0) expect(values[i]).toBe(0);
      }
      expect(recovered.masks?.sparsity()).toBeCloseTo(plain.masks?.sparsity() as number, 6);
      // The weights did change, and the KL to the unpruned model dropped.
      const before = plain.rows[1].kl as number;
      const after = recovered.rows[1].kl as number;
      expect(recovered.rows[1].step).toBe('prune 80% +recover');
      expect(after).toBeLessThan(before);
      expect(recovered.rows[1].agreement).toBeGreaterThanOrEqual(plain.rows[1].agreement as number);
      expect(await readdir(work)).toEqual([]); // temporary run directories removed
      for (const r of [plain, recovered]) {
        r.model.dispose();
        r.masks?.dispose();
      }
    });
  });

  it('distillCheckpoint continues distilling a checkpoint and keeps its modelConfig (sequence limit, sizes)', async () => {
    await expectNoLeaks(async () => {
      const out = path.join(dir, 'continued');
      await distillCheckpoint(ckpt, out, { teacher: ckpt, data: csv, epochs: 1, batchSize: 8, progress: false });
      const again = await loadClassifier(out);
      expect(again.maxLength).toBe(32);
      expect(again.meta.modelConfig?.dModel).toBe(16);
      expect(again.labels).toEqual(['ham', 'spam']);
      again.model.dispose();
      expect((await readdir(dir)).filter((f) => f.startsWith('.tfdistill'))).toEqual([]);
    });
  });

  it('rejects a bad epoch count up front', () => {
    expect(() => distillRecovery({ teacher: ckpt, data: csv, epochs: 0 })).toThrow(/positive integer/);
  });
});
