import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { teacherFromEncoder } from '../models/teacher.js';
import type { Teacher } from '../models/types.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { makeTinyCheckpoint, tinyTexts } from '../../test/tiny-checkpoint.js';
import {
  markerTask,
  prepared,
  quietOptions,
  removeTempDirs,
  tempRunDir,
  tinyEncoder,
  TINY_STUDENT,
  weightValues,
  withOptions,
} from '../../test/integration/tiny-task.js';
import { distill } from './distill.js';

beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(removeTempDirs);

const train = markerTask({ count: 16, seed: 11 });
const validation = markerTask({ count: 8, seed: 12, firstIndex: 100 });

describe('distill: the teacher is frozen', () => {
  it('runs the teacher in inference mode only, leaves its weights bit-identical and trains every student variable', async () => {
    await expectNoLeaks(async () => {
      // Dropout 0.5 in the teacher: a training-mode call would be visible as `training: true` (and random logits).
      const teacher = tinyEncoder({ seed: 5, dropout: 0.5 });
      const teacherBefore = weightValues(teacher);
      const student = tinyEncoder({ seed: 6, dropout: 0.1 });
      const studentBefore = weightValues(student);
      const modes: boolean[] = [];
      const apply = teacher.apply.bind(teacher);
      teacher.apply = (inputs, kwargs) => {
        modes.push(Boolean(kwargs?.training));
        return apply(inputs, kwargs);
      };
      const result = await distill(
        withOptions(quietOptions(await tempRunDir()), {
          teacher,
          student,
          train: prepared(train),
          validation: prepared(validation),
          data: { cacheTeacher: false },
          schedule: { epochs: 2, batchSize: 8 },
          optimizer: { learningRate: 1e-2 },
        }),
      );
      expect(result.steps).toBe(4);
      // 4 training batches + the validation logits, computed once.
      expect(modes.length).toBeGreaterThanOrEqual(5);
      expect(modes.every((training) => !training)).toBe(true);

      const teacherAfter = weightValues(teacher);
      teacherAfter.forEach((w, i) => {
        expect(Buffer.from(w.values.buffer).equals(Buffer.from(teacherBefore[i].values.buffer)), w.name).toBe(true);
      });
      // The student passed in is the one trained: every one of its variables moved (AdamW + weight decay touch all).
      expect(result.student).toBe(student);
      const studentAfter = weightValues(student);
      const unchanged = studentAfter.filter((w, i) => w.values.every((v, j) => v === studentBefore[i].values[j]));
      expect(unchanged.map((w) => w.name)).toEqual([]);
      teacher.dispose();
      student.dispose();
    });
  });
});

