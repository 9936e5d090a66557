import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { TfdistillError } from '../errors.js';
import { isPlainObject, readJsonObject } from './read-json.js';
import { readGroup } from './shards.js';
import { checkWeightsManifest, DEFAULT_MAX_TOTAL_BYTES } from './validate-manifest.js';

/**
 * Loads a TF.js graph model (`tensorflowjs_converter --output_format=tfjs_graph_model` output: `model.json` with
 * `format: 'graph-model'` and its shards) from disk, with the same untrusted-input checks as checkpoints: size-limited
 * JSON, every shard path inside the model's directory, shard sizes equal to what the specs need, a total-size cap.
 *
 * @example
 * ```ts
 * const graph = await loadGraphModelFile('teacher_tfjs/model.json');
 * ```
 */
export async function loadGraphModelFile(modelJson: string, opts: { maxTotalBytes?: number } = {}): Promise<tf.GraphModel> {
  const json = await readJsonObject(modelJson);
  if (json.format !== 'graph-model' && !(isPlainObject(json.modelTopology) && Array.isArray(json.modelTopology.node))) {
    throw new TfdistillError('CHECKPOINT_INVALID', `${modelJson} is not a TF.js graph model (format ${JSON.stringify(json.format)})`);
  }
  const groups = await checkWeightsManifest({
    manifest: json.weightsManifest ?? [],
    manifestFile: modelJson,
    root: path.dirname(modelJson),
    maxBytes: opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES,
  });
  const buffers = (await Promise.all(groups.map(readGroup))).flat();
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    format: 'graph-model',
    weightSpecs: groups.flatMap((g) => g.weights),
    weightData: weightData.buffer,
    ...(isPlainObject(json.signature) ? { signature: json.signature } : {}),
    ...(isPlainObject(json.userDefinedMetadata) ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
  } as tf.io.ModelArtifacts;
  try {
    return await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw new TfdistillError('CHECKPOINT_INVALID', `${modelJson}: TF.js could not build the graph model: ${(e as Error).message}`);
  }
}
