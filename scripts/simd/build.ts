/**
 * Writes `src/backend/wasm-kernels/simd/binary.ts` from `kernels-wat.ts`. Run after editing the kernels:
 * `npx tsx scripts/simd/build.ts` (`--wat` prints the text instead). A test checks the committed file is current.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { simdBinarySource } from './binary-source.js';
import { kernelsWat } from './kernels-wat.js';

if (process.argv.includes('--wat')) {
  console.log(kernelsWat('(memory 1)'));
} else {
  const target = fileURLToPath(new URL('../../src/backend/wasm-kernels/simd/binary.ts', import.meta.url));
  writeFileSync(target, await simdBinarySource());
  console.log(`wrote ${target}`);
}
