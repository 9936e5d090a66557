import * as tf from '@tensorflow/tfjs';
import { AsyncLocalStorage } from 'node:async_hooks';
import { TfdistillError } from '../errors.js';

/** Options for {@link buildLayersModel}. */
export interface BuildModelOptions {
  /** Scan every decoded weight for NaN/±Inf and refuse the checkpoint naming the first bad weight. */
  checkFinite?: boolean;
}

/**
 * Builds a `tf.LayersModel` from validated artifacts, doing what `tf.loadLayersModel` does but owning
 * every tensor: if the topology and the weights disagree (a missing, extra or misshapen weight), the
 * half-built model and the decoded weights are disposed before the error is thrown. (tfjs's own loader
 * leaks both in that case.) The price: layer initialisers run once before the weights overwrite them, so
 * each weight the topology creates is checked against what the manifest holds before it is allocated: a
 * topology asking for a 10^12-element embedding is refused, not initialised.
 *
 * @example
 * ```ts
 * const model = await buildLayersModel(await readModelArtifacts(checked), checked.file, { checkFinite: true });
 * ```
 */
export async function buildLayersModel(
  artifacts: tf.io.ModelArtifacts,
  file: string,
  opts: BuildModelOptions = {},
): Promise<tf.LayersModel> {
  const fail = (e: unknown) =>
    e instanceof TfdistillError
      ? e
      : new TfdistillError('CHECKPOINT_INVALID', `${file}: TF.js could not build the model (${(e as Error)?.message ?? String(e)})`);
  const specs = artifacts.weightSpecs ?? [];
  const guard: WeightGuard = { file, bytesLeft: decodedBytes(specs), created: [] };
  let model: tf.LayersModel;
  try {
    installWeightGuard();
    // Validated upstream: modelTopology is a JSON object; tfjs types it as its own Keras JSON type.
    model = await activeGuard.run(guard, () =>
      tf.models.modelFromJSON({ modelTopology: artifacts.modelTopology as tf.ModelAndWeightsConfig['modelTopology'] }),
    );
  } catch (e) {
    // tfjs does not clean up the layers it built before failing; the guard saw every variable they made.
    disposeAll(guard.created);
    throw fail(e);
  }
  // A layer listed in the topology but not connected to the outputs was built, yet the model does not own (or
  // dispose) it: free its variables now, or every load of such a file leaks them.
  const owned = new Set<unknown>(model.weights);
  disposeAll(guard.created.filter((v) => !owned.has(v)));
  try {
    if (artifacts.trainingConfig != null)
      model.loadTrainingConfig(artifacts.trainingConfig as Parameters<tf.LayersModel['loadTrainingConfig']>[0]);
    if (artifacts.userDefinedMetadata != null) model.setUserDefinedMetadata(artifacts.userDefinedMetadata);
    const decoded = tf.io.decodeWeights(artifacts.weightData ?? [], specs);
    try {
      if (opts.checkFinite) requireFinite(decoded, specs, file);
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
    disposeAll(guard.created);
    throw fail(e);
  }
  return model;
}

/** Disposes layer variables, skipping ones already freed (tfjs's LayerVariable.dispose throws on a second call). */
function disposeAll(variables: Array<{ dispose(): void }>): void {
  for (const v of variables) {
    try {
      v.dispose();
    } catch {
      // already disposed by model.dispose()
    }
  }
}

/** NON_FINITE naming the first weight (in manifest order) that holds a NaN or ±Inf, with the element's flat index. */
function requireFinite(decoded: tf.NamedTensorMap, specs: tf.io.WeightsManifestEntry[], file: string): void {
  for (const spec of specs) {
    const t = decoded[spec.name];
    if (t === undefined || t.dtype !== 'float32') continue;
    const values = t.dataSync();
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new TfdistillError(
          'NON_FINITE',
          `${file}: weight "${spec.name}" holds ${values[i]} at flat index ${i}`,
          'the checkpoint was saved after training diverged, or it is corrupt; load an earlier checkpoint',
        );
      }
    }
  }
}

/** Bytes the decoded weights occupy (4 per element; bool weights are rare and counting them as 4 only loosens the cap). */
function decodedBytes(specs: tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
}

interface WeightGuard {
  file: string;
  /** Bytes the topology may still create: the manifest's weights, which strict loading requires to match. */
  bytesLeft: number;
  created: Array<{ dispose(): void }>;
}

/** The build in progress in this async context, if any (loads may run concurrently). */
const activeGuard = new AsyncLocalStorage<WeightGuard>();
let guardInstalled = false;

/**
 * Wraps `tf.layers.Layer.prototype.addWeight` (every tfjs and tfdistill layer creates its variables through it) so
 * that, inside {@link buildLayersModel}, a weight larger than the manifest's remaining bytes is refused before its
 * initialiser allocates it. Outside a build the wrapper only forwards.
 */
function installWeightGuard(): void {
  if (guardInstalled) return;
  guardInstalled = true;
  type AddWeight = (this: tf.layers.Layer, name: string, shape: tf.Shape, ...rest: unknown[]) => { dispose(): void };
  const proto = tf.layers.Layer.prototype as unknown as { addWeight: AddWeight };
  const original = proto.addWeight;
  proto.addWeight = function guardedAddWeight(this: tf.layers.Layer, name, shape, ...rest) {
    const guard = activeGuard.getStore();
    if (guard !== undefined) {
      let bytes = 4;
      for (const d of shape) bytes *= d ?? 1;
      if (!(bytes <= guard.bytesLeft)) {
        throw new TfdistillError(
          'CHECKPOINT_INVALID',
          `${guard.file}: the topology creates weight "${name}" with shape ${JSON.stringify(shape)} (${bytes} bytes), ` +
            `more than the weights in the manifest hold (${guard.bytesLeft} bytes left); refusing to allocate it`,
        );
      }
      guard.bytesLeft -= bytes;
    }
    const variable = original.call(this, name, shape, ...rest);
    guard?.created.push(variable);
    return variable;
  };
}
