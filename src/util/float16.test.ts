import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { float32ToFloat16, fromFloat16Bits, toFloat16Bits } from './float16.js';

// numpy's astype(np.float16) on the same float32 bit patterns (make_float16_cases.py).
const cases = JSON.parse(readFileSync(new URL('../../test/fixtures/checkpoints/float16_cases.json', import.meta.url), 'utf8')) as {
  float32Bits: number[];
  float16Bits: number[];
};

describe('float32ToFloat16', () => {
  it('matches numpy bit for bit, including ties, subnormals, overflow, zeros and infinities', () => {
    const values = new Float32Array(new Uint32Array(cases.float32Bits).buffer);
    const got = Array.from(float32ToFloat16(values));
    const mismatches = got.flatMap((bits, i) =>
      bits === cases.float16Bits[i] ? [] : [{ value: values[i], got: bits, numpy: cases.float16Bits[i] }],
    );
    expect(mismatches).toEqual([]);
    expect(got.length).toBe(373);
  });

  it('keeps NaN a NaN', () => {
    const [bits] = float32ToFloat16(new Float32Array([NaN]));
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x3ff).not.toBe(0);
  });
});

/** numpy's float32 -> float16 conversion of edge cases and random values (make_float16.py). */
const golden = JSON.parse(readFileSync(path.resolve('test/fixtures/cache/float16.json'), 'utf8')) as {
  values: number[];
  bits: number[];
  decoded: (number | string)[];
};

describe('float16 codec', () => {
  it('rounds float32 to the same half bit patterns as numpy', () => {
    expect(golden.values.length).toBeGreaterThan(300);
    const mismatches = golden.values.filter((v, i) => toFloat16Bits(v) !== golden.bits[i]);
    expect(mismatches).toEqual([]);
  });

  it('decodes half bit patterns to the values numpy gives', () => {
    golden.bits.forEach((bits, i) => {
      expect(fromFloat16Bits(bits)).toBe(Number(golden.decoded[i]));
    });
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
    expect(Object.is(fromFloat16Bits(toFloat16Bits(-0)), -0)).toBe(true);
  });

  it('round-trips every finite half exactly', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if (((h >> 10) & 0x1f) === 0x1f) continue; // Inf/NaN
      if (toFloat16Bits(fromFloat16Bits(h)) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });
});
