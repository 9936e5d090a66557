import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';

/**
 * Builds a `tf.LayersModel` from validated artifacts, doing what `tf.loadLayersModel` does but owning
 * every tensor: if the topology and the weights disagree (a missing, extra or misshapen weight), the
 * half-built model and the decoded weights are disposed before the error is thrown. (tfjs's own loader
 * leaks both in that case.) The price: layer initialisers run once before the weights overwrite them.
 *
 * @example
 * ```ts
 * const model = await buildLayersModel(await readModelArtifacts(checked), checked.file);
 * ```
 */
export async function buildLayersModel(artifacts: tf.io.ModelArtifacts, file: string): Promise<tf.LayersModel> {
  const fail = (e: unknown) => new TfdistillError('CHECKPOINT_INVALID', `${file}: TF.js could not build the model (${(e as Error).message})`);
  let model: tf.LayersModel;
  try {
    // Validated upstream: modelTopology is a JSON object; tfjs types it as its own Keras JSON type.
    model = await tf.models.modelFromJSON({ modelTopology: artifacts.modelTopology as tf.ModelAndWeightsConfig['modelTopology'] });
  } catch (e) {
    throw fail(e);
  }
  try {
    if (artifacts.trainingConfig != null) model.loadTrainingConfig(artifacts.trainingConfig as Parameters<tf.LayersModel['loadTrainingConfig']>[0]);
    if (artifacts.userDefinedMetadata != null) model.setUserDefinedMetadata(artifacts.userDefinedMetadata);
    const specs = artifacts.weightSpecs ?? [];
    const decoded = tf.io.decodeWeights(artifacts.weightData ?? [], specs);
    try {
      const modelWeights: tf.NamedTensorMap = {};
      const optimizerWeights: Array<{ name: string; tensor: tf.Tensor }> = [];
      for (const spec of specs) {
        if (spec.group === 'optimizer') optimizerWeights.push({ name: spec.name, tensor: decoded[spec.name] });
        else modelWeights[spec.name] = decoded[spec.name];
      }
      model.loadWeights(modelWeights, true);
      if (model.optimizer != null && optimizerWeights.length > 0) await model.optimizer.setWeights(optimizerWeights);
    } finally {
      tf.dispose(Object.values(decoded));
    }
  } catch (e) {
    model.dispose();
    throw fail(e);
  }
  return model;
}
