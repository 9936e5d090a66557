import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../test/helpers.js';
import { useBackend } from '../../backend/use-backend.js';
import type { Teacher } from '../../models/types.js';
import { Rng } from '../../util/rng.js';
import type { Example } from '../types.js';
import { fromFloat16Bits, toFloat16Bits } from '../../util/float16.js';
import { mergeTeacherCaches } from './merge.js';
import { readTeacherCache } from './read.js';
import { cacheTeacherOutputs, type CacheTeacherOptions } from './write.js';

const VOCAB = 50;
const CLASSES = 10;
const SCALE = Math.fround(1 / 3);

/** W[v][c]: small multiples of 1/16 (row 0 = padding = 0), so sums over a row are exact in float32 in any order. */
const weight = (v: number, c: number) => (v === 0 ? 0 : (((v * 7 + c * 3) % 11) - 5) / 16);

/**
 * A fixed linear teacher: logits[b, c] = (sum_t W[ids[b, t], c]) * SCALE. It also returns a hidden state so the
 * test sees that the cache disposes everything the teacher makes.
 */
function makeTeacher(): Teacher & { dispose(): void } {
  const w = tf.tensor2d(
    Array.from({ length: VOCAB * CLASSES }, (_, i) => weight(Math.floor(i / CLASSES), i % CLASSES)),
    [VOCAB, CLASSES],
  );
  return {
    predict: (ids) => {
      const hidden = tf.gather(w as tf.Tensor, ids) as tf.Tensor3D; // [b, seq, C]
      return { logits: hidden.sum(1).mul(SCALE), hidden: [hidden] }; // logits [b, C]
    },
    dispose: () => w.dispose(),
  };
}

/** The teacher's float32 outputs, computed on the host (exact: one rounding, as float32 multiplication). */
function expectedLogits(e: Example): Float32Array {
  const out = new Float32Array(CLASSES);
  for (let c = 0; c < CLASSES; c++) {
    let sum = 0;
    for (const id of e.ids) sum += weight(id, c);
    out[c] = Math.fround(sum * SCALE);
  }
  return out;
}

function makeExamples(n: number, seed = 7): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, index) => {
    const ids = Int32Array.from({ length: 1 + rng.int(12) }, () => 1 + rng.int(VOCAB - 1));
    return { ids, index };
  });
}

let dir: string;
let teacher: Teacher & { dispose(): void };
const examples = makeExamples(23);
const base: CacheTeacherOptions = { teacherId: 'fake-linear@1', dtype: 'float32', batchSize: 4 };
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(path.join(tmpdir(), 'tfdistill-cache-'));
  teacher = makeTeacher();
});
afterAll(async () => {
  teacher.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function expectRejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, `expected TfdistillError(${code})`).toMatchObject({ name: 'TfdistillError', code });
  if (message) expect((e as Error).message).toMatch(message);
}

describe('cacheTeacherOutputs + readTeacherCache', () => {
  it('round-trips float32 logits exactly, reporting progress, without leaking tensors', async () => {
    const progress: number[] = [];
    const info = await expectNoLeaks(() =>
      cacheTeacherOutputs(teacher, examples, file('f32.tfdc'), { ...base, onProgress: (p) => progress.push(p.rowsDone) }),
    );
    expect(progress).toEqual([4, 8, 12, 16, 20, 23]);
    expect(info).toMatchObject({ totalRows: 23, rowStart: 0, rowEnd: 23, numClasses: CLASSES, topK: 0, shardCount: 1 });
    expect((await stat(file('f32.tfdc'))).size).toBe(info.headerBytes + 23 * CLASSES * 4);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
    const cache = await readTeacherCache(file('f32.tfdc'), { examples, teacherId: 'fake-linear@1' });
    for (const e of examples) expect(Array.from(cache.get(e.index))).toEqual(Array.from(expectedLogits(e)));
    expect(() => cache.getTopK(0)).toThrow(/full logits/);
  });

  it('stores float16 within half precision (and as numpy-style rounding of the float32 logits)', async () => {
    const info = await expectNoLeaks(() =>
      cacheTeacherOutputs(teacher, examples, file('f16.tfdc'), { ...base, dtype: 'float16', batchSize: 5 }),
    );
    expect((await stat(file('f16.tfdc'))).size).toBe(info.headerBytes + 23 * CLASSES * 2);
    const cache = await readTeacherCache(file('f16.tfdc'), { examples });
    let maxRel = 0;
    for (const e of examples) {
      const want = expectedLogits(e);
      const got = cache.get(e.index);
      for (let c = 0; c < CLASSES; c++) {
        expect(got[c]).toBe(fromFloat16Bits(toFloat16Bits(want[c])));
        if (want[c] !== 0) maxRel = Math.max(maxRel, Math.abs(got[c] - want[c]) / Math.abs(want[c]));
      }
    }
    expect(maxRel).toBeGreaterThan(0); // the values really went through half precision
    expect(maxRel).toBeLessThanOrEqual(2 ** -11);
  });

  it('keeps the top-k logits with their class indices, largest first', async () => {
    await expectNoLeaks(() => cacheTeacherOutputs(teacher, examples, file('top3.tfdc'), { ...base, topK: 3 }));
    const cache = await readTeacherCache(file('top3.tfdc'), { examples });
    expect(cache.header.topK).toBe(3);
    for (const e of examples) {
      const want = expectedLogits(e);
      const order = Array.from(want.keys())
        .sort((a, b) => want[b] - want[a] || a - b)
        .slice(0, 3);
      const { values, indices } = cache.getTopK(e.index);
      expect(Array.from(indices)).toEqual(order);
      expect(Array.from(values)).toEqual(order.map((c) => want[c]));
    }
    expect(() => cache.get(0)).toThrow(/getTopK/);
  });

  it('looks rows up by Example.index, not by position', async () => {
    const shuffled = examples.map((e, i) => ({ ...e, index: 100 + ((i * 5) % 23) }));
    await expectNoLeaks(() => cacheTeacherOutputs(teacher, shuffled, file('byindex.tfdc'), base));
    const cache = await readTeacherCache(file('byindex.tfdc'), { examples: shuffled });
    for (const e of shuffled) expect(Array.from(cache.get(e.index))).toEqual(Array.from(expectedLogits(e)));
    expect(cache.has(3)).toBe(false);
    expect(() => cache.get(3)).toThrow(/not in this teacher cache/);
  });
});

