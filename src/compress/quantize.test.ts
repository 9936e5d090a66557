import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { makeTinyCheckpoint, tinyTexts } from '../../test/tiny-checkpoint.js';
import { evalSetFromRecords } from './eval-set.js';
import { quantize } from './quantize.js';

let dir: string;
let ckpt: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(path.join(tmpdir(), 'tfd-quant-'));
  ckpt = path.join(dir, 'student');
  const { model } = await makeTinyCheckpoint(ckpt, { dModel: 16, seed: 4 });
  model.dispose();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('quantize() with simulated int8 activations', () => {
  it('adds a calibrated "int8 activations (simulated)" row with quality but no latency, and says TF.js computes in float32', async () => {
    await expectNoLeaks(async () => {
      const { tokenizer, labels, model: ref } = await loadClassifier(ckpt);
      ref.dispose();
      const data = evalSetFromRecords(tinyTexts, { tokenizer, labels, maxLength: 32 });
      const r = await quantize(ckpt, { dtype: 'uint8', data, latency: { runs: 2, warmup: 1 }, activations: { percentile: 99.9 } });
      expect(r.rows.map((x) => x.step)).toEqual(['float32', 'uint8', 'uint8 + int8 activations (simulated)']);
      const [, weights, int8] = r.rows;
      expect(int8.sizeRaw).toBe(weights.sizeRaw);
      expect(int8.latencyMs).toBeUndefined();
      expect(weights.latencyMs).toBeGreaterThan(0);
      expect(int8.accuracy).toBeGreaterThanOrEqual(0);
      expect(int8.agreement).toBeGreaterThan(0.5);
      expect(int8.kl).toBeGreaterThan(0); // activations rounded to 256 levels: never exactly the float model
      expect(r.calibration?.percentile).toBe(99.9);
      expect(Object.keys(r.calibration?.layers ?? {})).toContain('block_0');
      expect(r.note).toMatch(/int8 activations \(simulated\).*computes in float32/);
      expect(r.table).toContain('int8 activations (simulated)');
      const without = await quantize(ckpt, { dtype: 'uint8', data, latency: false, activations: false });
      expect(without.rows).toHaveLength(2);
      expect(without.calibration).toBeUndefined();
      await expect(quantize(ckpt, { data, latency: false, activations: { percentile: 101 } })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });
  });
});
