import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { encoderOutputs } from '../models/outputs.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { evalMetrics } from './metrics.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { makeTinyCheckpoint, tinyTexts } from '../../test/tiny-checkpoint.js';
import { evaluate } from './evaluate.js';
import { formatEvaluation } from './format-evaluation.js';
import { predictLogits } from './predict-logits.js';

const root = mkdtempSync(path.join(tmpdir(), 'tfd-eval-'));
const studentDir = path.join(root, 'student');
const teacherDir = path.join(root, 'teacher');
const csv = path.join(root, 'test.csv');

beforeAll(async () => {
  await useBackend('wasm');
  (await makeTinyCheckpoint(studentDir, { seed: 1 })).model.dispose();
  (await makeTinyCheckpoint(teacherDir, { seed: 2 })).model.dispose();
  writeFileSync(csv, `text,label\n${tinyTexts.map((t) => `"${t.text}",${t.label}`).join('\n')}\n`);
});
afterAll(() => tf.disposeVariables());

describe('predictLogits', () => {
  it('pads per batch and gives the same logits whatever the batch size', async () => {
    const ckpt = await loadClassifier(studentDir);
    try {
      await expectNoLeaks(async () => {
        const examples = tinyTexts.map((t, index) => ({ ids: ckpt.tokenizer.encode(t.text, ckpt.maxLength), index }));
        const one = await predictLogits(ckpt.model, examples, { batchSize: 1 });
        const three = await predictLogits(ckpt.model, examples, { batchSize: 3 });
        expect(one.length).toBe(tinyTexts.length * 2);
        for (let i = 0; i < one.length; i++) expect(three[i]).toBeCloseTo(one[i], 4);
        // Row 0 alone, straight through the model, is the reference for row 0.
        const direct = tf.tidy(
          () => encoderOutputs(ckpt.model, tf.tensor2d(examples[0].ids, [1, examples[0].ids.length], 'int32'), { training: false }).logits,
        );
        const d = await direct.data();
        direct.dispose();
        expect(one[0]).toBeCloseTo(d[0], 5);
        expect(one[1]).toBeCloseTo(d[1], 5);
      });
    } finally {
      ckpt.model.dispose();
    }
  });

  it('rejects a bad batch size', async () => {
    const ckpt = await loadClassifier(studentDir);
    try {
      await expect(predictLogits(ckpt.model, [], { batchSize: 0 })).rejects.toThrow(/batchSize/);
    } finally {
      ckpt.model.dispose();
    }
  });
});

describe('evaluate', () => {
  it('computes metrics from a CSV that agree with evalMetrics on the same logits', async () => {
    await expectNoLeaks(async () => {
      const r = await evaluate(studentDir, csv, { batchSize: 3 });
      expect(r.count).toBe(8);
      const ckpt = await loadClassifier(studentDir);
      const logits = await predictLogits(
        ckpt.model,
        tinyTexts.map((t, index) => ({ ids: ckpt.tokenizer.encode(t.text, ckpt.maxLength), index })),
      );
      ckpt.model.dispose();
      const labels = tinyTexts.map((t) => ckpt.labels.indexOf(t.label));
      const ref = evalMetrics({ studentLogits: logits, labels, numClasses: 2 });
      expect(r.accuracy).toBeCloseTo(ref.accuracy!, 10);
      expect(r.macroF1).toBeCloseTo(ref.macroF1!, 10);
      expect(r.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(8);
      expect(r.perClass!.map((c) => c.support)).toEqual([4, 4]);
      expect(r.ece).toBeGreaterThanOrEqual(0);
      expect(r.agreement).toBeUndefined();
      expect(formatEvaluation(r)).toMatch(/accuracy\s+\d+\.\d\d%[\s\S]*confusion matrix/);
    });
  });

  it('measures agreement and KL against a teacher (identical teacher: 1 and 0)', async () => {
    await expectNoLeaks(async () => {
      const records = tinyTexts.map((t) => ({ text: t.text, label: t.label }));
      const same = await evaluate(studentDir, records, { teacher: studentDir });
      expect(same.agreement).toBe(1);
      expect(same.klTeacherStudent).toBeCloseTo(0, 6);
      const other = await evaluate(studentDir, records, { teacher: teacherDir });
      expect(other.klTeacherStudent).toBeGreaterThan(1e-6);
      expect(other.teacherAccuracy).toBeDefined();
    });
  });

  it('evaluates a bare model on tokenized examples and leaves it undisposed', async () => {
    const ckpt = await loadClassifier(studentDir);
    try {
      await expectNoLeaks(async () => {
        const examples = tinyTexts.map((t, index) => ({
          ids: ckpt.tokenizer.encode(t.text, 32),
          index,
          label: t.label === 'spam' ? 1 : 0,
        }));
        const r = await evaluate(ckpt.model, examples);
        expect(r.labels).toEqual(['0', '1']);
        expect(r.count).toBe(8);
      });
      expect(ckpt.model.layers.length).toBeGreaterThan(0);
      await expect(evaluate(ckpt.model, [{ text: 'hello' }])).rejects.toThrow(/tokenizer/);
    } finally {
      ckpt.model.dispose();
    }
  });
});