describe('readTeacherCache refuses', () => {
  let good: Uint8Array;
  beforeAll(async () => {
    await expectNoLeaks(() => cacheTeacherOutputs(teacher, examples, file('good.tfdc'), base));
    good = new Uint8Array(await readFile(file('good.tfdc')));
  });
  const variant = async (name: string, edit: (b: Uint8Array) => Uint8Array) => {
    await writeFile(file(name), edit(good.slice()));
    return file(name);
  };

  it('a different row count, different token ids, or another teacher (CACHE_MISMATCH)', async () => {
    await expectRejects(readTeacherCache(file('good.tfdc'), { examples: examples.slice(0, 22) }), 'CACHE_MISMATCH', /23 rows.*22/);
    const changed = examples.map((e, i) => (i === 11 ? { ...e, ids: Int32Array.from(e.ids, (x, j) => (j === 0 ? (x % 48) + 1 : x)) } : e));
    await expectRejects(readTeacherCache(file('good.tfdc'), { examples: changed }), 'CACHE_MISMATCH', /different token ids/);
    await expectRejects(readTeacherCache(file('good.tfdc'), { examples, teacherId: 'other' }), 'CACHE_MISMATCH', /fake-linear@1/);
    await expect(readTeacherCache(file('good.tfdc'), { examples, teacherId: 'fake-linear@1' })).resolves.toBeTruthy();
  });

  it('a corrupted payload byte (CACHE_MISMATCH)', async () => {
    const f = await variant('corrupt.tfdc', (b) => {
      b[b.length - 7] ^= 0x10;
      return b;
    });
    await expectRejects(readTeacherCache(f, { examples }), 'CACHE_MISMATCH', /corrupted/);
  });

  it('a truncated file, bad magic, bad version, or absurd header sizes (DATA_INVALID)', async () => {
    await expectRejects(
      readTeacherCache(await variant('trunc.tfdc', (b) => b.subarray(0, b.length - 1)), { examples }),
      'DATA_INVALID',
      /truncated/,
    );
    await expectRejects(readTeacherCache(await variant('tiny.tfdc', (b) => b.subarray(0, 20)), { examples }), 'DATA_INVALID', /truncated/);
    await expectRejects(
      readTeacherCache(
        await variant('magic.tfdc', (b) => {
          b[0] = 0x58;
          return b;
        }),
        { examples },
      ),
      'DATA_INVALID',
      /magic/,
    );
    await expectRejects(
      readTeacherCache(
        await variant('version.tfdc', (b) => {
          b[4] = 9;
          return b;
        }),
        { examples },
      ),
      'DATA_INVALID',
      /version 9/,
    );
    // 2^31 classes: refused from the header alone, nothing that size is allocated.
    await expectRejects(
      readTeacherCache(
        await variant('huge.tfdc', (b) => {
          new DataView(b.buffer).setUint32(24, 2 ** 31, true);
          return b;
        }),
        { examples },
      ),
      'DATA_INVALID',
      /classes/,
    );
    await expectRejects(readTeacherCache(file('missing.tfdc'), { examples }), 'IO_ERROR');
    // A directory opens fine on Linux and only fails on read (it used to escape as a raw EISDIR).
    await expectRejects(readTeacherCache(dir, { examples }), 'IO_ERROR', /not a file/);
    await expectRejects(mergeTeacherCaches([dir], file('merged-from-dir.tfdc')), 'IO_ERROR', /not a file/);
  });
});

