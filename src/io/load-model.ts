import type * as tf from '@tensorflow/tfjs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { TfdistillError } from '../errors.js';
import { findReadableDir } from './atomic-dir.js';
import { buildLayersModel } from './build-model.js';
import { validateCheckpointMeta, type CheckpointMeta } from './checkpoint-meta.js';
import { checkModelFiles, MODEL_JSON, readModelArtifacts } from './model-files.js';
import { checkOptimizerFiles, readOptimizerState, type OptimizerState } from './optimizer-files.js';
import { readJsonObject } from './read-json.js';
import { META_JSON } from './save-model.js';
import { DEFAULT_MAX_TOTAL_BYTES } from './validate-manifest.js';
import { checkTopology } from './validate-topology.js';

/**
 * Options for {@link loadModel}.
 */
export interface LoadModelOptions {
  /** Refuse (CHECKPOINT_TOO_LARGE) checkpoints whose weights (model + optimizer) need more bytes; default 2 GiB. */
  maxTotalBytes?: number;
  /** Also load `optimizer/` state, when the checkpoint has it. */
  withOptimizer?: boolean;
  /**
   * Scan the model's weights for NaN/±Inf and refuse (NON_FINITE, naming the weight) a checkpoint holding any.
   * Default true; costs one pass over the weights.
   */
  checkFinite?: boolean;
}

/**
 * What {@link loadModel} returns; the caller owns (and disposes) the model and optimizer tensors.
 *
 * @example
 * ```ts
 * const { model, optimizer }: LoadedCheckpoint = await loadModel(dir, { withOptimizer: true });
 * if (optimizer) await adam.setWeights(optimizer.weights);
 * ```
 */
export interface LoadedCheckpoint {
  model: tf.LayersModel;
  meta: CheckpointMeta;
  /** Present when `withOptimizer` was set and the checkpoint holds optimizer state. */
  optimizer?: OptimizerState;
}

/**
 * Loads a checkpoint written by `saveModel`. Everything is validated before any tensor is allocated:
 * JSON sizes and types, every shard path (inside the directory, symlinks included), each group's byte
 * count against its shapes and dtypes, the total against `maxTotalBytes`, and the topology's graph (see
 * `checkTopology`: no class names from `Object.prototype`, no graph tfjs would loop on forever). Nothing named in
 * the files is evaluated or imported: class names resolve only against classes registered in code. Failures are
 * `TfdistillError` `CHECKPOINT_NOT_FOUND`, `CHECKPOINT_INVALID` or `CHECKPOINT_TOO_LARGE` naming the file, and
 * `NON_FINITE` naming the first weight that holds NaN/±Inf (unless `checkFinite: false`).
 * If a save crashed between its two renames, the previous checkpoint is read from its `.old` sibling.
 *
 * @example
 * ```ts
 * const { model, meta } = await loadModel('runs/student');
 * console.log(meta.labels, meta.training?.step);
 * ```
 */
export async function loadModel(dir: string, opts: LoadModelOptions = {}): Promise<LoadedCheckpoint> {
  const maxTotalBytes = opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  if (!Number.isSafeInteger(maxTotalBytes) || maxTotalBytes < 0) {
    throw new TfdistillError('INVALID_ARGUMENT', `maxTotalBytes must be a non-negative integer, got ${maxTotalBytes}`);
  }
  const root = await checkpointRoot(dir);
  const modelFiles = await checkModelFiles({ root, maxBytes: maxTotalBytes });
  checkTopology(modelFiles.json.modelTopology, modelFiles.file);
  const meta = await readMetaAt(root);
  if (meta.tokenizer !== undefined) await requireFile(path.join(root, META_JSON), root, meta.tokenizer);
  const optimizerFiles = opts.withOptimizer
    ? await checkOptimizerFiles({ root, maxBytes: maxTotalBytes - modelFiles.byteLength })
    : undefined;

  // Validation is done; from here on only I/O races or a topology/weights mismatch can fail.
  const artifacts = await readModelArtifacts(modelFiles);
  const model = await buildLayersModel(artifacts, modelFiles.file, { checkFinite: opts.checkFinite ?? true });
  if (optimizerFiles === undefined) return { model, meta };
  try {
    return { model, meta, optimizer: await readOptimizerState(optimizerFiles) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Reads and validates only `tfdistill.json` of a checkpoint (cheap: no weights are touched).
 *
 * @example
 * ```ts
 * const { labels, tokenizer } = await readCheckpointMeta('runs/student');
 * ```
 */
export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta> {
  return readMetaAt(await checkpointRoot(dir));
}

/**
 * True when `dir` holds a tfdistill checkpoint (model.json and a valid tfdistill.json); does not
 * validate the weights.
 *
 * @example
 * ```ts
 * if (await isCheckpointDir(out)) console.log(`resuming from ${out}`);
 * ```
 */
export async function isCheckpointDir(dir: string): Promise<boolean> {
  try {
    const root = await checkpointRoot(dir);
    await readMetaAt(root);
    return (await stat(path.join(root, MODEL_JSON))).isFile();
  } catch (e) {
    if (e instanceof TfdistillError || (e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** The directory to read: `dir`, or the `.old` sibling a crashed save left (see atomic-dir.ts). */
async function checkpointRoot(dir: string): Promise<string> {
  const root = await findReadableDir(dir);
  if (root === undefined) throw new TfdistillError('CHECKPOINT_NOT_FOUND', `${path.resolve(dir)}: no checkpoint directory`);
  const info = await stat(root);
  if (!info.isDirectory()) throw new TfdistillError('CHECKPOINT_NOT_FOUND', `${root}: not a directory`);
  return root;
}

async function readMetaAt(root: string): Promise<CheckpointMeta> {
  const file = path.join(root, META_JSON);
  try {
    return validateCheckpointMeta(await readJsonObject(file), file);
  } catch (e) {
    if (e instanceof TfdistillError && e.code === 'CHECKPOINT_NOT_FOUND') {
      throw new TfdistillError(
        'CHECKPOINT_INVALID',
        `${file}: missing, so this is not a tfdistill checkpoint`,
        "a plain TF.js model loads with tf.loadLayersModel('file://<dir>/model.json') after registerFileRouter()",
      );
    }
    throw e;
  }
}

/** The file named by tfdistill.json must be a regular file in the checkpoint, also after following symlinks. */
async function requireFile(metaFile: string, root: string, name: string): Promise<void> {
  const file = path.join(root, name);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new TfdistillError('CHECKPOINT_INVALID', `${metaFile}: names tokenizer "${name}" but that file is missing`);
  const [real, rootReal] = await Promise.all([realpath(file), realpath(root)]);
  if (!real.startsWith(rootReal + path.sep)) {
    throw new TfdistillError(
      'CHECKPOINT_INVALID',
      `${metaFile}: tokenizer "${name}" is a symlink that resolves outside the checkpoint directory (${real})`,
    );
  }
}
