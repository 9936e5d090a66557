/**
 * Fuzz target: teacher-cache files (`.tfdc`) through `readTeacherCache` / `parseTeacherCache`. Inputs start as valid
 * caches (full or top-k, float32 or float16) and are damaged at the byte level, field by field in the header (with
 * the payload CRC sometimes recomputed so the deeper checks are reached), or given NaN/Inf logits with a valid CRC.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, inputChecksum } from '../../src/data/teacher-cache/checksum.js';
import { encodeHeader, FIXED_HEADER_BYTES, type CacheDtype } from '../../src/data/teacher-cache/format.js';
import { parseTeacherCache, readTeacherCache } from '../../src/data/teacher-cache/read.js';
import { encodeRows } from '../../src/data/teacher-cache/rows.js';
import type { Example } from '../../src/data/types.js';
import type { Rng } from '../../src/util/rng.js';
import { chance, concat, mutateBytes, pick, randomBytes } from './random.js';
import type { FuzzTarget } from './target.js';

interface CacheCase {
  bytes: Uint8Array;
  examples: Example[];
  teacherId?: string;
  viaFile: boolean;
}

function examplesFor(rng: Rng, n: number): Example[] {
  return Array.from({ length: n }, (_, i) => ({
    ids: Int32Array.from({ length: 2 + rng.int(6) }, () => 1 + rng.int(99)),
    label: rng.int(2),
    index: i,
  }));
}

/** A valid cache of `examples` (whole file, no shards). */
function validCache(rng: Rng, examples: Example[]): { bytes: Uint8Array; headerBytes: number } {
  const numClasses = pick(rng, [1, 2, 3, 10]);
  const topK = chance(rng, 0.3) ? 1 + rng.int(numClasses) : 0;
  const dtype: CacheDtype = pick(rng, ['float32', 'float16'] as const);
  const logits = Array.from({ length: examples.length * numClasses }, () => (rng.next() - 0.5) * 20);
  if (chance(rng, 0.15) && logits.length > 0) logits[rng.int(logits.length)] = pick(rng, [NaN, Infinity, -Infinity]);
  const payload = encodeRows(logits, examples.length, { numClasses, topK, dtype });
  const teacherId = pick(rng, ['teacher', '', 'bert-spam@3f2a', 'é'.repeat(rng.int(40))]);
  const header = encodeHeader({
    totalRows: examples.length,
    rowStart: 0,
    rowEnd: examples.length,
    numClasses,
    topK,
    dtype,
    shardIndex: 0,
    shardCount: 1,
    inputChecksum: inputChecksum(examples, 0, examples.length),
    payloadChecksum: crc32(0, payload),
    teacherId,
  });
  return { bytes: concat(header, payload), headerBytes: header.length };
}

/**
 * The teacher-cache target; `viaFile` cases go through a file in `dir`.
 *
 * @example
 * ```ts
 * const s = await runFuzz({ name: 'cache', seed: 1, count: 300, ...cacheTarget({ dir }) });
 * ```
 */
export function cacheTarget(opts: { dir: string }): FuzzTarget<CacheCase> {
  const file = path.join(opts.dir, 'teacher.tfdc');
  return {
    generate(rng) {
      const examples = examplesFor(rng, rng.int(8));
      let { bytes, headerBytes } = validCache(rng, examples);
      switch (rng.int(5)) {
        case 0:
          bytes = mutateBytes(rng, bytes);
          break;
        case 1: {
          // One header field set to an edge value; CRC of the payload recomputed half of the time.
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          const field = 4 + 4 * rng.int((FIXED_HEADER_BYTES - 4) / 4);
          view.setUint32(field, pick(rng, [0, 1, 2, 3, 0xffffffff, 0x7fffffff, 1 << 24, rng.int(1 << 16)]), true);
          if (chance(rng, 0.5) && bytes.length >= headerBytes) view.setUint32(48, crc32(0, bytes.subarray(headerBytes)), true);
          break;
        }
        case 2:
          bytes = randomBytes(rng, rng.int(200));
          break;
        case 3:
          if (chance(rng, 0.5)) bytes = concat(new TextEncoder().encode('TFDC'), randomBytes(rng, rng.int(120)));
          break;
        default:
          break; // valid (or NaN-carrying) cache
      }
      // Sometimes the reader is given other data than the cache was made for.
      const given = chance(rng, 0.1) ? examplesFor(rng, examples.length) : examples;
      return { bytes, examples: given, teacherId: chance(rng, 0.2) ? 'teacher' : undefined, viaFile: chance(rng, 0.3) };
    },
    async run(c) {
      let cache: Awaited<ReturnType<typeof readTeacherCache>>;
      if (c.viaFile) {
        await writeFile(file, c.bytes);
        cache = await readTeacherCache(file, { examples: c.examples, teacherId: c.teacherId });
      } else {
        cache = parseTeacherCache(c.bytes, { examples: c.examples, teacherId: c.teacherId });
      }
      for (const e of c.examples) {
        const values = cache.header.topK === 0 ? cache.get(e.index) : cache.getTopK(e.index).values;
        if (!values.every(Number.isFinite)) throw new Error(`accepted a non-finite logit for example ${e.index}`);
      }
    },
  };
}
