/**
 * The options the commands share, defined once so that every command reads its model, writes its output and names
 * its data the same way: the model is the first positional, output goes to `--out`, and `--force` is needed to
 * replace what is there.
 */
import type { OnnxEmbeddingOptions } from '../models/onnx-session.js';
import type { Options, PositionalOptions } from 'yargs';
import type { DistillRecoveryOptions } from '../compress/recover-with-distill.js';
import { TfdistillError } from '../errors.js';

/** The model a command reads, its first positional: `.positional('model', modelPositional)`. */
export const modelPositional = {
  type: 'string',
  demandOption: true,
  describe: 'Checkpoint directory, or the run directory train wrote (its student/)',
} as const satisfies PositionalOptions;

/** The model positional of the compression commands, which also open checkpoints without a tokenizer. */
export const compressModelPositional = {
  ...modelPositional,
  describe: 'Checkpoint directory (a tokenizer is needed only with --data), TF.js layers-model folder, or the run directory train wrote',
} as const satisfies PositionalOptions;

/** `--force`, for every command that writes: without it an existing output is refused (OUTPUT_EXISTS). */
export const forceOption = {
  force: { type: 'boolean', default: false, describe: 'Replace an existing --out' },
} satisfies Record<string, Options>;

/** `--out` (required; `what` says what is written there) and `--force`. */
export function outputOptions(what: string) {
  return { out: { type: 'string', demandOption: true, describe: what }, ...forceOption } as const satisfies Record<string, Options>;
}

/** Parses a comma-separated list of numbers (`--batch-sizes 1,8,32`, `--schedule 0.3,0.5`); the library checks the values. */
export function commaNumbers(value: string | string[]): number[] {
  return String(value)
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number);
}

/** Where the text is in CSV/JSONL input (commands that read texts, labelled or not). */
export const textColumnOptions = {
  'text-column': { type: 'string', default: 'text', describe: 'Column (CSV) or field (JSONL) holding the text' },
  'text-pair-column': { type: 'string', describe: 'Column holding the second text of sentence pairs (default: single texts)' },
} satisfies Record<string, Options>;

/** Where text and label are in a labelled CSV/JSONL file. */
export const columnOptions = {
  ...textColumnOptions,
  'label-column': { type: 'string', default: 'label', describe: 'Column holding the label (class name or integer id)' },
} satisfies Record<string, Options>;

/** Options shared by commands that read a labelled CSV/JSONL file for training. */
export const dataOptions = {
  ...columnOptions,
  'on-bad-row': { choices: ['error', 'skip'] as const, default: 'error' as const, describe: 'Stop at a bad row, or skip and count it' },
} satisfies Record<string, Options>;

/** The backend option every compute command takes. */
export const backendOption = {
  backend: {
    choices: ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const,
    default: 'auto' as const,
    describe: 'Compute backend (auto: tfjs-node-gpu > tfjs-node > wasm > cpu)',
  },
  threads: { type: 'number', describe: 'wasm only: matmul threads, 1-8 (pays on an idle multi-core machine; default 1)' },
} satisfies Record<string, Options>;

/** Data-parallel replicas for the commands that train (see `DistillOptions.runtime.replicas`). */
export const replicasOption = {
  replicas: {
    type: 'string',
    describe: "wasm/cpu: data-parallel replicas, this thread + N-1 workers (a number, or 'auto' = one per core, the default)",
    // A non-number stays a string, so distill's validation names what was typed.
    coerce: (v: unknown) =>
      (v === undefined || v === 'auto' || v === '' || Number.isNaN(Number(v)) ? v : Number(v)) as number | 'auto' | undefined,
  },
} satisfies Record<string, Options>;

/** How an ONNX teacher runs (every command that takes --teacher). */
export const teacherRuntimeOptions = {
  'teacher-threads': { type: 'number', describe: "ONNX teacher: ONNX Runtime intra-op threads (default: the machine's cores)" },
} satisfies Record<string, Options>;

/** How an embedding student's ONNX teacher gives its vectors (`train`, `eval`); read by {@link teacherEmbeddingSettings}. */
export const teacherEmbeddingOptions = {
  'teacher-output': {
    type: 'string',
    describe:
      "With --task embedding (or an embedding student): an ONNX teacher's output holding its vectors (default sentence_embedding, else last_hidden_state)",
  },
  'teacher-pooling': { choices: ['mean', 'cls'] as const, describe: "Pooling of an ONNX teacher's token states (default mean)" },
  'teacher-normalize': { type: 'boolean', describe: "L2-normalise an ONNX teacher's vectors (default false; match the model card)" },
} satisfies Record<string, Options>;

/**
 * The ONNX embedding settings {@link teacherEmbeddingOptions} gave, or undefined when none was given.
 *
 * @example
 * ```ts
 * await evaluate(args.model, args.data, { teacher: args.teacher, teacherEmbedding: teacherEmbeddingSettings(args) });
 * ```
 */
export function teacherEmbeddingSettings(a: {
  teacherOutput?: string;
  teacherPooling?: 'mean' | 'cls';
  teacherNormalize?: boolean;
}): OnnxEmbeddingOptions | undefined {
  if (a.teacherOutput === undefined && a.teacherPooling === undefined && a.teacherNormalize === undefined) return undefined;
  return { output: a.teacherOutput, pooling: a.teacherPooling, normalize: a.teacherNormalize };
}

/** Recovery fine-tuning after pruning (`prune`, `optimize`); read by {@link recoverySettings}. */
export const recoveryOptions = {
  'recover-with-distill': { type: 'boolean', default: false, describe: 'Fine-tune by distillation after each pruning step' },
  'recover-data': { type: 'string', describe: "Training CSV/JSONL for recovery (and optimize full's distillation; default --data)" },
  'recover-epochs': { type: 'number', default: 1, describe: 'Epochs of each recovery run' },
} satisfies Record<string, Options>;

/**
 * The recovery settings shared by `prune` and `optimize`: `--recover-with-distill` fine-tunes by distillation
 * from `--teacher` (default: the unpruned checkpoint itself) on `--recover-data` (default `--data`).
 *
 * @example
 * ```ts
 * const settings = recoverySettings({ checkpoint: 'runs/student', recoverWithDistill: true, data: 'train.csv', out: 'p' });
 * ```
 */
export function recoverySettings(args: {
  checkpoint: string;
  recoverWithDistill?: boolean;
  teacher?: string;
  data?: string;
  recoverData?: string;
  recoverEpochs?: number;
  out: string;
}): DistillRecoveryOptions | undefined {
  if (!args.recoverWithDistill) return undefined;
  const data = args.recoverData ?? args.data;
  if (!data) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      '--recover-with-distill needs training data',
      'pass --data train.csv (or --recover-data train.csv)',
    );
  }
  // Temporary run directories go inside the output directory and are removed after each recovery.
  return { teacher: args.teacher ?? args.checkpoint, data, epochs: args.recoverEpochs ?? 1, workDir: args.out };
}
