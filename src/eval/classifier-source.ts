/**
 * Evaluation, benchmarking and prediction accept a model three ways: a checkpoint directory (loaded and disposed by
 * us), an already loaded {@link ClassifierCheckpoint}, or a bare `tf.LayersModel` (no tokenizer, no label names).
 * This file turns all three into one shape and remembers who owns the model.
 */
import type { Pca } from '../data/pca.js';
import * as tf from '@tensorflow/tfjs';
import '../models/register.js';
import { loadClassifier, type ClassifierCheckpoint } from '../io/classifier-checkpoint.js';
import type { TextTokenizer } from '../data/types.js';
import { numClassesOf } from './predict-logits.js';

/**
 * A model given by path, as a loaded checkpoint, or as a bare model.
 *
 * @example
 * ```ts
 * const a: ClassifierSource = 'student/';
 * const b: ClassifierSource = await loadClassifier('student/');
 * const c: ClassifierSource = createEncoder(options);
 * ```
 */
export type ClassifierSource = string | ClassifierCheckpoint | tf.LayersModel;

/**
 * A resolved {@link ClassifierSource}. `release()` disposes the model only when it was loaded here.
 *
 * @example
 * ```ts
 * const c = await resolveClassifier('student/');
 * try { console.log(c.labels); } finally { c.release(); }
 * ```
 */
export interface ResolvedClassifier {
  model: tf.LayersModel;
  /** Class names; `'0'`, `'1'`, ... for a bare model. */
  labels: string[];
  tokenizer?: TextTokenizer;
  maxLength?: number;
  /** Checkpoint directory, when there is one (for size on disk). */
  dir?: string;
  /** 'embedding' for a model that outputs sentence vectors (its `labels` are empty); absent for a classifier. */
  task?: 'embedding';
  /** An embedding checkpoint's target space, when it was trained on PCA-reduced teacher vectors. */
  pca?: Pca;
  release(): void;
}

/**
 * Loads or wraps a {@link ClassifierSource}.
 *
 * @example
 * ```ts
 * const { model, tokenizer, labels, release } = await resolveClassifier('student/');
 * ```
 */
export async function resolveClassifier(source: ClassifierSource): Promise<ResolvedClassifier> {
  if (typeof source === 'string') {
    const ckpt = await loadClassifier(source);
    return { ...fromCheckpoint(ckpt), release: () => ckpt.model.dispose() };
  }
  if (source instanceof tf.LayersModel) {
    const classes = numClassesOf(source);
    return { model: source, labels: Array.from({ length: classes }, (_, i) => String(i)), release: () => {} };
  }
  return { ...fromCheckpoint(source), release: () => {} };
}

function fromCheckpoint(c: ClassifierCheckpoint): Omit<ResolvedClassifier, 'release'> {
  return {
    model: c.model,
    labels: c.labels,
    tokenizer: c.tokenizer,
    maxLength: c.maxLength,
    dir: c.dir,
    ...(c.task === 'embedding' ? { task: c.task } : {}),
    ...(c.pca ? { pca: c.pca } : {}),
  };
}