describe('teacher failures', () => {
  it('refuses logits of the wrong shape or non-finite values, leaking nothing and leaving no file', async () => {
    const seqTeacher: Teacher = { predict: (ids) => ({ logits: tf.zeros([ids.shape[0], ids.shape[1], 2]) }) };
    await expectNoLeaks(() => expectRejects(cacheTeacherOutputs(seqTeacher, examples, file('bad.tfdc'), base), 'SHAPE_MISMATCH'));
    const nanTeacher: Teacher = { predict: (ids) => ({ logits: tf.fill([ids.shape[0], 2], NaN) }) };
    await expectNoLeaks(() => expectRejects(cacheTeacherOutputs(nanTeacher, examples, file('bad.tfdc'), base), 'NON_FINITE', /row 0/));
    expect((await readdir(dir)).filter((f) => f.startsWith('bad.tfdc'))).toEqual([]);
    await expectRejects(cacheTeacherOutputs(teacher, examples, file('bad.tfdc'), { ...base, topK: 11 }), 'INVALID_ARGUMENT', /topK 11/);
    await expectRejects(cacheTeacherOutputs(teacher, examples, file('bad.tfdc'), { ...base, batchSize: 0 }), 'INVALID_ARGUMENT');
  });
});

describe('sharded caches', () => {
  it.each([
    ['float32 full', { dtype: 'float32' as const }],
    ['float16 top-4', { dtype: 'float16' as const, topK: 4 }],
  ])('3 shards merged equal the unsharded cache byte for byte (%s)', async (name, extra) => {
    const options = { ...base, ...extra, batchSize: 3 };
    const whole = file(`whole-${name}.tfdc`);
    await expectNoLeaks(() => cacheTeacherOutputs(teacher, examples, whole, options));
    const parts = [2, 0, 1].map((i) => file(`part-${name}-${i}.tfdc`));
    for (const [k, i] of [2, 0, 1].entries()) {
      const info = await expectNoLeaks(() =>
        cacheTeacherOutputs(teacher, examples, parts[k], { ...options, shard: { index: i, count: 3 } }),
      );
      expect([info.rowStart, info.rowEnd]).toEqual(
        [
          [0, 7],
          [7, 15],
          [15, 23],
        ][i],
      );
    }
    // A shard alone is readable for its own rows.
    const middle = await readTeacherCache(parts[2], { examples });
    expect([middle.has(6), middle.has(7), middle.has(14), middle.has(15)]).toEqual([false, true, true, false]);

    const merged = file(`merged-${name}.tfdc`);
    await mergeTeacherCaches(parts, merged);
    expect(Buffer.compare(await readFile(merged), await readFile(whole))).toBe(0);
    await expect(readTeacherCache(merged, { examples, teacherId: 'fake-linear@1' })).resolves.toBeTruthy();
  });

  it('refuses shards that leave a gap, overlap, or come from another teacher', async () => {
    const part = (i: number, n: number, id = 'fake-linear@1') =>
      expectNoLeaks(() =>
        cacheTeacherOutputs(teacher, examples, file(`s${i}of${n}-${id}.tfdc`), { ...base, teacherId: id, shard: { index: i, count: n } }),
      ).then(() => file(`s${i}of${n}-${id}.tfdc`));
    const [a, b, c] = [await part(0, 3), await part(1, 3), await part(2, 3)];
    await expectRejects(mergeTeacherCaches([a, c], file('m.tfdc')), 'CACHE_MISMATCH', /gap at row 7/);
    await expectRejects(mergeTeacherCaches([a, b, await part(1, 2), c], file('m.tfdc')), 'CACHE_MISMATCH', /overlap/);
    await expectRejects(mergeTeacherCaches([a, b], file('m.tfdc')), 'CACHE_MISMATCH', /\[0, 15\) of 23/);
    await expectRejects(mergeTeacherCaches([a, b, await part(2, 3, 'other')], file('m.tfdc')), 'CACHE_MISMATCH', /teacherId/);
    await expectRejects(mergeTeacherCaches([a, b, c], a), 'INVALID_ARGUMENT');
    await writeFile(
      file('c-corrupt.tfdc'),
      (await readFile(c)).map((x, i, all) => (i === all.length - 1 ? x ^ 1 : x)),
    );
    await expectRejects(mergeTeacherCaches([a, b, file('c-corrupt.tfdc')], file('m.tfdc')), 'CACHE_MISMATCH', /corrupted/);
    expect((await readdir(dir)).filter((f) => f.startsWith('m.tfdc'))).toEqual([]);
  });
});
