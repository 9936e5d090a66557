import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConcreteBackendName } from '../backend/backend-info.js';
import { TfdistillError } from '../errors.js';
import { loadClassifier, saveClassifier } from '../io/classifier-checkpoint.js';
import { distill } from '../train/distill.js';
import type { DataSource, DistillLoggingOptions, DistillOptions, TeacherSource } from '../train/distill-options.js';
import type { RecoverFn } from './prune.js';
import { embeddingMaxLength } from './source.js';

/**
 * Options of {@link distillRecovery} and {@link distillCheckpoint}.
 */
export interface DistillRecoveryOptions {
  /** The teacher: the unpruned checkpoint (self-distillation) or the original teacher. */
  teacher: TeacherSource;
  /** Training data (CSV/JSONL path or records), tokenized with the teacher checkpoint's tokenizer. */
  data: DataSource;
  /** Epochs per recovery. Default 1. */
  epochs?: number;
  /** Cap on optimizer updates per recovery. */
  maxSteps?: number;
  batchSize?: number;
  learningRate?: number;
  /** KD loss settings (temperature, alpha); default distill's. */
  loss?: DistillOptions['loss'];
  /** Where the temporary run directories go (removed afterwards); default the OS temp dir. */
  workDir?: string;
  seed?: number;
  /** Progress output of each distill run; `false` silences it. Default `process.stderr`. */
  progress?: DistillLoggingOptions['progress'];
}

/**
 * A {@link RecoverFn} that fine-tunes the pruned model in place by distillation from `teacher`: one `distill`
 * run per pruning step into a temporary directory (removed after), with the pruning masks re-applied after every
 * optimizer update so pruned weights stay exactly zero. Runs on the current backend.
 *
 * @example
 * ```ts
 * const recover = distillRecovery({ teacher: 'runs/student', data: 'train.csv', epochs: 1 });
 * await prune('runs/student', { sparsity: 0.7, schedule: [0.3, 0.5, 0.7], recover, out: 'runs/pruned' });
 * ```
 */
export function distillRecovery(options: DistillRecoveryOptions): RecoverFn {
  requireEpochs(options.epochs);
  return async (model, { step, masks }) => {
    await withRunDir(options.workDir, `recover-${step}-`, async (out) => {
      // The best/last weights distill leaves in `model` already went through afterUpdate; apply once more for safety.
      await distill(runOptions(options, model, out, () => masks?.apply()));
      masks?.apply();
    });
  };
}

/**
 * Continues distilling a student checkpoint from `teacher` and saves the result as a checkpoint at `outDir`
 * (the first step of `optimize`'s `full` preset).
 *
 * @example
 * ```ts
 * await distillCheckpoint('runs/student', 'runs/student-more', { teacher: 'runs/teacher/student', data: 'train.csv' });
 * ```
 */
export async function distillCheckpoint(checkpointDir: string, outDir: string, options: DistillRecoveryOptions): Promise<void> {
  requireEpochs(options.epochs);
  const { model, meta } = await loadClassifier(checkpointDir);
  try {
    await withRunDir(options.workDir ?? path.dirname(path.resolve(outDir)), 'distill-', async (out) => {
      const result = await distill(runOptions(options, model, out)); // trains `model` in place
      // Saved again (not distill's export) to keep the checkpoint's modelConfig: its maxLength and sizes.
      await saveClassifier(model, outDir, {
        tokenizer: result.tokenizer,
        labels: result.labels,
        modelConfig: meta.modelConfig,
        meta: { metrics: numericMetrics(result.best?.metrics), extra: { distilledFrom: String(options.teacher), steps: result.steps } },
      });
    });
  } finally {
    model.dispose();
  }
}

/** The distill options of one recovery/continuation run. */
function runOptions(options: DistillRecoveryOptions, student: tf.LayersModel, out: string, afterUpdate?: () => void): DistillOptions {
  const maxLength = embeddingMaxLength(student); // do not tokenize longer than the student's position table
  return {
    teacher: options.teacher,
    student,
    train: options.data,
    out,
    seed: options.seed,
    ...(maxLength === undefined ? {} : { data: { maxLength } }),
    loss: options.loss,
    optimizer: options.learningRate === undefined ? undefined : { learningRate: options.learningRate },
    schedule: { epochs: options.epochs ?? 1, maxSteps: options.maxSteps, batchSize: options.batchSize },
    runtime: { backend: currentBackend(), handleSignals: false },
    checkpoints: { force: true },
    logging: { progress: options.progress, callbacks: afterUpdate && { afterUpdate } },
  };
}

/** A fresh run directory under `parent` (default the OS temp dir), removed when `fn` is done. */
async function withRunDir(parent: string | undefined, prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const base = parent ?? tmpdir();
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(path.join(base, `.tfdistill-${prefix}`));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Keep training on the backend the model's variables live on ('auto' could pick another one). */
function currentBackend(): ConcreteBackendName | undefined {
  const name = tf.getBackend();
  return name === 'wasm' || name === 'cpu' || name === 'tensorflow' ? name : undefined;
}

function requireEpochs(epochs: unknown): void {
  if (epochs !== undefined && (!Number.isInteger(epochs) || (epochs as number) < 1)) {
    throw new TfdistillError('INVALID_ARGUMENT', `recovery epochs must be a positive integer, got ${String(epochs)}`);
  }
}

function numericMetrics(m: object | undefined): Record<string, number> | undefined {
  return m && Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
}
