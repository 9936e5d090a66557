/**
 * Checksums of the teacher cache: CRC-32 over the payload bytes (detects a flipped byte) and an input checksum over
 * the token ids the logits were computed from (detects a cache reused with other data or another tokenizer).
 */
import zlib from 'node:zlib';
import type { Example } from '../types.js';

/**
 * Continues a CRC-32 (IEEE, as zlib/PNG) over `bytes`: Node's `zlib.crc32`. Start with 0; feed chunks in order.
 *
 * @example
 * ```ts
 * crc32(0, new TextEncoder().encode('123456789')); // 0xcbf43926
 * ```
 */
export function crc32(crc: number, bytes: Uint8Array): number {
  return zlib.crc32(bytes, crc);
}

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a (32-bit) step over the 4 little-endian bytes of `value`. */
function fnvU32(hash: number, value: number): number {
  for (let shift = 0; shift < 32; shift += 8) hash = Math.imul(hash ^ ((value >>> shift) & 0xff), 0x01000193);
  return hash;
}

/**
 * Checksum of the inputs of rows [start, end) of `examples`: the sum (mod 2^32) over rows of FNV-1a of
 * (row position, example index, length, ids). A sum because shard checksums must add up to the full dataset's
 * (so `mergeTeacherCaches` needs no data); the row position inside each hash keeps it order-sensitive.
 *
 * @example
 * ```ts
 * const sum = inputChecksum(examples, 0, examples.length);
 * ```
 */
export function inputChecksum(examples: readonly Example[], start: number, end: number): number {
  let sum = 0;
  for (let row = start; row < end; row++) {
    // What the teacher reads: its own tokenization when it has one, and the type ids of pairs.
    const { index } = examples[row];
    const { ids, typeIds } = examples[row].teacherInput ?? examples[row];
    let h = fnvU32(fnvU32(fnvU32(FNV_OFFSET, row), index), ids.length);
    for (let i = 0; i < ids.length; i++) h = fnvU32(h, ids[i]);
    if (typeIds) for (let i = 0; i < typeIds.length; i++) h = fnvU32(h, typeIds[i] + 0x100);
    sum = (sum + (h >>> 0)) >>> 0;
  }
  return sum;
}
