import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { expectNoLeaks } from '../../test/helpers.js';
import {
  captureStream,
  markerTask,
  prepared,
  quietOptions,
  readMetrics,
  removeTempDirs,
  tempRunDir,
  tinyEncoder,
  withOptions,
} from '../../test/integration/tiny-task.js';
import { distill } from './distill.js';

beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(removeTempDirs);

const train = markerTask({ count: 16, seed: 61 });
const validation = markerTask({ count: 8, seed: 62, firstIndex: 100 });

describe('distill: mixed precision', () => {
  it('trains with mixed-float16, keeps the loss scale in checkpoints and exports float16 weights that load', async () => {
    await expectNoLeaks(async () => {
      const teacher = tinyEncoder({ seed: 5 });
      const out = await tempRunDir();
      const stream = captureStream();
      const result = await distill(
        withOptions(quietOptions(out), {
          logging: { progress: stream, logEvery: 1 },
          teacher,
          train: prepared(train),
          validation: prepared(validation),
          runtime: { precision: 'mixed-float16' },
          schedule: { epochs: 2, batchSize: 8 },
          optimizer: { learningRate: 1e-2 },
        }),
      );
      // Skipped (overflowing) updates do not count, so the run still makes every update it planned.
      expect(result.steps).toBe(4);
      expect(result.history.length).toBe(2);
      expect(stream.text).toMatch(/student saved to .*student/);
      for (const r of (await readMetrics(out)).filter((m) => m.kind === 'train')) expect(Number.isFinite(r.loss)).toBe(true);

      const ckDirs = await fs.readdir(path.join(out, 'checkpoints'));
      expect(ckDirs.length).toBeGreaterThan(0);
      for (const d of ckDirs) {
        const meta = JSON.parse(await fs.readFile(path.join(out, 'checkpoints', d, 'tfdistill.json'), 'utf8'));
        const lossScale = meta.extra.snapshot.lossScale;
        expect(lossScale.scale).toBeGreaterThanOrEqual(1);
        expect(Number.isInteger(lossScale.goodSteps)).toBe(true);
      }

      const manifest = JSON.parse(await fs.readFile(path.join(result.checkpointDir, 'model.json'), 'utf8'));
      const entries: Array<{ dtype: string; quantization?: { dtype: string } }> = manifest.weightsManifest.flatMap(
        (g: { weights: unknown[] }) => g.weights,
      );
      expect(entries.length).toBe(result.student.weights.length);
      for (const e of entries) expect(e.quantization?.dtype ?? e.dtype).toBe('float16');
      const meta = JSON.parse(await fs.readFile(path.join(result.checkpointDir, 'tfdistill.json'), 'utf8'));
      expect(meta.extra.precision).toBe('mixed-float16');

      // The exported float16 student loads and predicts what the returned (float32) student predicts, to fp16 accuracy.
      const ck = await loadClassifier(result.checkpointDir);
      const ids = tf.tensor2d([Array.from(validation[0].ids)], [1, validation[0].ids.length], 'int32');
      const [a, b] = [ck.model.predict(ids) as tf.Tensor, result.student.predict(ids) as tf.Tensor];
      const [va, vb] = [await a.data(), await b.data()];
      va.forEach((v, i) => {
        expect(v).toBeCloseTo(vb[i], 2);
      });
      tf.dispose([ids, a, b]);
      ck.model.dispose();
      result.student.dispose();
      teacher.dispose();
    });
  });
});

describe('distill: leak-free', () => {
  it('holds the same number of tensors after step 10 and step 500, and none after the run', async () => {
    // Precomputed teacher logits (no teacher forward), 8-token rows, batch 4: ~500 steps in a few seconds.
    const rows = markerTask({ count: 16, seed: 63, minLength: 8, maxLength: 8 }).map((e) => ({
      ...e,
      teacherLogits: Float32Array.from(e.label === 1 ? [-1, 1] : [1, -1]),
    }));
    const logEvery = 10;
    const counts = new Map<number, number>();
    await expectNoLeaks(async () => {
      const result = await distill(
        withOptions(quietOptions(await tempRunDir()), {
          train: prepared(rows),
          data: { maxLength: 16, validationFraction: 0 },
          schedule: { epochs: 125, batchSize: 4 },
          checkpoints: { every: 500 },
          logging: { logEvery, callbacks: { onStepEnd: ({ step }) => void counts.set(step, tf.memory().numTensors) } },
        }),
      );
      expect(result.steps).toBe(500);
      result.student.dispose();
    });
    expect(counts.get(10)).toBe(counts.get(500));
    // Between log points the only growth is the pending loss scalars, the same in every window.
    for (let s = logEvery + 1; s <= 500; s++) expect(counts.get(s), `step ${s}`).toBe(counts.get(s - logEvery));
  });
});

describe('distill: progress and metrics', () => {
  it('prints plain lines on a non-TTY stream, logs metrics.jsonl per logged step and eval, and reports throughput', async () => {
    await expectNoLeaks(async () => {
      const teacher = tinyEncoder({ seed: 5 });
      const out = await tempRunDir();
      const stream = captureStream();
      let clock = 0;
      const result = await distill(
        withOptions(quietOptions(out), {
          teacher,
          train: prepared(train),
          validation: prepared(validation),
          schedule: { epochs: 3, batchSize: 8, evalEvery: 3 },
          logging: {
            progress: stream,
            logEvery: 2,
            now: () => (clock += 100), // every now() call is 100 ms later: one step = one tick
          },
        }),
      );
      expect(result.steps).toBe(6);
      const text = stream.text;
      expect(text).not.toContain('\r'); // no bar redraws
      const stepLines = text.split('\n').filter((l) => /^epoch \d\/3 step \d\/6 /.test(l));
      expect(stepLines.map((l) => Number(/step (\d)\//.exec(l)![1]))).toEqual([2, 4, 6]);
      for (const l of stepLines) expect(l).toMatch(/loss \d+\.\d{4} lr [\d.e+-]+ [\d.]+ samples\/s/);
      expect(text.match(/^eval @ step \d: accuracy /gm)?.length).toBe(2);

      const records = await readMetrics(out);
      expect(records.filter((r) => r.kind === 'train').map((r) => r.step)).toEqual([2, 4, 6]);
      expect(records.filter((r) => r.kind === 'eval').map((r) => r.step)).toEqual([3, 6]);
      expect(records.length).toBe(5);

      // 16 rows / batch 8: 6 full batches of 8 rows, each timed as one 0.1 s tick.
      const t = result.throughput;
      expect(t.backend).toBe('wasm');
      expect(t.seconds).toBeCloseTo(0.6, 9);
      expect(t.samplesPerSec).toBeCloseTo(48 / 0.6, 6);
      // Tokens per row are between the shortest and the longest (padded) row of the task.
      expect(t.tokensPerSec).toBeGreaterThanOrEqual(t.samplesPerSec * 6);
      expect(t.tokensPerSec).toBeLessThanOrEqual(t.samplesPerSec * 10);
      expect(text).toContain(`throughput: ${t.samplesPerSec.toFixed(1)} samples/s, ${t.tokensPerSec.toFixed(0)} tokens/s on wasm`);
      result.student.dispose();
      teacher.dispose();
    });
  });
});
