import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float32ToFloat16, fromFloat16Bits } from '../util/float16.js';
import { readVectorFile, vectorFileSink } from './vector-file.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-vectors-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe('vector files (predict --vectors-out)', () => {
  it.each(['float32', 'float16'] as const)(
    '%s: rows in order, failed records as NaN rows (even before the width is known)',
    async (dtype) => {
      const file = path.join(tmp, `v-${dtype}.bin`);
      const sink = await vectorFileSink(file, dtype);
      const vectors = [
        [0.5, -1, 3.25],
        [1e-3, 2, -0.75],
      ];
      await sink.take({ line: 1, error: 'empty text' }); // before any vector: the width is not known yet
      await sink.take({ line: 2, vector: vectors[0] });
      await sink.take({ line: 3, error: 'not JSON' });
      await sink.take({ line: 4, vector: vectors[1] });
      expect(await sink.close()).toEqual({ rows: 4, dim: 3, errors: 2 });
      const read = await readVectorFile(file);
      expect([read.rows, read.dim, read.dtype]).toEqual([4, 3, dtype]);
      expect((await fs.stat(file)).size).toBe(32 + 4 * 3 * (dtype === 'float32' ? 4 : 2));
      const row = (r: number) => Array.from(read.values.subarray(r * 3, r * 3 + 3));
      const stored = (v: number[]) =>
        dtype === 'float32' ? Array.from(Float32Array.from(v)) : Array.from(float32ToFloat16(Float32Array.from(v)), fromFloat16Bits);
      expect(row(0).every(Number.isNaN)).toBe(true);
      expect(row(1)).toEqual(stored(vectors[0]));
      expect(row(2).every(Number.isNaN)).toBe(true);
      expect(row(3)).toEqual(stored(vectors[1]));
    },
  );

  it('refuses classification results, an unknown dtype and a file that is not a vector file', async () => {
    const sink = await vectorFileSink(path.join(tmp, 'c.bin'), 'float32');
    await expect(sink.take({ line: 1, label: 'spam', probabilities: { ham: 0.1, spam: 0.9 } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: /needs an embedding model/,
    });
    await sink.close();
    await expect(vectorFileSink(path.join(tmp, 'd.bin'), 'int8' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const junk = path.join(tmp, 'junk.bin');
    await fs.writeFile(junk, 'hello, not vectors at all, really');
    await expect(readVectorFile(junk)).rejects.toMatchObject({ code: 'DATA_INVALID', message: /no TFDVEC01 header/ });
  });
});
