import type { Options } from 'yargs';
import type { DistillRecoveryOptions } from '../compress/index.js';
import { TfdistillError } from '../errors.js';

/** Options shared by commands that read a labelled CSV/JSONL file. */
export const dataOptions = {
  'text-column': { type: 'string', default: 'text', describe: 'Column holding the text' },
  'text-pair-column': { type: 'string', describe: 'Column holding the second text of sentence pairs (default: single texts)' },
  'label-column': { type: 'string', default: 'label', describe: 'Column holding the label (class name or integer id)' },
  'on-bad-row': { choices: ['error', 'skip'] as const, default: 'error' as const, describe: 'Stop at a bad row, or skip and count it' },
} satisfies Record<string, Options>;

/** The backend option every compute command takes. */
export const backendOption = {
  backend: { choices: ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const, default: 'auto' as const,
    describe: 'Compute backend (auto: tfjs-node-gpu > tfjs-node > wasm > cpu)' },
  threads: { type: 'number', describe: 'wasm only: matmul threads, 1-8 (pays on an idle multi-core machine; default 1)' },
} satisfies Record<string, Options>;

/** Data-parallel replicas for the commands that train (see `DistillOptions.replicas`). */
export const replicasOption = {
  replicas: { type: 'string', describe: "wasm/cpu: data-parallel replicas, this thread + N-1 workers (a number or 'auto' = one per core; default 1)",
    // A non-number stays a string, so distill's validation names what was typed.
    coerce: (v: unknown) => (v === undefined || v === 'auto' || v === '' || Number.isNaN(Number(v)) ? v : Number(v)) as number | 'auto' | undefined },
} satisfies Record<string, Options>;

/** How an ONNX teacher runs (every command that takes --teacher). */
export const teacherRuntimeOptions = {
  'teacher-threads': { type: 'number', describe: 'ONNX teacher: ONNX Runtime intra-op threads (default: the machine\'s cores)' },
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
  checkpoint: string; recoverWithDistill?: boolean; teacher?: string; data?: string; recoverData?: string;
  recoverEpochs?: number; out: string;
}): DistillRecoveryOptions | undefined {
  if (!args.recoverWithDistill) return undefined;
  const data = args.recoverData ?? args.data;
  if (!data) {
    throw new TfdistillError('INVALID_ARGUMENT', '--recover-with-distill needs training data',
      'pass --data train.csv (or --recover-data train.csv)');
  }
  // Temporary run directories go inside the output directory and are removed after each recovery.
  return { teacher: args.teacher ?? args.checkpoint, data, epochs: args.recoverEpochs ?? 1, workDir: args.out };
}
