import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { TfdistillError } from '../errors.js';
import { isPlainObject, readJsonObject } from './read-json.js';
import { encodeGroup, readGroup } from './shards.js';
import { checkWeightsManifest, type CheckedGroup } from './validate-manifest.js';

/** Optimizer state lives in this subdirectory, with its own manifest. */
export const OPTIMIZER_DIR = 'optimizer';
export const OPTIMIZER_JSON = 'weights.json';
const OPTIMIZER_FORMAT = 'tfdistill-optimizer';

/**
 * A named tensor, as `optimizer.getWeights()` returns them (tfjs-core's NamedTensor, not re-exported by tfjs).
 *
 * @example
 * ```ts
 * const w: NamedTensor = { name: 'iter', tensor: tf.scalar(10, 'int32') };
 * ```
 */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * An optimizer's identity and state tensors (e.g. Adam's `iter`, `.../m`, `.../v`).
 *
 * @example
 * ```ts
 * const state: OptimizerState = { name: 'adam', config: adam.getConfig(), weights: await adam.getWeights() };
 * ```
 */
export interface OptimizerState {
  /** e.g. 'adam', as `optimizer.getClassName()` or the training code names it. */
  name: string;
  /** JSON-serialisable constructor options, e.g. `optimizer.getConfig()`. */
  config: object;
  /** State tensors in the order `optimizer.getWeights()` returns them. */
  weights: NamedTensor[];
}

/**
 * Encodes optimizer state as `optimizer/weights.json` plus `optimizer/group1-shardNofM.bin`, always in
 * full precision so a resumed run continues bit-identically. Returns checkpoint-relative path -> bytes.
 *
 * @example
 * ```ts
 * const files = await optimizerFiles({ name: 'adam', config: opt.getConfig(), weights: await opt.getWeights() });
 * ```
 */
export async function optimizerFiles(state: OptimizerState, shardBytes?: number): Promise<Map<string, Uint8Array>> {
  if (typeof state.name !== 'string' || !isPlainObject(state.config)) {
    throw new TfdistillError('INVALID_ARGUMENT', 'optimizer must be { name: string, config: object, weights: NamedTensor[] }');
  }
  const { data, specs } = await tf.io.encodeWeights(state.weights, 'optimizer');
  const group = encodeGroup({ specs, data, shardBytes });
  const json = { format: OPTIMIZER_FORMAT, name: state.name, config: state.config, weightsManifest: [group.manifest] };
  const files = new Map<string, Uint8Array>([[`${OPTIMIZER_DIR}/${OPTIMIZER_JSON}`, new TextEncoder().encode(JSON.stringify(json))]]);
  for (const [name, bytes] of group.shards) files.set(`${OPTIMIZER_DIR}/${name}`, bytes);
  return files;
}

/** optimizer/weights.json after validation. */
export interface CheckedOptimizerFiles {
  name: string;
  config: object;
  groups: CheckedGroup[];
  byteLength: number;
}

/**
 * Validates `<root>/optimizer/weights.json` and its shards (which must stay inside `optimizer/`);
 * `undefined` when the checkpoint has no optimizer state.
 *
 * @example
 * ```ts
 * const opt = await checkOptimizerFiles({ root: 'ckpt', maxBytes: 2 ** 31 });
 * ```
 */
export async function checkOptimizerFiles(opts: { root: string; maxBytes: number }): Promise<CheckedOptimizerFiles | undefined> {
  const dir = path.join(opts.root, OPTIMIZER_DIR);
  const file = path.join(dir, OPTIMIZER_JSON);
  let json: Record<string, unknown>;
  try {
    json = await readJsonObject(file);
  } catch (e) {
    if (e instanceof TfdistillError && e.code === 'CHECKPOINT_NOT_FOUND') return undefined;
    throw e;
  }
  if (json.format !== OPTIMIZER_FORMAT || typeof json.name !== 'string' || !isPlainObject(json.config)) {
    throw new TfdistillError('CHECKPOINT_INVALID', `${file}: expected { format: "${OPTIMIZER_FORMAT}", name, config, weightsManifest }`);
  }
  const groups = await checkWeightsManifest({ manifest: json.weightsManifest, manifestFile: file, root: dir, maxBytes: opts.maxBytes });
  return { name: json.name, config: json.config, groups, byteLength: groups.reduce((n, g) => n + g.byteLength, 0) };
}

/**
 * Reads and decodes checked optimizer state into tensors (the caller owns and disposes them).
 *
 * @example
 * ```ts
 * const state = await readOptimizerState(checked);
 * await optimizer.setWeights(state.weights);
 * ```
 */
export async function readOptimizerState(checked: CheckedOptimizerFiles): Promise<OptimizerState> {
  const buffers: ArrayBuffer[] = [];
  for (const group of checked.groups) buffers.push(...(await readGroup(group)));
  const specs = checked.groups.flatMap((g) => g.weights);
  const byName = tf.io.decodeWeights(buffers, specs);
  return { name: checked.name, config: checked.config, weights: specs.map((s) => ({ name: s.name, tensor: byName[s.name] })) };
}
