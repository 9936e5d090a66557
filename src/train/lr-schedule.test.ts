import { describe, expect, it } from 'vitest';
import { TfdistillError } from '../errors.js';
import { learningRateAt, type LrScheduleOptions } from './lr-schedule.js';

const at = (steps: number[], o: LrScheduleOptions) => steps.map((s) => learningRateAt(s, o));

describe('learningRateAt', () => {
  it('warms up linearly from 0, then decays linearly to 0 (HF get_linear_schedule_with_warmup)', () => {
    const o = { base: 1, warmupSteps: 4, totalSteps: 12, decay: 'linear' } as const;
    // warmup: s/4; decay: (12 - s) / 8
    const got = at([0, 1, 2, 3, 4, 6, 8, 11, 12, 20], o);
    const want = [0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.125, 0, 0];
    got.forEach((g, i) => {
      expect(g).toBeCloseTo(want[i], 12);
    });
  });

  it('follows half a cosine after warmup (HF get_cosine_schedule_with_warmup)', () => {
    const o = { base: 2e-3, warmupSteps: 2, totalSteps: 10, decay: 'cosine' } as const;
    // progress p = (s - 2) / 8; lr = 2e-3 * 0.5 * (1 + cos(pi p))
    expect(learningRateAt(1, o)).toBeCloseTo(1e-3, 15);
    expect(learningRateAt(2, o)).toBeCloseTo(2e-3, 15);
    expect(learningRateAt(4, o)).toBeCloseTo(2e-3 * 0.5 * (1 + Math.SQRT1_2), 15); // p = 1/4
    expect(learningRateAt(6, o)).toBeCloseTo(1e-3, 15); // p = 1/2
    expect(learningRateAt(10, o)).toBeCloseTo(0, 15);
    expect(learningRateAt(14, o)).toBeCloseTo(0, 15); // stays at the floor instead of rising again
  });

  it('rescales only the decay phase with minRatio', () => {
    const lin = { base: 1, warmupSteps: 2, totalSteps: 6, decay: 'linear', minRatio: 0.1 } as const;
    expect(learningRateAt(1, lin)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(4, lin)).toBeCloseTo(0.5 * 0.9 + 0.1, 12); // p = 1/2
    expect(learningRateAt(6, lin)).toBeCloseTo(0.1, 12);
    const cos = { base: 1, warmupSteps: 0, totalSteps: 4, decay: 'cosine', minRatio: 0.2 } as const;
    expect(learningRateAt(0, cos)).toBeCloseTo(1, 12);
    expect(learningRateAt(2, cos)).toBeCloseTo(0.5 * 0.8 + 0.2, 12);
    expect(learningRateAt(4, cos)).toBeCloseTo(0.2, 12);
  });

  it('holds base after warmup for constant, and handles zero warmup', () => {
    const o = { base: 3e-4, warmupSteps: 3, totalSteps: 10, decay: 'constant' } as const;
    const want = [0, 1e-4, 3e-4, 3e-4, 3e-4];
    at([0, 1, 3, 9, 50], o).forEach((g, i) => {
      expect(g).toBeCloseTo(want[i], 15);
    });
    expect(learningRateAt(0, { base: 1, warmupSteps: 0, totalSteps: 5, decay: 'linear' })).toBe(1);
  });

  it('rejects bad options', () => {
    const ok = { base: 1, warmupSteps: 2, totalSteps: 5, decay: 'linear' } as const;
    expect(() => learningRateAt(-1, ok)).toThrow(TfdistillError);
    expect(() => learningRateAt(0, { ...ok, totalSteps: 1 })).toThrow(/totalSteps/);
    expect(() => learningRateAt(0, { ...ok, minRatio: 2 })).toThrow(/minRatio/);
    expect(() => learningRateAt(0, { ...ok, decay: 'step' as 'linear' })).toThrow(/decay/);
  });
});
