import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import type { EncoderOutputs } from '../models/types.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { checkIntermediateShapes } from './check-shapes.js';
import { intermediateLoss } from './intermediate.js';
import { createProjection } from './projection.js';
import {
  distillLosses,
  getDistillLoss,
  intermediateLosses,
  outputsRead,
  projectedBlocks,
  type DistillLossName,
  type IntermediateLossName,
  type IntermediateOutput,
} from './registry.js';
import { softTargetKL } from './soft-target.js';
import { topK } from './top-k.js';

describe('distillLosses registry', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('lists the valid names when a name is unknown', () => {
    let error: unknown;
    try {
      getDistillLoss('hidden_mse');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/hidden_mse/) });
    expect((error as { hint: string }).hint).toBe(`valid names: ${['kd', ...Object.keys(intermediateLosses)].join(', ')}`);
    expect((error as { hint: string }).hint).toMatch(/^valid names: kd, hiddenMse, cosine, /);
    expect(() => getDistillLoss('toString')).toThrow(/unknown distillation loss/);
  });

  it('makes a typo a compile error', () => {
    // @ts-expect-error 'hiddenMSE' is not a registered loss name
    const typo: DistillLossName = 'hiddenMSE';
    expect(Object.keys(distillLosses)).not.toContain(typo);
  });

  it('kd is softTargetKL (default T = 4) and accepts a top-k teacher', async () => {
    await expectNoLeaks(() => {
      const s = tf.tensor2d([[1, 0, -1, 2]]),
        t = tf.tensor2d([[0, 3, 1, 1]]);
      const cached = topK(t, 4);
      const losses = [getDistillLoss('kd')(s, t), softTargetKL(s, t, { temperature: 4 }), distillLosses.kd(s, cached)];
      const [viaName, direct, viaTopK] = losses.map((l) => l.dataSync()[0]);
      expect(viaName).toBeCloseTo(direct, 6);
      expect(viaTopK).toBeCloseTo(direct, 5);
      tf.dispose([s, t, cached, ...losses]);
    });
  });
});

/** A sample output of each kind an intermediate loss can read (a new kind fails to compile here until it has one). */
const sampleOutput: Record<IntermediateOutput, (seed: number, width: number) => tf.Tensor> = {
  hidden: (seed, width) => tf.randomNormal([2, 3, width], 0, 1, 'float32', seed), // [batch, seq, d]
  attention: (seed, heads) => tf.tidy(() => tf.softmax(tf.randomNormal([2, heads, 3, 3], 0, 1, 'float32', seed))), // [batch, heads, seq, seq]
};

/** Every registered intermediate loss, so a new entry is covered without touching this file. */
const entries = Object.entries(intermediateLosses) as Array<[IntermediateLossName, (typeof intermediateLosses)[IntermediateLossName]]>;

describe.each(entries)('intermediate loss %s, as the registry describes it', (name, entry) => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  const spec = { loss: name, weight: 1, layerMap: [[0, 1]] as Array<[number, number]> };

  it('is a distillLosses name, and makes the encoders return the output it reads', () => {
    expect(distillLosses[name]).toBe(entry.compute);
    expect(outputsRead([spec])).toEqual([entry.reads]);
  });

  it('gets a learned projection exactly when its entry says so', () => {
    expect(projectedBlocks([spec, spec])).toEqual(entry.learnsProjection ? [0] : []);
  });

  it('computes a finite loss between layers of different widths, with a projection when it learns one', async () => {
    await expectNoLeaks(() => {
      const teacherWidth = entry.learnsProjection ? 6 : 4;
      const student: EncoderOutputs = { logits: tf.zeros([2, 2]), [entry.reads]: [sampleOutput[entry.reads](1, 4)] };
      const teacher: EncoderOutputs = {
        logits: tf.zeros([2, 2]),
        [entry.reads]: [sampleOutput[entry.reads](2, teacherWidth), sampleOutput[entry.reads](3, teacherWidth)],
      };
      const projection = entry.learnsProjection ? createProjection(4, teacherWidth, `test/registry_${name}`, { seed: 1 }) : undefined;
      const mask = tf.tensor2d([
        [1, 1, 0],
        [1, 1, 1],
      ]);
      const { total, terms } = intermediateLoss(student, teacher, [spec], { mask, projections: projection && { 0: projection } });
      const direct = entry.compute(student[entry.reads]![0], teacher[entry.reads]![1], { mask, projection });
      expect(terms.map((t) => t.loss)).toEqual([name]);
      expect(Number.isFinite(total.dataSync()[0])).toBe(true);
      expect(total.dataSync()[0]).toBeCloseTo(direct.dataSync()[0], 6);
      if (entry.learnsProjection) {
        expect(() => intermediateLoss(student, teacher, [spec], { mask })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
      }
      tf.dispose([mask, total, direct, terms.map((t) => t.value)]);
      for (const o of [student, teacher]) tf.dispose([o.logits, o.hidden ?? [], o.attention ?? []]);
      projection?.dispose();
    });
  });

  it('has its layers checked before training: a missing block names the loss and the output', () => {
    const shapes = { [entry.reads]: [[2, 3, 3]] };
    expect(() => checkIntermediateShapes(shapes, shapes, [{ ...spec, layerMap: [[0, 5]] }])).toThrow(
      `${name}: student ${entry.reads}[0] vs teacher ${entry.reads}[5]: missing block`,
    );
  });
});

describe('distillLosses', () => {
  it('is kd and the intermediate losses, nothing else', () => {
    expect(Object.keys(distillLosses)).toEqual(['kd', ...Object.keys(intermediateLosses)]);
  });
});
