/**
 * Turns a data file on disk into a stream of decoded text chunks, checking on the way everything that makes a file
 * unreadable as a whole: missing, empty, binary, not UTF-8, corrupt gzip. Row-level problems are the readers' job.
 *
 * Chunks are decoded with a fatal, streaming `TextDecoder`, so a multi-byte character split across two disk reads is
 * reassembled instead of being reported as invalid. Line endings are normalised to `\n` (CRLF and lone CR), so the
 * readers' line numbers match what an editor shows, and a leading BOM is dropped by the decoder.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { TfdistillError } from '../../errors.js';

/** How many leading bytes are checked for NUL to recognise a binary file (git uses the same 8 KiB heuristic). */
const BINARY_SNIFF_BYTES = 8192;

/** Options for {@link readTextChunks}. */
export interface TextChunkOptions {
  /** Bytes per disk read; small values are only useful in tests that split multi-byte characters. Default 64 KiB. */
  chunkSize?: number;
}

/**
 * Streams `path` as UTF-8 text, one decoded chunk at a time (never the whole file in memory). A `.gz` suffix is
 * decompressed transparently. Throws `TfdistillError('DATA_INVALID')` for a missing, empty, binary or non-UTF-8 file.
 *
 * @example
 * ```ts
 * let chars = 0;
 * for await (const chunk of readTextChunks('train.csv')) chars += chunk.length;
 * ```
 */
export async function* readTextChunks(path: string, options: TextChunkOptions = {}): AsyncGenerator<string> {
  await assertReadableFile(path);
  const file = createReadStream(path, { highWaterMark: options.chunkSize ?? 65536 });
  const gzipped = path.toLowerCase().endsWith('.gz');
  const gunzip = gzipped ? file.pipe(createGunzip()) : undefined;
  const bytes: AsyncIterable<Buffer> = gunzip ?? file;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0; // bytes (decompressed) consumed so far, for error messages
  let pendingCR = false; // a chunk ending in '\r' may be the first half of a CRLF
  let sawContent = false;
  try {
    for await (const chunk of readBytes(bytes, path, gzipped)) {
      if (offset < BINARY_SNIFF_BYTES && chunk.subarray(0, BINARY_SNIFF_BYTES - offset).includes(0)) {
        throw new TfdistillError(
          'DATA_INVALID',
          `${path} looks like a binary file (NUL byte in the first 8 KiB)`,
          'tfdistill reads UTF-8 CSV or JSONL text files',
        );
      }
      let text = decodeChunk(decoder, chunk, path, offset, true);
      offset += chunk.length;
      if (pendingCR) text = `\r${text}`;
      pendingCR = text.endsWith('\r');
      if (pendingCR) text = text.slice(0, -1);
      text = text.replace(/\r\n?/g, '\n');
      if (!sawContent && /\S/.test(text)) sawContent = true;
      if (text.length > 0) yield text;
    }
    const tail = decodeChunk(decoder, undefined, path, offset, false) + (pendingCR ? '\n' : '');
    if (!sawContent && /\S/.test(tail)) sawContent = true;
    if (!sawContent) throw new TfdistillError('DATA_INVALID', `${path} is empty`, 'expected a header row and data rows');
    if (tail.length > 0) yield tail;
  } finally {
    gunzip?.destroy();
    file.destroy();
  }
}

/** Fails early, with a plain message, for paths that are not readable regular files. */
async function assertReadableFile(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new TfdistillError('DATA_INVALID', `${path} is a directory, not a data file`);
  } catch (e) {
    if (e instanceof TfdistillError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new TfdistillError('DATA_INVALID', `no such file: ${path}`);
    throw new TfdistillError('IO_ERROR', `cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Re-throws stream errors (corrupt gzip, permissions) as TfdistillErrors so no data problem surfaces as a stack trace. */
async function* readBytes(bytes: AsyncIterable<Buffer>, path: string, gzipped: boolean): AsyncGenerator<Buffer> {
  try {
    yield* bytes;
  } catch (e) {
    if (e instanceof TfdistillError) throw e;
    if (gzipped) throw new TfdistillError('DATA_INVALID', `${path} is not a valid gzip file: ${(e as Error).message}`);
    throw new TfdistillError('IO_ERROR', `cannot read ${path}: ${(e as Error).message}`);
  }
}

function decodeChunk(decoder: TextDecoder, chunk: Buffer | undefined, path: string, offset: number, stream: boolean): string {
  try {
    return decoder.decode(chunk, { stream });
  } catch {
    const where = chunk ? `between bytes ${offset} and ${offset + chunk.length}` : 'at the end of the file';
    throw new TfdistillError(
      'DATA_INVALID',
      `${path} is not valid UTF-8 (bad byte sequence ${where})`,
      're-save the file with UTF-8 encoding',
    );
  }
}
