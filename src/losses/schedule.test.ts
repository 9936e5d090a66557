import { describe, expect, it } from 'vitest';
import { scheduleValue, validateSchedule } from './schedule.js';

describe('scheduleValue', () => {
  it('returns fixed numbers unchanged', () => {
    expect(scheduleValue(4, 0)).toBe(4);
    expect(scheduleValue(0.7, 1e6)).toBe(0.7);
  });

  it('interpolates linearly and by cosine, then stays at `to`', () => {
    const linear = { kind: 'linear', from: 8, to: 2, steps: 100 } as const;
    expect([0, 25, 100, 5000].map((s) => scheduleValue(linear, s))).toEqual([8, 6.5, 2, 2]);
    const cosine = { kind: 'cosine', from: 1, to: 0, steps: 10 } as const;
    expect(scheduleValue(cosine, 0)).toBe(1);
    expect(scheduleValue(cosine, 5)).toBeCloseTo(0.5, 12);
    expect(scheduleValue(cosine, 2.5)).toBeCloseTo((1 + Math.SQRT1_2) / 2, 12);
    expect(scheduleValue(cosine, 11)).toBe(0);
  });

  it("'constant' holds `from` until `steps`, then `to`", () => {
    const s = { kind: 'constant', from: 0.9, to: 0.5, steps: 3 } as const;
    expect([0, 2, 3, 10].map((k) => scheduleValue(s, k))).toEqual([0.9, 0.9, 0.5, 0.5]);
  });

  it('rejects non-finite values, steps <= 0, unknown kinds and negative steps', () => {
    const invalid = expect.objectContaining({ code: 'INVALID_ARGUMENT' });
    expect(() => validateSchedule(Number.NaN)).toThrow(invalid);
    expect(() => validateSchedule({ kind: 'linear', from: 1, to: Infinity, steps: 10 })).toThrow(/finite/);
    expect(() => validateSchedule({ kind: 'linear', from: 1, to: 2, steps: 0 })).toThrow(/steps/);
    // @ts-expect-error 'exp' is not a schedule kind
    expect(() => validateSchedule({ kind: 'exp', from: 1, to: 2, steps: 5 })).toThrow(/kind/);
    expect(() => scheduleValue(3, -1)).toThrow(/step/);
  });
});
