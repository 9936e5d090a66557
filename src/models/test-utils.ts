import * as tf from '@tensorflow/tfjs';
import type { EncoderOptions } from './options.js';
import type { EncoderOutputs } from './types.js';

/**
 * Shared fixtures for the models tests (not exported from the package).
 *
 * @example
 * ```ts
 * const model = createEncoder({ ...tinyOptions, seed: 1 });
 * ```
 */
export const tinyOptions: EncoderOptions = {
  vocabSize: 40, maxLength: 12, dModel: 16, numLayers: 2, numHeads: 2, ffnDim: 32, numClasses: 3, dropout: 0.1,
};

/**
 * int32 ids [rows.length, seq] with each row right-padded with zeros.
 *
 * @example
 * ```ts
 * padIds([[5, 6], [7]], 4); // [[5, 6, 0, 0], [7, 0, 0, 0]]
 * ```
 */
export function padIds(rows: number[][], seq: number): tf.Tensor2D {
  return tf.tensor2d(rows.map((r) => [...r, ...new Array<number>(seq - r.length).fill(0)]), [rows.length, seq], 'int32');
}

/**
 * Disposes every tensor of an EncoderOutputs.
 *
 * @example
 * ```ts
 * disposeOutputs(encoderOutputs(model, ids, { training: false }));
 * ```
 */
export function disposeOutputs(out: EncoderOutputs): void {
  tf.dispose([out.logits, ...(out.hidden ?? []), ...(out.attention ?? [])]);
}
