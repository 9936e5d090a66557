/**
 * The teacher `evaluate` compares a student with: a classifier checkpoint (run like the student) or an ONNX export
 * (run by ONNX Runtime), each reading the data with its own tokenizer.
 */
import type { OnnxEmbeddingOptions } from '../models/onnx-session.js';
import { tokenizeRecord } from '../data/prepare.js';
import type { Example, TextRecord } from '../data/types.js';
import { TfdistillError } from '../errors.js';
import { findHfExport } from '../io/hf-export.js';
import { teacherLogitsFor } from './logits-for.js';
import { resolveOnnxTeacher } from '../io/resolve-onnx-teacher.js';
import { resolveClassifier, type ClassifierSource, type ResolvedClassifier } from './classifier-source.js';
import { predictLogits } from './predict-logits.js';

/**
 * Rows to evaluate: text records (each model tokenizes them itself) or examples tokenized by the caller.
 */
export type EvalRows = { kind: 'examples'; examples: readonly Example[] } | { kind: 'records'; records: readonly TextRecord[] };

/**
 * A resolved evaluation teacher.
 *
 * @example
 * ```ts
 * const t = await resolveEvalTeacher('hf-onnx/', {});
 * try { const logits = await t.logits(rows, { batchSize: 32 }); } finally { await t.release(); }
 * ```
 */
export interface EvalTeacher {
  /** Logits [rows, classes], row-major. */
  logits(rows: EvalRows, opts: { batchSize: number }): Promise<Float32Array>;
  release(): void | Promise<void>;
}

/**
 * The number of rows in `rows`.
 *
 * @example
 * ```ts
 * rowCount({ kind: 'examples', examples }); // examples.length
 * ```
 */
export function rowCount(rows: EvalRows): number {
  return rows.kind === 'examples' ? rows.examples.length : rows.records.length;
}

/**
 * Tokenizes text records (single texts or pairs) with a checkpoint's tokenizer; examples pass through.
 *
 * @example
 * ```ts
 * const examples = toExamples(rows, await resolveClassifier('student/'));
 * ```
 */
export function toExamples(data: EvalRows, model: Pick<ResolvedClassifier, 'tokenizer' | 'maxLength'>): Example[] {
  if (data.kind === 'examples') return [...data.examples];
  const { tokenizer, maxLength } = model;
  if (!tokenizer || maxLength === undefined) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      'text data needs a checkpoint with a tokenizer',
      'pass a checkpoint directory (or loadClassifier result), or pre-tokenized examples',
    );
  }
  return data.records.map((r, index) => ({ ...tokenizeRecord(tokenizer, r, maxLength), index }));
}

/** Longest input an ONNX teacher is given when its config names none: BERT-family models take 512 positions. */
const ONNX_MAX_LENGTH = 512;

/**
 * Resolves the teacher of an evaluation: an ONNX export (folder or `.onnx`) through onnxruntime-node, anything else as
 * a classifier checkpoint.
 *
 * @example
 * ```ts
 * const teacher = await resolveEvalTeacher('teacher/', {});
 * ```
 */
export async function resolveEvalTeacher(
  source: ClassifierSource,
  opts: { threads?: number; embedding?: OnnxEmbeddingOptions },
): Promise<EvalTeacher> {
  const hf = typeof source === 'string' ? await findHfExport(source) : undefined;
  if (!hf) {
    const c = await resolveClassifier(source);
    return { logits: (rows, o) => predictLogits(c.model, toExamples(rows, c), o), release: () => c.release() };
  }
  const t = await resolveOnnxTeacher(hf, { threads: opts.threads, embedding: opts.embedding });
  const maxLength = Math.min(t.maxLength ?? ONNX_MAX_LENGTH, ONNX_MAX_LENGTH);
  return {
    async logits(rows, o) {
      if (rows.kind === 'examples') {
        throw new TfdistillError('INVALID_ARGUMENT', 'an ONNX teacher reads text with its own tokenizer; give text records, not token ids');
      }
      const examples = toExamples(rows, { tokenizer: t.tokenizer, maxLength });
      const out = await teacherLogitsFor(examples, t.teacher, o.batchSize, { padId: t.tokenizer!.padId });
      return out!.logits;
    },
    release: () => t.dispose(),
  };
}
