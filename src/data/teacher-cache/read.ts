/**
 * Reading a teacher cache: every check that ties the file to the data happens here, once, so a cache computed for
 * other data, another tokenizer or another teacher is refused with `CACHE_MISMATCH` instead of silently
 * distilling from the wrong logits.
 */
import { TfdistillError } from '../../errors.js';
import type { Example } from '../types.js';
import { crc32, inputChecksum } from './checksum.js';
import { decodeFixedHeader, decodeHeader, FIXED_HEADER_BYTES, type TeacherCacheHeader } from './format.js';
import { decodeFullRow, decodeTopKRow, findNonFinite, type TopKRow } from './rows.js';

/**
 * Options for {@link readTeacherCache}.
 */
export interface ReadTeacherCacheOptions {
  /** The dataset the cache must have been computed from (same rows, same order, same token ids). */
  examples: readonly Example[];
  /** When given, the cache's teacher id must equal it. */
  teacherId?: string;
}

/**
 * Cached teacher logits, looked up by `Example.index`.
 *
 * @example
 * ```ts
 * const logits = cache.header.topK === 0 ? cache.get(example.index) : cache.getTopK(example.index).values;
 * ```
 */
export interface TeacherCache {
  readonly header: TeacherCacheHeader;
  /** Whether this cache (or shard) holds the example with this index. */
  has(index: number): boolean;
  /** Full logits [numClasses] of the example with this index. Full caches only (`header.topK === 0`). */
  get(index: number): Float32Array;
  /** The K largest logits and their classes. Top-k caches only (`header.topK > 0`). */
  getTopK(index: number): TopKRow;
}

function mismatch(message: string): TfdistillError {
  return new TfdistillError('CACHE_MISMATCH', message, 'recompute the cache with `tfdistill cache-teacher` for this data and teacher');
}

/**
 * Reads and verifies a cache file (Node): header sizes against the file size before allocating, then row count,
 * input checksum, teacher id and payload CRC against `examples`.
 * Throws `DATA_INVALID` (not a cache: bad magic/version, truncated), `CACHE_MISMATCH` (a cache of something else,
 * or corrupted payload) or `NON_FINITE` (a NaN/Inf logit, naming its row).
 *
 * @example
 * ```ts
 * const cache = await readTeacherCache('runs/spam/teacher.tfdc', { examples, teacherId: 'bert-base-spam@3f2a' });
 * const logits = cache.get(examples[0].index); // Float32Array [numClasses]
 * ```
 */
export async function readTeacherCache(file: string, options: ReadTeacherCacheOptions): Promise<TeacherCache> {
  // The header's sizes are checked against the real file size first; only then is the whole file read.
  const bytes = await withCacheFile(file, async (handle, size) => {
    const all = new Uint8Array(size);
    await handle.read(all, 0, size, 0);
    return all;
  });
  return parseTeacherCache(bytes, options);
}

type CacheFileHandle = Awaited<ReturnType<typeof import('node:fs/promises').open>>;

/**
 * Opens a cache file (Node), decodes its header checked against the real file size (`DATA_INVALID` for a file that is
 * not a cache or is truncated, `IO_ERROR` when it cannot be opened), runs `fn` on the open file and closes it.
 *
 * @example
 * ```ts
 * const header = await withCacheFile('part0.bin', async (_handle, _size, header) => header);
 * ```
 */
export async function withCacheFile<T>(
  file: string,
  fn: (handle: CacheFileHandle, size: number, header: TeacherCacheHeader) => Promise<T>,
): Promise<T> {
  const { open } = await import('node:fs/promises');
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    throw new TfdistillError('IO_ERROR', `cannot open teacher cache ${file}: ${(e as Error).message}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new TfdistillError('IO_ERROR', `cannot open teacher cache ${file}: not a file`);
    const size = info.size;
    const fixed = new Uint8Array(Math.min(size, FIXED_HEADER_BYTES));
    await handle.read(fixed, 0, fixed.length, 0);
    const { headerBytes } = decodeFixedHeader(fixed, size);
    const bytes = new Uint8Array(headerBytes);
    await handle.read(bytes, 0, headerBytes, 0);
    return await fn(handle, size, decodeHeader(bytes, size));
  } finally {
    await handle.close();
  }
}

/**
 * Verifies and wraps a cache already in memory (e.g. fetched in the browser). Same checks as {@link readTeacherCache}.
 *
 * @example
 * ```ts
 * const cache = parseTeacherCache(new Uint8Array(await (await fetch('teacher.tfdc')).arrayBuffer()), { examples });
 * ```
 */
export function parseTeacherCache(bytes: Uint8Array, options: ReadTeacherCacheOptions): TeacherCache {
  const { examples, teacherId } = options;
  const header = decodeHeader(bytes, bytes.length);
  if (header.totalRows !== examples.length) {
    throw mismatch(`teacher cache has ${header.totalRows} rows, the data has ${examples.length}`);
  }
  if (teacherId !== undefined && header.teacherId !== teacherId) {
    throw mismatch(`teacher cache is for teacher "${header.teacherId}", expected "${teacherId}"`);
  }
  if (inputChecksum(examples, header.rowStart, header.rowEnd) !== header.inputChecksum) {
    throw mismatch(`teacher cache rows [${header.rowStart}, ${header.rowEnd}) were computed from different token ids`);
  }
  const payload = bytes.subarray(header.headerBytes);
  if (crc32(0, payload) !== header.payloadChecksum) throw mismatch('teacher cache payload is corrupted (CRC-32 mismatch)');

  const rowOf = new Map<number, number>();
  for (let row = header.rowStart; row < header.rowEnd; row++) {
    if (rowOf.has(examples[row].index)) throw new TfdistillError('DATA_INVALID', `two examples share index ${examples[row].index}`);
    rowOf.set(examples[row].index, row - header.rowStart);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  // A teacher that produced NaN/Inf poisons every step that uses its row; refuse the file and name the row.
  const bad = findNonFinite(view, header.rowEnd - header.rowStart, header);
  if (bad !== undefined) {
    const row = header.rowStart + bad.row;
    const what = header.topK > 0 ? `top-${bad.position + 1} logit` : `logit of class ${bad.position}`;
    throw new TfdistillError(
      'NON_FINITE',
      `teacher cache row ${row} (example index ${examples[row].index}): the ${what} is not finite`,
      'recompute the cache; check the teacher checkpoint for NaN/Inf weights',
    );
  }
  const recordOf = (index: number): number => {
    const record = rowOf.get(index);
    if (record === undefined) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        `example index ${index} is not in this teacher cache (rows [${header.rowStart}, ${header.rowEnd}))`,
      );
    }
    return record;
  };
  return {
    header,
    has: (index) => rowOf.has(index),
    get(index) {
      if (header.topK > 0)
        throw new TfdistillError('INVALID_ARGUMENT', `this teacher cache holds top-${header.topK} logits; use getTopK()`);
      return decodeFullRow(view, recordOf(index), header);
    },
    getTopK(index) {
      if (header.topK === 0) throw new TfdistillError('INVALID_ARGUMENT', 'this teacher cache holds full logits; use get()');
      return decodeTopKRow(view, recordOf(index), header);
    },
  };
}
