import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32 } from './teacher-cache-checksum.js';
import { fromFloat16Bits, toFloat16Bits } from './teacher-cache-float16.js';

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
    golden.bits.forEach((bits, i) => expect(fromFloat16Bits(bits)).toBe(Number(golden.decoded[i])));
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

describe('crc32', () => {
  it('matches the standard check value and composes over chunks', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(crc32(0, bytes)).toBe(0xcbf43926);
    expect(crc32(crc32(0, bytes.subarray(0, 4)), bytes.subarray(4))).toBe(0xcbf43926);
  });
});
