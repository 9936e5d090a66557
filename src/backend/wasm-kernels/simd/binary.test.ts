import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simdBinarySource } from '../../../../scripts/simd/binary-source.js';

describe('wasm SIMD kernels binary', () => {
  it('is what scripts/simd/build.ts makes of the current kernel source', async () => {
    const committed = readFileSync(new URL('./binary.ts', import.meta.url), 'utf8');
    expect(committed === (await simdBinarySource()), 'binary.ts is stale: run `npx tsx scripts/simd/build.ts`').toBe(true);
  });
});
