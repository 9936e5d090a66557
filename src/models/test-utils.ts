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
  vocabSize: 40,
  maxLength: 12,
  dModel: 16,
  numLayers: 2,
  numHeads: 2,
  ffnDim: 32,
  numClasses: 3,
  dropout: 0.1,
};

/**
 * int32 ids [rows.length, seq] with each row right-padded with `padId` (default 0).
 *
 * @example
 * ```ts
 * padIds([[5, 6], [7]], 4); // [[5, 6, 0, 0], [7, 0, 0, 0]]
 * padIds([[5, 6], [7]], 3, 1); // [[5, 6, 1], [7, 1, 1]]
 * ```
 */
export function padIds(rows: number[][], seq: number, padId = 0): tf.Tensor2D {
  return tf.tensor2d(
    rows.map((r) => [...r, ...new Array<number>(seq - r.length).fill(padId)]),
    [rows.length, seq],
    'int32',
  );
}

/**
 * Saves a model to memory and loads it back with stock `tf.loadLayersModel` (layers registered by register.ts).
 * `edit` may rewrite the saved topology first (e.g. to mimic a model.json written by an older tfdistill).
 *
 * @example
 * ```ts
 * const loaded = await roundTrip(model);
 * ```
 */
export async function roundTrip(model: tf.LayersModel, edit?: (topology: object) => void): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const { modelTopology, weightSpecs, weightData } = saved!;
  edit?.(modelTopology as object);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }));
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
