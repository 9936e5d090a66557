import * as tf from '@tensorflow/tfjs';

/**
 * A layers model's artifacts (topology, weight specs, weight data) in memory, via `model.save` with a capturing
 * handler: what `tf.loadLayersModel(tf.io.fromMemory(...))` rebuilds it from, and the source of every file format
 * tfdistill writes.
 *
 * @example
 * ```ts
 * const artifacts = await captureArtifacts(student);
 * const copy = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
 * ```
 */
export async function captureArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return captured!;
}
