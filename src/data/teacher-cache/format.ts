/**
 * The teacher cache file format (`.tfdc`), little-endian:
 *
 * | offset | type    | field                                                         |
 * |--------|---------|---------------------------------------------------------------|
 * | 0      | 4 bytes | magic `TFDC`                                                  |
 * | 4      | u32     | version (1)                                                   |
 * | 8      | u32     | header bytes (payload starts here)                            |
 * | 12     | u32     | total rows N of the dataset                                   |
 * | 16     | u32     | row start (inclusive)                                         |
 * | 20     | u32     | row end (exclusive); rows in this file = end - start          |
 * | 24     | u32     | classes C                                                     |
 * | 28     | u32     | top-k K, 0 = full logits                                      |
 * | 32     | u32     | dtype: 1 = float32, 2 = float16 (IEEE half)                   |
 * | 36     | u32     | shard index                                                   |
 * | 40     | u32     | shard count (1 = unsharded)                                   |
 * | 44     | u32     | input checksum (see `inputChecksum`)                          |
 * | 48     | u32     | payload CRC-32                                                |
 * | 52     | u32     | teacher id length L (UTF-8 bytes)                             |
 * | 56     | L bytes | teacher id, then zero padding to a multiple of 4              |
 *
 * Payload: one record per row, in row order. Full: C values. Top-k: K values (largest first), then K class indices
 * (u16 when C <= 65536, else u32). Rows being self-contained records is what lets shards concatenate into the
 * unsharded file byte for byte.
 */
import { TfdistillError } from '../../errors.js';

const CACHE_MAGIC = 'TFDC';
/** The format version this code writes and reads. */
export const CACHE_VERSION = 1;
/** Bytes before the teacher id. */
export const FIXED_HEADER_BYTES = 56;
/** Sanity limits checked before anything is allocated from header values. */
const MAX_TEACHER_ID_BYTES = 4096;
export const MAX_CLASSES = 1 << 24;

/** Storage precision of cached logits, e.g. `{ dtype: 'float16' }` in `cacheTeacherOutputs`. */
export type CacheDtype = 'float16' | 'float32';

/**
 * Everything the header says; `cacheTeacherOutputs` and `mergeTeacherCaches` return it, `TeacherCache.header` holds it.
 *
 * @example
 * ```ts
 * const { rowStart, rowEnd, numClasses, teacherId } = cache.header;
 * ```
 */
export interface TeacherCacheHeader {
  version: number;
  headerBytes: number;
  totalRows: number;
  rowStart: number;
  rowEnd: number;
  numClasses: number;
  /** 0 = full logits. */
  topK: number;
  dtype: CacheDtype;
  shardIndex: number;
  shardCount: number;
  inputChecksum: number;
  payloadChecksum: number;
  teacherId: string;
}

const DTYPE_CODES: Record<CacheDtype, number> = { float32: 1, float16: 2 };

/** Bytes per stored value. */
export const valueBytes = (dtype: CacheDtype): number => (dtype === 'float16' ? 2 : 4);
/** Bytes per stored class index in top-k records. */
export const indexBytes = (numClasses: number): number => (numClasses <= 65536 ? 2 : 4);

/**
 * Bytes of one row record.
 *
 * @example
 * ```ts
 * rowBytes({ numClasses: 10, topK: 0, dtype: 'float16' }); // 20
 * ```
 */
export function rowBytes(h: Pick<TeacherCacheHeader, 'numClasses' | 'topK' | 'dtype'>): number {
  return h.topK > 0 ? h.topK * (valueBytes(h.dtype) + indexBytes(h.numClasses)) : h.numClasses * valueBytes(h.dtype);
}

/** Header size for a teacher id (fixed part + id + padding to 4 bytes). */
export function headerBytesFor(teacherId: string): number {
  const n = new TextEncoder().encode(teacherId).length;
  return FIXED_HEADER_BYTES + Math.ceil(n / 4) * 4;
}

/**
 * Serializes a header (the `headerBytes` field is computed from the teacher id).
 *
 * @example
 * ```ts
 * const bytes = encodeHeader({ ...header, payloadChecksum: crc });
 * ```
 */
export function encodeHeader(h: Omit<TeacherCacheHeader, 'version' | 'headerBytes'>): Uint8Array {
  const id = new TextEncoder().encode(h.teacherId);
  if (id.length > MAX_TEACHER_ID_BYTES) {
    throw new TfdistillError('INVALID_ARGUMENT', `teacherId is ${id.length} bytes; at most ${MAX_TEACHER_ID_BYTES} allowed`);
  }
  const bytes = new Uint8Array(headerBytesFor(h.teacherId));
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(CACHE_MAGIC), 0);
  const fields = [
    CACHE_VERSION,
    bytes.length,
    h.totalRows,
    h.rowStart,
    h.rowEnd,
    h.numClasses,
    h.topK,
    DTYPE_CODES[h.dtype],
    h.shardIndex,
    h.shardCount,
    h.inputChecksum,
    h.payloadChecksum,
    id.length,
  ];
  fields.forEach((value, i) => {
    view.setUint32(4 + 4 * i, value, true);
  });
  bytes.set(id, FIXED_HEADER_BYTES);
  return bytes;
}

