/**
 * `mergeTeacherCaches`: joins the shard files of a sharded teacher pass into the one file an unsharded run would
 * have written (identical bytes), after checking that the shards belong together and tile the dataset.
 */
import { TfdistillError } from '../../errors.js';
import { crc32 } from './checksum.js';
import { encodeHeader, type TeacherCacheHeader } from './format.js';
import { withCacheFile } from './read.js';

/** Payload bytes copied per read, to keep memory flat for large caches. */
const CHUNK_BYTES = 4 << 20;

/**
 * Merges shard caches (any order) into `out` (Node). Refuses (`CACHE_MISMATCH`) shards with different teacher ids,
 * row totals, classes, top-k or dtype, ranges that overlap or leave a gap, and shards whose payload CRC fails.
 *
 * @example
 * ```ts
 * await mergeTeacherCaches(['t.0of3.tfdc', 't.1of3.tfdc', 't.2of3.tfdc'], 'teacher.tfdc');
 * ```
 */
export async function mergeTeacherCaches(files: readonly string[], out: string): Promise<TeacherCacheHeader> {
  if (files.length === 0) throw new TfdistillError('INVALID_ARGUMENT', 'mergeTeacherCaches needs at least one shard file');
  const { resolve } = await import('node:path');
  if (files.some((f) => resolve(f) === resolve(out))) {
    throw new TfdistillError('INVALID_ARGUMENT', `output ${out} is one of the shard files`);
  }
  const fs = await import('node:fs/promises');
  const shards: { file: string; header: TeacherCacheHeader }[] = [];
  for (const file of files) shards.push({ file, header: await withCacheFile(file, async (_handle, _size, header) => header) });
  shards.sort((a, b) => a.header.rowStart - b.header.rowStart);

  const first = shards[0].header;
  let expectedStart = 0;
  let inputChecksum = 0;
  for (const { file, header } of shards) {
    for (const key of ['teacherId', 'totalRows', 'numClasses', 'topK', 'dtype'] as const) {
      if (header[key] !== first[key]) {
        throw mismatch(`${file} has ${key} ${JSON.stringify(header[key])}, ${shards[0].file} has ${JSON.stringify(first[key])}`);
      }
    }
    if (header.rowStart !== expectedStart) {
      const what = header.rowStart < expectedStart ? 'overlap' : 'gap';
      throw mismatch(
        `shards do not tile the rows: ${what} at row ${Math.min(header.rowStart, expectedStart)} (${file} starts at ${header.rowStart})`,
      );
    }
    expectedStart = header.rowEnd;
    inputChecksum = (inputChecksum + header.inputChecksum) >>> 0; // input checksums are sums over rows
  }
  if (expectedStart !== first.totalRows) throw mismatch(`shards cover rows [0, ${expectedStart}) of ${first.totalRows}`);

  const tmp = `${out}.tmp-${Date.now()}`;
  const target = await fs.open(tmp, 'w');
  let done = false;
  try {
    let position = first.headerBytes; // same teacher id -> same header size as the merged header
    let payloadChecksum = 0;
    for (const { file, header } of shards) {
      payloadChecksum = await copyPayload(
        fs,
        file,
        header,
        async (chunk) => {
          await target.write(chunk, 0, chunk.length, position);
          position += chunk.length;
        },
        payloadChecksum,
      );
    }
    const merged = {
      totalRows: first.totalRows,
      rowStart: 0,
      rowEnd: first.totalRows,
      numClasses: first.numClasses,
      topK: first.topK,
      dtype: first.dtype,
      shardIndex: 0,
      shardCount: 1,
      inputChecksum,
      payloadChecksum,
      teacherId: first.teacherId,
    };
    const headerBytes = encodeHeader(merged);
    await target.write(headerBytes, 0, headerBytes.length, 0);
    await target.close();
    await fs.rename(tmp, out);
    done = true;
    return { version: first.version, headerBytes: headerBytes.length, ...merged };
  } finally {
    if (!done) {
      await target.close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
    }
  }
}

function mismatch(message: string): TfdistillError {
  return new TfdistillError('CACHE_MISMATCH', `cannot merge teacher caches: ${message}`);
}

type Fs = typeof import('node:fs/promises');

/** Streams `file`'s payload to `sink` in chunks, verifying its own CRC; returns the running CRC of all payloads. */
async function copyPayload(
  fs: Fs,
  file: string,
  header: TeacherCacheHeader,
  sink: (chunk: Uint8Array) => Promise<void>,
  crc: number,
): Promise<number> {
  const handle = await fs.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    let own = 0;
    const buffer = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(1, size - header.headerBytes)));
    for (let at = header.headerBytes; at < size; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - at), at);
      if (bytesRead === 0) throw new TfdistillError('IO_ERROR', `${file} shrank while merging`);
      const chunk = buffer.subarray(0, bytesRead);
      own = crc32(own, chunk);
      crc = crc32(crc, chunk);
      await sink(chunk);
      at += bytesRead;
    }
    if (own !== header.payloadChecksum) throw mismatch(`${file}: payload is corrupted (CRC-32 mismatch)`);
    return crc;
  } finally {
    await handle.close();
  }
}
