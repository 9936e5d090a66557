import { TfdistillError } from '../errors.js';
import { version as tfdistillVersion } from '../version.js';
import { isPlainObject, preview } from './read-json.js';

/**
 * The `format` tag of tfdistill.json.
 *
 * @example
 * ```ts
 * if (json.format !== CHECKPOINT_FORMAT) throw new Error('not a tfdistill checkpoint');
 * ```
 */
export const CHECKPOINT_FORMAT = 'tfdistill-checkpoint';
/**
 * The newest tfdistill.json layout this code reads and the one it writes.
 */
export const CHECKPOINT_FORMAT_VERSION = 1;

/**
 * Where training stood when the checkpoint was written, enough to resume exactly.
 */
export interface TrainingState {
  /** Optimizer steps taken so far. */
  step: number;
  /** Completed epochs. */
  epoch: number;
  /** `Rng.state` of the training loop's generator (shuffles, dropout seeds). */
  rngState: number;
  /** Examples of the current epoch already consumed. */
  dataPosition: number;
  /** Which optimizer, with its hyperparameters (its state tensors live under `optimizer/`). */
  optimizer?: { name: string; hyperparameters: Record<string, unknown> };
}

/**
 * Contents of `tfdistill.json`, written beside model.json in every checkpoint. Everything a stock TF.js
 * user does not need (labels, tokenizer file, training position, metrics) lives here, so model.json stays
 * a plain layers-model file.
 *
 * @example
 * ```ts
 * const meta: CheckpointMeta = {
 *   format: 'tfdistill-checkpoint', formatVersion: 1, tfdistillVersion: '0.1.0',
 *   createdAt: new Date().toISOString(), labels: ['neg', 'pos'], tokenizer: 'tokenizer.json',
 * };
 * ```
 */
/** What a checkpoint's model outputs: class logits, or sentence vectors. */
export type CheckpointTask = 'classification' | 'embedding';

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: typeof CHECKPOINT_FORMAT_VERSION;
  /** tfdistill version that wrote the checkpoint. */
  tfdistillVersion: string;
  /** ISO-8601 time of writing. */
  createdAt: string;
  /** The student's architecture options (e.g. layers, dModel), as the model builder takes them. */
  modelConfig?: Record<string, unknown>;
  /** Plain file name of the tokenizer inside the checkpoint, e.g. 'tokenizer.json'. */
  tokenizer?: string;
  /** Class names, index = logit position (none for an embedding model). */
  labels?: string[];
  /** 'embedding': the model's output is a sentence vector, not class logits (absent: a classifier). */
  task?: CheckpointTask;
  training?: TrainingState;
  /** Final or latest evaluation numbers, e.g. `{ accuracy: 0.91 }`. */
  metrics?: Record<string, number>;
  /** Anything else a caller wants to keep with the checkpoint (JSON-serialisable). */
  extra?: Record<string, unknown>;
}

/**
 * Fills in the fixed fields (format, version, tfdistillVersion, createdAt) around what the caller gave.
 *
 * @example
 * ```ts
 * const meta = buildCheckpointMeta({ labels: ['a', 'b'] }, () => new Date(0));
 * ```
 */
export function buildCheckpointMeta(partial: Partial<CheckpointMeta> = {}, now: () => Date = () => new Date()): CheckpointMeta {
  const meta: CheckpointMeta = {
    ...partial,
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    tfdistillVersion: partial.tfdistillVersion ?? tfdistillVersion,
    createdAt: partial.createdAt ?? now().toISOString(),
  };
  // Validate what we are about to write with the same rules the loader applies.
  return validateCheckpointMeta(JSON.parse(JSON.stringify(meta)), '(tfdistill.json to be written)', 'INVALID_ARGUMENT');
}

/** True for a plain file name ('tokenizer.json'): no directories, not hidden, no odd characters. */
export function isPlainFileName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name) && name.length <= 255;
}

/**
 * Type-checks parsed tfdistill.json content and returns it as a {@link CheckpointMeta}. `file` names the
 * source in messages; `code` is `CHECKPOINT_INVALID` when reading, `INVALID_ARGUMENT` when saving.
 *
 * @example
 * ```ts
 * const meta = validateCheckpointMeta(JSON.parse(text), 'ckpt/tfdistill.json');
 * ```
 */
export function validateCheckpointMeta(
  raw: unknown,
  file: string,
  code: 'CHECKPOINT_INVALID' | 'INVALID_ARGUMENT' = 'CHECKPOINT_INVALID',
): CheckpointMeta {
  const fail = (problem: string, hint?: string) => new TfdistillError(code, `${file}: ${problem}`, hint);
  if (!isPlainObject(raw)) throw fail('expected a JSON object');
  if (raw.format !== CHECKPOINT_FORMAT) throw fail(`"format" must be "${CHECKPOINT_FORMAT}", got ${preview(raw.format)}`);
  if (raw.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw fail(
      `unsupported "formatVersion" ${preview(raw.formatVersion)} (this tfdistill reads ${CHECKPOINT_FORMAT_VERSION})`,
      'a newer tfdistill wrote this checkpoint; upgrade tfdistill',
    );
  }
  if (typeof raw.tfdistillVersion !== 'string') throw fail('"tfdistillVersion" must be a string');
  if (typeof raw.createdAt !== 'string' || Number.isNaN(Date.parse(raw.createdAt))) {
    throw fail('"createdAt" must be an ISO date string');
  }
  if (raw.modelConfig !== undefined && !isPlainObject(raw.modelConfig)) throw fail('"modelConfig" must be an object');
  if (raw.tokenizer !== undefined && (typeof raw.tokenizer !== 'string' || !isPlainFileName(raw.tokenizer))) {
    throw fail(`"tokenizer" must be a plain file name inside the checkpoint, got ${preview(raw.tokenizer)}`);
  }
  if (raw.labels !== undefined && !(Array.isArray(raw.labels) && raw.labels.every((l) => typeof l === 'string'))) {
    throw fail('"labels" must be an array of strings');
  }
  if (raw.task !== undefined && raw.task !== 'classification' && raw.task !== 'embedding') {
    throw fail(`"task" must be "classification" or "embedding", got ${preview(raw.task)}`);
  }
  if (raw.training !== undefined) checkTraining(raw.training, fail);
  if (raw.metrics !== undefined) {
    if (!isPlainObject(raw.metrics) || !Object.values(raw.metrics).every((v) => typeof v === 'number')) {
      throw fail('"metrics" must map names to numbers');
    }
  }
  if (raw.extra !== undefined && !isPlainObject(raw.extra)) throw fail('"extra" must be an object');
  return raw as unknown as CheckpointMeta;
}

function checkTraining(t: unknown, fail: (problem: string) => Error): void {
  if (!isPlainObject(t)) throw fail('"training" must be an object');
  for (const key of ['step', 'epoch', 'dataPosition'] as const) {
    if (!Number.isSafeInteger(t[key]) || (t[key] as number) < 0) throw fail(`"training.${key}" must be a non-negative integer`);
  }
  if (!Number.isSafeInteger(t.rngState)) throw fail('"training.rngState" must be an integer (Rng.state)');
  if (t.optimizer !== undefined) {
    const o = t.optimizer;
    if (!isPlainObject(o) || typeof o.name !== 'string' || !isPlainObject(o.hyperparameters)) {
      throw fail('"training.optimizer" must be { name: string, hyperparameters: object }');
    }
  }
}
