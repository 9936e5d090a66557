import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { roundHalfEven } from '../util/round-half-even.js';
import { affineDequantize, affineQuantize, roundTrip } from './quant-math.js';

// numpy's run of the converter formula (test/fixtures/compress/make_quantization.py).
const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../test/fixtures/compress/quantization.json', import.meta.url)), 'utf8'),
) as {
  cases: Array<{ name: string; dtype: string; data: number[]; q?: number[]; scale?: number; min?: number; dequantized: number[] }>;
};

describe('converter quantization math', () => {
  it('rounds half to even like np.round', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2]);
  });

  it('matches numpy on every fixture case: integers, scale, min and decoded values', () => {
    expect(fixture.cases.length).toBe(15);
    for (const c of fixture.cases) {
      const data = Float32Array.from(c.data);
      if (c.dtype === 'float16') {
        expect(Array.from(roundTrip(data, 'float16')), c.name).toEqual(c.dequantized);
        continue;
      }
      const q = affineQuantize(data, c.dtype as 'uint8' | 'uint16');
      expect(Array.from(q.values), `${c.name} ${c.dtype}`).toEqual(c.q);
      expect(q.scale).toBe(c.scale);
      expect(q.min).toBe(c.min);
      expect(Array.from(affineDequantize(q))).toEqual(c.dequantized);
    }
  });

  it('represents 0 exactly when the range covers it (nudged min)', () => {
    const q = affineQuantize(Float32Array.from([-1, 0, 0.3, 2]), 'uint8');
    const back = affineDequantize(q);
    expect(back[1]).toBe(0);
    expect(q.scale).toBeCloseTo(3 / 255, 12);
  });
});
