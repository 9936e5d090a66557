import type * as tf from '@tensorflow/tfjs';
import { gzipSync } from 'node:zlib';
import { quantizedModelFiles, type DtypeAssignment } from './write-quantized.js';

/**
 * Download size of a model as stock TF.js files: `raw` = model.json + shards, `gzip` = the same files each
 * gzip'd (zlib level 9), which is what a web server with compression sends. Unstructured sparsity only shows
 * up in `gzip` (runs of zero bytes compress); quantization and structured pruning shrink both.
 *
 * @example
 * ```ts
 * const { raw, gzip } = await modelSize(model); // bytes
 * ```
 */
export interface ModelSize {
  raw: number;
  gzip: number;
  /** Stored weight bytes per dtype, e.g. `{ uint8: 51200, float32: 1024 }`. */
  byDtype: Record<string, number>;
}

/**
 * Measures {@link ModelSize} by encoding the model in memory (nothing is written).
 *
 * @example
 * ```ts
 * const size = await modelSize(model, () => 'uint8');
 * ```
 */
export async function modelSize(model: tf.LayersModel, dtypeOf: DtypeAssignment = () => 'float32'): Promise<ModelSize> {
  const { files, weights } = await quantizedModelFiles(model, { dtypeOf });
  const byDtype: Record<string, number> = {};
  for (const w of weights) byDtype[w.dtype] = (byDtype[w.dtype] ?? 0) + w.bytes;
  return { ...downloadSize(files.values()), byDtype };
}

/**
 * Bytes of model files as a browser downloads them: `raw`, and `gzip` = each file gzip'd at zlib level 9 (what a
 * web server with compression sends).
 *
 * @example
 * ```ts
 * const { raw, gzip } = downloadSize([modelJsonBytes, weightsBin]);
 * ```
 */
export function downloadSize(files: Iterable<Uint8Array>): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const bytes of files) {
    raw += bytes.byteLength;
    gzip += gzipSync(bytes, { level: 9 }).byteLength;
  }
  return { raw, gzip };
}
