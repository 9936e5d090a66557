import * as tf from '@tensorflow/tfjs';
import { assertFloatWeights } from '../models/layers/weights.js';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { TfdistillError } from '../errors.js';
import { loadClassifier, resolveCheckpointDir, RUN_EXPORT_DIRS } from '../io/classifier-checkpoint.js';
import { fileSystemHandler } from '../io/file-router.js';
import { isCheckpointDir, loadModel, readCheckpointMeta } from '../io/load-model.js';
import type { TextTokenizer } from '../data/types.js';
import { TfdEmbedding } from '../models/layers/embedding.js';
import '../models/register.js';

/**
 * What the compression functions accept: a checkpoint directory, or an in-memory model (then pass `tokenizer`
 * and `labels` in the options to save a loadable classifier).
 */
export type ModelSource = string | tf.LayersModel;

/**
 * A model opened for compression. `owned` models were loaded here and are disposed by the caller of
 * {@link openSource} when it is done; a model the user passed in is never disposed.
 *
 * @example
 * ```ts
 * const src = await openSource('runs/student');
 * try { ... } finally { if (src.owned) src.model.dispose(); }
 * ```
 */
export interface OpenedSource {
  model: tf.LayersModel;
  tokenizer?: TextTokenizer;
  labels?: string[];
  maxLength?: number;
  modelConfig?: Record<string, unknown>;
  owned: boolean;
}

/**
 * Loads a checkpoint directory (a tfdistill checkpoint, with or without a tokenizer, or a plain TF.js layers-model
 * folder), or the one a training run directory exported (see `resolveCheckpointDir`), or wraps an in-memory model.
 * A directory holding no model is refused (`CHECKPOINT_INVALID`), naming where a model.json was looked for, and an
 * int8 model (`quantize --dtype int8` output: inference only) with `INVALID_ARGUMENT`, saying what was being done
 * (`doing`).
 *
 * @example
 * ```ts
 * const { model, tokenizer, labels } = await openSource('runs/student');
 * ```
 */
export async function openSource(
  source: ModelSource,
  extra: { tokenizer?: TextTokenizer; labels?: string[] } = {},
  doing = 'compress',
): Promise<OpenedSource> {
  const opened = await open(source, extra);
  try {
    assertFloatWeights(opened.model, doing);
  } catch (error) {
    if (opened.owned) opened.model.dispose();
    throw error;
  }
  return opened;
}

async function open(source: ModelSource, extra: { tokenizer?: TextTokenizer; labels?: string[] }): Promise<OpenedSource> {
  if (typeof source !== 'string') {
    if (!(source instanceof tf.LayersModel)) {
      throw new TfdistillError('INVALID_ARGUMENT', 'source must be a checkpoint directory or a tf.LayersModel');
    }
    return { model: source, tokenizer: extra.tokenizer, labels: extra.labels, owned: false };
  }
  // A training run directory (train's `out`) stands for the model it exported, as everywhere a model is read.
  const dir = await resolveCheckpointDir(source);
  if (await isCheckpointDir(dir)) {
    const meta = await readCheckpointMeta(dir);
    // A classifier checkpoint brings its tokenizer; one saved without (saveModel) is compressed all the same, and
    // needs a tokenizer only when evaluation data come as a file (see resolveData).
    if (!meta.tokenizer) {
      const { model } = await loadModel(dir);
      return { model, labels: meta.labels, modelConfig: meta.modelConfig, maxLength: embeddingMaxLength(model), owned: true };
    }
    const ckpt = await loadClassifier(dir);
    // A checkpoint without modelConfig (e.g. a student distill trained as a given model) reports a generic limit.
    const limit = embeddingMaxLength(ckpt.model);
    return {
      model: ckpt.model,
      tokenizer: ckpt.tokenizer,
      labels: ckpt.labels,
      maxLength: limit === undefined ? ckpt.maxLength : Math.min(limit, ckpt.maxLength),
      modelConfig: ckpt.meta.modelConfig,
      owned: true,
    };
  }
  const modelJson = path.join(dir, 'model.json');
  if (
    !(await stat(modelJson).then(
      (s) => s.isFile(),
      () => false,
    ))
  )
    throw await noModelError(source);
  // A plain TF.js layers model (tfjs-converter or model.save output): no labels, no tokenizer.
  const model = await tf.loadLayersModel(fileSystemHandler(modelJson)).catch((e: Error) => {
    throw new TfdistillError('CHECKPOINT_INVALID', `${modelJson} is not a loadable TF.js layers model: ${e.message.split('\n')[0]}`);
  });
  return { model, maxLength: embeddingMaxLength(model), owned: true };
}

/** What {@link openSource} says about a path that holds no model: what it looked for, and where. */
async function noModelError(source: string): Promise<TfdistillError> {
  const where = path.resolve(source);
  const info = await stat(source).catch(() => undefined);
  if (!info?.isDirectory()) {
    return new TfdistillError(
      'CHECKPOINT_NOT_FOUND',
      `${where}: ${info ? 'a file, not a directory' : 'no such directory'}`,
      'pass a checkpoint directory or the run directory train wrote',
    );
  }
  const inside = RUN_EXPORT_DIRS.map((d) => `${d}/`).join(' or ');
  return new TfdistillError(
    'CHECKPOINT_INVALID',
    `${where} is not a tfdistill checkpoint, a TF.js layers-model folder or a training run directory: no model.json in it, nor in its ${inside}`,
    'pass the directory train or train-teacher wrote (or its student/), or a folder holding a TF.js model.json',
  );
}

/**
 * The sequence limit of a tfdistill encoder (its position table), if it has one.
 *
 * @example
 * ```ts
 * embeddingMaxLength(model); // 64
 * ```
 */
export function embeddingMaxLength(model: tf.LayersModel): number | undefined {
  const embedding = model.layers.find((l) => l instanceof TfdEmbedding) as TfdEmbedding | undefined;
  return embedding?.embeddingConfig.maxLength;
}
