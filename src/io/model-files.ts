import type * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { TfdistillError } from '../errors.js';
import { isPlainObject, preview, readJsonObject } from './read-json.js';
import { encodeGroup, readGroup } from './shards.js';
import { checkWeightsManifest, type CheckedGroup } from './validate-manifest.js';

/** The stock TF.js file names a checkpoint keeps. */
export const MODEL_JSON = 'model.json';

/** Options for {@link modelFilesFromArtifacts}. */
export interface ModelFilesOptions {
  shardBytes?: number;
  weightDtype?: 'float32' | 'float16';
}

/**
 * Lays out `model.save()` artifacts as stock TF.js files: `model.json` (modelTopology, format
 * 'layers-model', weightsManifest) and its `group1-shardNofM.bin` shards. Returns relative path -> bytes.
 *
 * @example
 * ```ts
 * let files!: Map<string, Uint8Array>;
 * await model.save(tf.io.withSaveHandler(async (a) => { files = modelFilesFromArtifacts(a); return ok(a); }));
 * ```
 */
export function modelFilesFromArtifacts(artifacts: tf.io.ModelArtifacts, opts: ModelFilesOptions = {}): Map<string, Uint8Array> {
  if (!isPlainObject(artifacts.modelTopology)) {
    throw new TfdistillError('INVALID_ARGUMENT', 'only layers models with a JSON topology can be saved as a checkpoint');
  }
  const group = encodeGroup({
    specs: artifacts.weightSpecs ?? [],
    data: artifacts.weightData ?? new ArrayBuffer(0),
    shardBytes: opts.shardBytes,
    weightDtype: opts.weightDtype,
  });
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [group.manifest],
  };
  if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  const files = new Map<string, Uint8Array>([[MODEL_JSON, new TextEncoder().encode(JSON.stringify(modelJson))]]);
  for (const [name, bytes] of group.shards) files.set(name, bytes);
  return files;
}

/** A model.json that passed validation, with its shard groups located and sized. */
export interface CheckedModelFiles {
  file: string;
  json: Record<string, unknown>;
  groups: CheckedGroup[];
  /** Decoded-weight bytes the groups need. */
  byteLength: number;
}

/**
 * Reads and validates `<root>/model.json` and its shards without reading any shard: size-limited
 * JSON, a `modelTopology` object, format 'layers-model' (or absent, as in old Keras exports) and a
 * valid weightsManifest (see {@link checkWeightsManifest}).
 *
 * @example
 * ```ts
 * const checked = await checkModelFiles({ root: 'ckpt', maxBytes: 2 ** 31 });
 * ```
 */
export async function checkModelFiles(opts: { root: string; maxBytes: number; modelJson?: string }): Promise<CheckedModelFiles> {
  const file = path.join(opts.root, opts.modelJson ?? MODEL_JSON);
  const json = await readJsonObject(file);
  if (!isPlainObject(json.modelTopology)) {
    throw new TfdistillError('CHECKPOINT_INVALID', `${file}: "modelTopology" must be an object`);
  }
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new TfdistillError('CHECKPOINT_INVALID', `${file}: format ${preview(json.format)} is not "layers-model"`);
  }
  const groups = await checkWeightsManifest({
    manifest: json.weightsManifest ?? [],
    manifestFile: file,
    root: opts.root,
    maxBytes: opts.maxBytes,
  });
  return { file, json, groups, byteLength: groups.reduce((n, g) => n + g.byteLength, 0) };
}

/**
 * Reads the shards of checked model files into the `ModelArtifacts` that `tf.io.fromMemory` and
 * `tf.loadLayersModel` take (weight data as one ArrayBuffer per shard, in manifest order).
 *
 * @example
 * ```ts
 * const model = await tf.loadLayersModel(tf.io.fromMemory(await readModelArtifacts(checked)));
 * ```
 */
export async function readModelArtifacts(checked: CheckedModelFiles): Promise<tf.io.ModelArtifacts> {
  const json = checked.json as unknown as tf.io.ModelJSON;
  const weightData: ArrayBuffer[] = [];
  for (const group of checked.groups) weightData.push(...(await readGroup(group)));
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    weightSpecs: checked.groups.flatMap((g) => g.weights),
    weightData,
  };
  if (json.trainingConfig != null) artifacts.trainingConfig = json.trainingConfig;
  if (json.userDefinedMetadata != null) artifacts.userDefinedMetadata = json.userDefinedMetadata;
  return artifacts;
}
