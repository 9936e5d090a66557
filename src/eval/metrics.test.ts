import { describe, expect, it } from 'vitest';
import { TfdistillError } from '../errors.js';
import { evalMetrics } from './metrics.js';

describe('evalMetrics', () => {
  // 4 rows, 3 classes. Student argmax: [0, 1, 2, 1]; teacher argmax: [0, 1, 1, 1]; labels: [0, 2, 2, 1].
  const studentLogits = [2, 1, 0, 0, 3, 1, 0, 0, 5, 1, 2, 1];
  const teacherLogits = [1, 0, 0, 0, 2, 0, 0, 4, 1, 0, 1, 0];
  const labels = [0, 2, 2, 1];

  it('computes accuracy, teacher accuracy, agreement and macro-F1 by hand', () => {
    const m = evalMetrics({ studentLogits, teacherLogits, labels, numClasses: 3 });
    expect(m.count).toBe(4);
    expect(m.accuracy).toBe(3 / 4); // rows 0, 2, 3
    expect(m.teacherAccuracy).toBe(2 / 4); // rows 0, 3
    expect(m.agreement).toBe(3 / 4); // rows 0, 1, 3
    // class 0: tp1 -> F1 1; class 1: tp1 fp1 -> 2/3; class 2: tp1 fn1 -> 2/3
    expect(m.macroF1).toBeCloseTo((1 + 2 / 3 + 2 / 3) / 3, 12);
  });

  it('computes mean KL(teacher || student) at T = 1', () => {
    const softmax = (z: number[]) => {
      const e = z.map(Math.exp);
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    let want = 0;
    for (let i = 0; i < 4; i++) {
      const p = softmax(teacherLogits.slice(i * 3, i * 3 + 3));
      const q = softmax(studentLogits.slice(i * 3, i * 3 + 3));
      want += p.reduce((acc, pc, c) => acc + pc * Math.log(pc / q[c]), 0);
    }
    const m = evalMetrics({ studentLogits, teacherLogits, numClasses: 3 });
    expect(m.klTeacherStudent).toBeCloseTo(want / 4, 12);
    expect(m.accuracy).toBeUndefined();
    const same = evalMetrics({ studentLogits: teacherLogits, teacherLogits, numClasses: 3 });
    expect(same.klTeacherStudent).toBeCloseTo(0, 12);
    expect(same.agreement).toBe(1);
  });

  it('is stable for huge logits, breaks ties to the lowest class and averages F1 over seen classes only', () => {
    const m = evalMetrics({
      studentLogits: Float32Array.from([1000, 0, 0, 7, 7, 0]),
      teacherLogits: Float32Array.from([999, 0, 0, 0, 9, 0]),
      labels: [0, 0],
      numClasses: 3,
    });
    expect(Number.isFinite(m.klTeacherStudent)).toBe(true);
    expect(m.accuracy).toBe(1); // row 1 ties 7/7 -> class 0
    expect(m.agreement).toBe(0.5);
    expect(m.macroF1).toBe(1); // classes 1 and 2 never appear
  });

  it('validates shapes and labels', () => {
    expect(() => evalMetrics({ studentLogits: [1, 2, 3], numClasses: 2 })).toThrow(TfdistillError);
    expect(() => evalMetrics({ studentLogits: [1, 2], teacherLogits: [1], numClasses: 2 })).toThrow(/teacher logits/);
    expect(() => evalMetrics({ studentLogits: [1, 2], labels: [2], numClasses: 2 })).toThrow(/not a class id/);
    expect(evalMetrics({ studentLogits: [], labels: [], numClasses: 2 })).toEqual({ count: 0 });
  });
});
