import type * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TfdistillError } from '../errors.js';
import { loadTokenizer } from '../data/tokenizer/tokenizer-files.js';
import type { TextTokenizer } from '../data/types.js';
import { encoderPadId } from '../models/inputs.js';
import { loadModel, type LoadModelOptions } from './load-model.js';
import { saveModel, type SaveModelOptions } from './save-model.js';
import type { CheckpointMeta, CheckpointTask } from './checkpoint-meta.js';
import { PCA_FILE, pcaFromJson, type Pca } from '../data/pca.js';

/** File name of the tokenizer inside a checkpoint. */
export const TOKENIZER_JSON = 'tokenizer.json';

/** A text classifier checkpoint: the model plus everything needed to turn text into predictions. */
export interface ClassifierCheckpoint {
  model: tf.LayersModel;
  meta: CheckpointMeta;
  tokenizer: TextTokenizer;
  /** Class names; index = class id (empty for an embedding model). */
  labels: string[];
  /** 'embedding' when the model outputs sentence vectors (then `labels` is empty). */
  task: CheckpointTask;
  /** An embedding student's target space, when it was trained on PCA-reduced teacher vectors (`embedding-pca.json`). */
  pca?: Pca;
  /** Longest token sequence the model accepts. */
  maxLength: number;
  dir: string;
}

/**
 * Saves a text classifier as a checkpoint: the model (stock TF.js format), `tokenizer.json`, and the labels and
 * model config in `tfdistill.json`. Atomic like {@link saveModel}.
 *
 * @example
 * ```ts
 * await saveClassifier(student, 'student/', { tokenizer, labels: ['ham', 'spam'], modelConfig: options });
 * ```
 */
export async function saveClassifier(
  model: tf.LayersModel,
  dir: string,
  opts: { tokenizer: TextTokenizer; labels: string[]; modelConfig?: object; task?: CheckpointTask } & SaveModelOptions,
): Promise<void> {
  const { tokenizer, labels, modelConfig, task, ...rest } = opts;
  await saveModel(model, dir, {
    ...rest,
    meta: {
      ...rest.meta,
      labels,
      ...(task === 'embedding' ? { task } : {}),
      tokenizer: TOKENIZER_JSON,
      ...(modelConfig ? { modelConfig: modelConfig as Record<string, unknown> } : {}),
    },
    files: { ...rest.files, [TOKENIZER_JSON]: JSON.stringify(tokenizer.toJSON()) },
  });
}

/**
 * Loads a text classifier checkpoint written by `distill`, `train-teacher` or {@link saveClassifier}, validating it
 * like {@link loadModel}. A run directory (`distill`'s `out`) stands for its exported `student/`. Fails with
 * `CHECKPOINT_INVALID` when the tokenizer or labels are missing.
 *
 * @example
 * ```ts
 * const { model, tokenizer, labels, maxLength } = await loadClassifier('student/');
 * ```
 */
export async function loadClassifier(dirOrRun: string, opts: LoadModelOptions = {}): Promise<ClassifierCheckpoint> {
  const dir = await resolveCheckpointDir(dirOrRun);
  const { model, meta } = await loadModel(dir, opts);
  try {
    if (!meta.tokenizer) {
      throw new TfdistillError(
        'CHECKPOINT_INVALID',
        `${dir} has no tokenizer (tfdistill.json names none)`,
        'pass a tokenizer.json explicitly or use a checkpoint written by tfdistill',
      );
    }
    const labels = meta.labels ?? [];
    const task = meta.task ?? 'classification';
    const classes = model.outputs[0].shape.at(-1);
    if (task === 'classification' && (labels.length === 0 || (typeof classes === 'number' && classes !== labels.length))) {
      throw new TfdistillError(
        'CHECKPOINT_INVALID',
        `${dir}: tfdistill.json lists ${labels.length} labels but the model has ${classes} outputs`,
      );
    }
    const tokenizer = await loadTokenizer(path.join(dir, meta.tokenizer));
    // A tfdistill encoder records the pad id it masks; a tokenizer that pads with another id would feed it padding.
    const isEncoder = model.layers.some((l) => l.getClassName() === 'TfdEmbedding');
    if (isEncoder && encoderPadId(model) !== tokenizer.padId) {
      throw new TfdistillError(
        'CHECKPOINT_INVALID',
        `${dir}: the model masks padding id ${encoderPadId(model)} but ${meta.tokenizer} pads with id ${tokenizer.padId}`,
        'keep the tokenizer.json the model was trained with',
      );
    }
    const fromConfig = Number(meta.modelConfig?.maxLength);
    const fromInput = model.inputs[0].shape[1];
    const maxLength = Number.isInteger(fromConfig) && fromConfig > 0 ? fromConfig : typeof fromInput === 'number' ? fromInput : 512;
    const pcaText = task === 'embedding' ? await fs.readFile(path.join(dir, PCA_FILE), 'utf8').catch(() => undefined) : undefined;
    const pca = pcaText === undefined ? undefined : pcaFromJson(pcaText, path.join(dir, PCA_FILE));
    return { model, meta, tokenizer, labels, task, maxLength, dir, ...(pca ? { pca } : {}) };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** Where a training run directory holds its model, in the order looked at: `train`'s student, `train-teacher`'s teacher. */
export const RUN_EXPORT_DIRS = ['student', 'teacher'] as const;

/**
 * The checkpoint directory that `dir` stands for: `dir` itself when it holds a `model.json`, else `dir/student` (or
 * `dir/teacher`, from `train-teacher`) when `dir` is a training run directory (`distill`'s `out`). Anything else is returned unchanged (loading then reports
 * what is missing).
 *
 * @example
 * ```ts
 * await resolveCheckpointDir('runs/demo'); // 'runs/demo/student'
 * ```
 */
export async function resolveCheckpointDir(dir: string): Promise<string> {
  const exists = (p: string) =>
    fs.stat(p).then(
      (s) => s.isFile(),
      () => false,
    );
  if (await exists(path.join(dir, 'model.json'))) return dir;
  for (const inside of RUN_EXPORT_DIRS) {
    if (await exists(path.join(dir, inside, 'model.json'))) return path.join(dir, inside);
  }
  return dir;
}
