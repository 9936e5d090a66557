import { describe, expect, it } from 'vitest';
import { crc32 } from './checksum.js';

describe('crc32', () => {
  it('matches the standard check value and composes over chunks', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(crc32(0, bytes)).toBe(0xcbf43926);
    expect(crc32(crc32(0, bytes.subarray(0, 4)), bytes.subarray(4))).toBe(0xcbf43926);
  });
});