describe('distill: teacher sources', () => {
  it('takes a checkpoint directory, bringing its tokenizer and labels', async () => {
    const root = await tempRunDir();
    const { model } = await makeTinyCheckpoint(path.join(root, 'teacher'), { seed: 2 });
    model.dispose();
    await expectNoLeaks(async () => {
      const out = path.join(root, 'run');
      const records = Array.from({ length: 3 }, () => tinyTexts).flat();
      const result = await distill({
        ...quietOptions(out),
        data: { maxLength: 24 },
        teacher: path.join(root, 'teacher'),
        train: records,
        schedule: { epochs: 1, batchSize: 8 },
      });
      expect(result.labels).toEqual(['ham', 'spam']);
      expect(result.history.length).toBe(1);
      // The exported student is a complete classifier checkpoint with the teacher's tokenizer.
      const ck = await loadClassifier(result.checkpointDir);
      expect(ck.labels).toEqual(['ham', 'spam']);
      expect(Array.from(ck.tokenizer.encode('free money', 8))).toEqual(Array.from(result.tokenizer.encode('free money', 8)));
      ck.model.dispose();
      result.student.dispose();
    });
  });

  it('takes a Teacher object, and uses exactly the logits it returns', async () => {
    await expectNoLeaks(async () => {
      // A teacher that always prefers class 1 strongly: a pure-KD student (alpha 1) must end up predicting class 1.
      const calls: number[] = [];
      const teacher: Teacher = {
        predict: (ids) => {
          calls.push(ids.shape[0]);
          return { logits: tf.tidy(() => tf.tile(tf.tensor2d([[-3, 3]]), [ids.shape[0], 1])) };
        },
      };
      const result = await distill(
        withOptions(quietOptions(await tempRunDir()), {
          teacher,
          train: prepared(train),
          validation: prepared(validation),
          data: { cacheTeacher: false },
          loss: { alpha: 1, temperature: 1 },
          schedule: { epochs: 4, batchSize: 8 },
          optimizer: { learningRate: 3e-2 },
          runtime: { replicas: 1 }, // with more, each replica's shard is one call
        }),
      );
      expect(calls.length).toBe(1 + 8); // validation once, then 2 batches x 4 epochs
      const last = result.history.at(-1)!.metrics;
      expect(last.agreement).toBe(1);
      expect(last.teacherAccuracy).toBeCloseTo(validation.filter((e) => e.label === 1).length / validation.length, 10);
      result.student.dispose();
    });
  });

  it('trains without a teacher from teacherLogits carried by the records', async () => {
    await expectNoLeaks(async () => {
      // Logits that contradict the labels: with alpha 1 the student follows the logits, not the labels.
      const records = Array.from({ length: 4 }, () => tinyTexts)
        .flat()
        .map((r) => ({ ...r, teacherLogits: r.label === 'spam' ? [4, -4] : [-4, 4] }));
      const result = await distill({
        ...quietOptions(await tempRunDir()),
        data: { maxLength: 24, validationFraction: 0.25 },
        train: records,
        loss: { alpha: 1, temperature: 1 },
        schedule: { epochs: 6, batchSize: 8 },
        optimizer: { learningRate: 3e-2 },
      });
      const last = result.history.at(-1)!.metrics;
      expect(last.teacherAccuracy).toBe(0);
      expect(last.agreement).toBe(1);
      expect(last.accuracy).toBe(0);
      result.student.dispose();
    });
  });

  it('runs hiddenMse through a learned width-changing projection and attentionKl, end to end', async () => {
    await expectNoLeaks(async () => {
      const teacher = tinyEncoder({
        seed: 5,
        dModel: 24,
        numLayers: 2,
        numHeads: 2,
        ffnDim: 48,
        outputs: ['logits', 'hidden', 'attention'],
      });
      const out = await tempRunDir();
      const result = await distill(
        withOptions(quietOptions(out), {
          teacher,
          train: prepared(train),
          validation: prepared(validation),
          student: { ...TINY_STUDENT, numLayers: 1 },
          schedule: { epochs: 2, batchSize: 8 },
          logging: { logEvery: 1 },
          loss: {
            alpha: 0.5,
            intermediate: [
              { loss: 'hiddenMse', weight: 1, layerMap: [[0, 1]] },
              { loss: 'attentionKl', weight: 1, layerMap: [[0, 1]] },
            ],
          },
        }),
      );
      expect(result.steps).toBe(4);
      const lines = (await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const logged = lines.filter((r) => r.kind === 'train');
      expect(logged.length).toBe(4);
      for (const r of logged) {
        expect(r.hiddenMse_0_1).toBeGreaterThan(0);
        expect(r.attentionKl_0_1).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(r.loss)).toBe(true);
      }
      // The projection is trained state too: it is saved with the optimizer in each checkpoint.
      const ckDirs = await fs.readdir(path.join(out, 'checkpoints'));
      const optimizerFile = JSON.parse(
        await fs.readFile(path.join(out, 'checkpoints', ckDirs.at(-1)!, 'optimizer', 'weights.json'), 'utf8'),
      );
      const names: string[] = optimizerFile.weightsManifest.flatMap((g: { weights: Array<{ name: string }> }) =>
        g.weights.map((w) => w.name),
      );
      expect(names.filter((n) => n.startsWith('projection:')).length).toBe(2); // kernel [16, 24] and bias [24]
      result.student.dispose();
      teacher.dispose();
    });
  });

  it('distills from a teacherFromEncoder adapter the same way as from the model itself', async () => {
    await expectNoLeaks(async () => {
      const teacher = tinyEncoder({ seed: 5 });
      const run = async (source: tf.LayersModel | Teacher) => {
        const r = await distill({
          ...quietOptions(await tempRunDir()),
          teacher: source,
          train: prepared(train),
          data: { maxLength: 16, validationFraction: 0 },
          schedule: { epochs: 2, batchSize: 8 },
        });
        const w = weightValues(r.student);
        r.student.dispose();
        return w;
      };
      const a = await run(teacher);
      const b = await run(teacherFromEncoder(teacher));
      a.forEach((w, i) => {
        expect(Array.from(w.values)).toEqual(Array.from(b[i].values));
      });
      teacher.dispose();
    });
  });
});
