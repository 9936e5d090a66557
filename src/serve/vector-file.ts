import fs from 'node:fs/promises';
import { TfdistillError } from '../errors.js';
import { float32ToFloat16, fromFloat16Bits } from '../util/float16.js';
import type { ResultSink, StreamResult } from './predict-stream.js';

/**
 * The binary file `predict --vectors-out` writes for an embedding model: a 32-byte little-endian header, then one row
 * of `dim` values per input record, in input order (a record that failed is a row of NaN):
 *
 * | bytes | field |
 * |---|---|
 * | 0-7 | magic `TFDVEC01` (ASCII) |
 * | 8-11 | rows (uint32) |
 * | 12-15 | dim (uint32) |
 * | 16-19 | dtype (uint32): 0 float32, 1 float16 (IEEE half) |
 * | 20-31 | zeros |
 *
 * In numpy: `np.fromfile(f, dtype='<f4' or '<f2', offset=32).reshape(rows, dim)`.
 */
const MAGIC = 'TFDVEC01';
const HEADER_BYTES = 32;

/** Element type of a vector file. */
export type VectorDtype = 'float32' | 'float16';

/**
 * A {@link ResultSink} that writes the vectors of {@link predictStream}'s results to `file` (replaced if it exists);
 * `close()` writes the header and returns the row count. Classification results are refused (`INVALID_ARGUMENT`).
 *
 * @example
 * ```ts
 * const sink = await vectorFileSink('vectors.bin', 'float16');
 * await predictStream(predictor, input, sink, { format: 'jsonl' });
 * const { rows, dim } = await sink.close();
 * ```
 */
export async function vectorFileSink(
  file: string,
  dtype: VectorDtype,
): Promise<ResultSink & { close(): Promise<{ rows: number; dim: number; errors: number }> }> {
  if (dtype !== 'float32' && dtype !== 'float16') {
    throw new TfdistillError('INVALID_ARGUMENT', `vector dtype must be 'float32' or 'float16', got ${JSON.stringify(dtype)}`);
  }
  const handle = await fs.open(file, 'w').catch((e: Error) => {
    throw new TfdistillError('IO_ERROR', `cannot write ${file}: ${e.message}`);
  });
  let rows = 0;
  let errors = 0;
  let dim = 0;
  const failed: number[] = []; // rows that failed before the width was known
  const encode = (values: ArrayLike<number>): Uint8Array => {
    const f32 = Float32Array.from(values);
    const typed = dtype === 'float32' ? f32 : float32ToFloat16(f32);
    return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  };
  const write = async (bytes: Uint8Array, row: number) => {
    await handle.write(bytes, 0, bytes.byteLength, HEADER_BYTES + row * bytes.byteLength);
  };
  return {
    async take(result: StreamResult) {
      const row = rows++;
      if ('error' in result) {
        errors++;
        if (dim === 0) failed.push(row);
        else await write(encode(new Float32Array(dim).fill(Number.NaN)), row);
        return;
      }
      if (!('vector' in result))
        throw new TfdistillError('INVALID_ARGUMENT', '--vectors-out needs an embedding model; this one classifies');
      if (dim === 0) {
        dim = result.vector.length;
        for (const r of failed.splice(0)) await write(encode(new Float32Array(dim).fill(Number.NaN)), r);
      }
      await write(encode(result.vector), row);
    },
    async close() {
      const header = Buffer.alloc(HEADER_BYTES);
      header.write(MAGIC, 0, 'ascii');
      header.writeUInt32LE(rows, 8);
      header.writeUInt32LE(dim, 12);
      header.writeUInt32LE(dtype === 'float32' ? 0 : 1, 16);
      await handle.write(header, 0, HEADER_BYTES, 0);
      await handle.truncate(HEADER_BYTES + rows * dim * (dtype === 'float32' ? 4 : 2));
      await handle.close();
      return { rows, dim, errors };
    },
  };
}

/**
 * Reads a file {@link vectorFileSink} wrote: `rows` x `dim` values as float32 (float16 files are widened).
 *
 * @example
 * ```ts
 * const { rows, dim, values } = await readVectorFile('vectors.bin'); // values[i * dim + j]
 * ```
 */
export async function readVectorFile(file: string): Promise<{ rows: number; dim: number; dtype: VectorDtype; values: Float32Array }> {
  const bytes = await fs.readFile(file);
  const bad = (why: string) => new TfdistillError('DATA_INVALID', `${file}: ${why}`);
  if (bytes.byteLength < HEADER_BYTES || bytes.toString('ascii', 0, 8) !== MAGIC) throw bad(`not a vector file (no ${MAGIC} header)`);
  const [rows, dim, code] = [bytes.readUInt32LE(8), bytes.readUInt32LE(12), bytes.readUInt32LE(16)];
  if (code > 1) throw bad(`unknown dtype code ${code}`);
  const dtype: VectorDtype = code === 0 ? 'float32' : 'float16';
  const width = dtype === 'float32' ? 4 : 2;
  if (bytes.byteLength !== HEADER_BYTES + rows * dim * width)
    throw bad(`${bytes.byteLength} bytes, expected ${HEADER_BYTES + rows * dim * width}`);
  const body = bytes.buffer.slice(bytes.byteOffset + HEADER_BYTES, bytes.byteOffset + bytes.byteLength);
  const values = dtype === 'float32' ? new Float32Array(body) : Float32Array.from(new Uint16Array(body), fromFloat16Bits);
  return { rows, dim, dtype, values };
}