function notACache(why: string): TfdistillError {
  return new TfdistillError('DATA_INVALID', `not a valid teacher cache: ${why}`, 'recompute it with `tfdistill cache-teacher`');
}

/**
 * Reads the fixed part of a header (`bytes` = the first {@link FIXED_HEADER_BYTES} bytes or more) and checks every
 * size against `fileBytes` before the caller allocates anything. Returns the header without `teacherId`, which the
 * caller reads next (`headerBytes` long in total). Throws `DATA_INVALID` for a bad magic, version, sizes, or a
 * truncated/overlong file.
 *
 * @example
 * ```ts
 * const fixed = decodeFixedHeader(first56Bytes, (await stat(file)).size);
 * ```
 */
export function decodeFixedHeader(
  bytes: Uint8Array,
  fileBytes: number,
): Omit<TeacherCacheHeader, 'teacherId'> & { teacherIdBytes: number } {
  if (fileBytes < FIXED_HEADER_BYTES || bytes.length < FIXED_HEADER_BYTES) throw notACache(`file is only ${fileBytes} bytes (truncated?)`);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== CACHE_MAGIC) throw notACache('bad magic (expected "TFDC")');
  const view = new DataView(bytes.buffer, bytes.byteOffset, FIXED_HEADER_BYTES);
  const u = (offset: number) => view.getUint32(offset, true);
  const version = u(4);
  if (version !== CACHE_VERSION) throw notACache(`version ${version}, this tfdistill reads version ${CACHE_VERSION}`);
  const [headerBytes, totalRows, rowStart, rowEnd, numClasses, topK, dtypeCode] = [8, 12, 16, 20, 24, 28, 32].map(u);
  const [shardIndex, shardCount, inputChecksum, payloadChecksum, teacherIdBytes] = [36, 40, 44, 48, 52].map(u);
  const dtype = (Object.keys(DTYPE_CODES) as CacheDtype[]).find((k) => DTYPE_CODES[k] === dtypeCode);
  if (!dtype) throw notACache(`unknown dtype code ${dtypeCode}`);
  if (teacherIdBytes > MAX_TEACHER_ID_BYTES || headerBytes !== FIXED_HEADER_BYTES + Math.ceil(teacherIdBytes / 4) * 4) {
    throw notACache(`inconsistent header size ${headerBytes} for a ${teacherIdBytes}-byte teacher id`);
  }
  if (numClasses < 1 || numClasses > MAX_CLASSES) throw notACache(`${numClasses} classes`);
  if (topK > numClasses) throw notACache(`top-k ${topK} > ${numClasses} classes`);
  if (!(rowStart <= rowEnd && rowEnd <= totalRows)) throw notACache(`row range [${rowStart}, ${rowEnd}) outside [0, ${totalRows})`);
  if (!(shardCount >= 1 && shardIndex < shardCount)) throw notACache(`shard ${shardIndex}/${shardCount}`);
  const expected = headerBytes + (rowEnd - rowStart) * rowBytes({ numClasses, topK, dtype });
  if (fileBytes !== expected) {
    throw notACache(`file is ${fileBytes} bytes, header promises ${expected} (${fileBytes < expected ? 'truncated' : 'trailing bytes'})`);
  }
  return {
    version,
    headerBytes,
    totalRows,
    rowStart,
    rowEnd,
    numClasses,
    topK,
    dtype,
    shardIndex,
    shardCount,
    inputChecksum,
    payloadChecksum,
    teacherIdBytes,
  };
}

/**
 * Decodes a complete header (`bytes.length >= headerBytes`) of a file of `fileBytes` bytes.
 *
 * @example
 * ```ts
 * const header = decodeHeader(fileBytes, fileBytes.length);
 * ```
 */
export function decodeHeader(bytes: Uint8Array, fileBytes: number): TeacherCacheHeader {
  const { teacherIdBytes, ...fixed } = decodeFixedHeader(bytes, fileBytes);
  if (bytes.length < fixed.headerBytes) throw notACache('truncated header');
  const teacherId = new TextDecoder('utf-8', { fatal: false }).decode(
    bytes.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + teacherIdBytes),
  );
  return { ...fixed, teacherId };
}
