import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { float32ToFloat16 } from './float16.js';

// numpy's astype(np.float16) on the same float32 bit patterns (make_float16_cases.py).
const cases = JSON.parse(readFileSync(new URL('../../test/fixtures/checkpoints/float16_cases.json', import.meta.url), 'utf8')) as {
  float32Bits: number[];
  float16Bits: number[];
};

describe('float32ToFloat16', () => {
  it('matches numpy bit for bit, including ties, subnormals, overflow, zeros and infinities', () => {
    const values = new Float32Array(new Uint32Array(cases.float32Bits).buffer);
    const got = Array.from(float32ToFloat16(values));
    const mismatches = got.flatMap((bits, i) => (bits === cases.float16Bits[i] ? [] : [{ value: values[i], got: bits, numpy: cases.float16Bits[i] }]));
    expect(mismatches).toEqual([]);
    expect(got.length).toBe(373);
  });

  it('keeps NaN a NaN', () => {
    const [bits] = float32ToFloat16(new Float32Array([NaN]));
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x3ff).not.toBe(0);
  });
});
