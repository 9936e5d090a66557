import * as tf from '@tensorflow/tfjs';
import type { PreparedDatasets } from '../data/prepare.js';
import type { BatchPadding } from '../data/batching/batch.js';
import type { Example } from '../data/types.js';
import { batchTeacherLogits } from '../data/batching/batch-teacher-logits.js';
import { encoderOutputs } from '../models/outputs.js';
import type { Teacher } from '../models/types.js';
import type { EvalMetricName } from './distill-options.js';
import { evalMetrics, type EvalMetrics } from './eval-metrics.js';
import { batchedLogits, logitsFor } from './logits-for.js';

/**
 * Teacher logits for `examples` as one host array [n, classes]: taken from the examples when they carry them
 * (precomputed or cached), else computed by running the teacher once; undefined without any teacher.
 *
 * @example
 * ```ts
 * const t = await teacherLogitsFor(validation, teacher, 64); // { logits, numClasses }
 * ```
 */
export async function teacherLogitsFor(
  examples: readonly Example[],
  teacher: Teacher | undefined,
  batchSize: number,
  padding: BatchPadding = {},
): Promise<{ logits: Float32Array; numClasses: number } | undefined> {
  const first = examples[0]?.teacherLogits;
  if (first && examples.every((e) => e.teacherLogits)) {
    const out = new Float32Array(examples.length * first.length);
    examples.forEach((e, i) => {
      out.set(e.teacherLogits!, i * first.length);
    });
    return { logits: out, numClasses: first.length };
  }
  if (!teacher) return undefined; // hard-label training: student-only metrics
  return batchedLogits(examples, (batch) => batchTeacherLogits(teacher, batch), { batchSize, padding });
}

/**
 * Student metrics on the validation set: accuracy, teacher accuracy, agreement (argmax match), KL(teacher || student)
 * and macro-F1. The student runs in inference mode.
 *
 * @example
 * ```ts
 * const m = await evaluateStudent(student, data, teacherValidationLogits, 64);
 * ```
 */
export async function evaluateStudent(
  student: tf.LayersModel,
  data: Pick<PreparedDatasets, 'validation' | 'labeled' | 'padding'>,
  teacher: { logits: Float32Array; numClasses: number } | undefined,
  batchSize: number,
): Promise<EvalMetrics> {
  const { logits, numClasses } = await logitsFor(
    data.validation,
    (ids, typeIds) => tf.tidy(() => encoderOutputs(student, ids, { training: false, typeIds }).logits),
    { batchSize, padding: data.padding },
  );
  const labels = data.labeled ? Int32Array.from(data.validation, (e) => e.label ?? -1) : undefined;
  return evalMetrics({ studentLogits: logits, teacherLogits: teacher?.logits, labels, numClasses });
}

/** The value of `name` in `m` (undefined when not measured). */
export function metricValue(m: EvalMetrics, name: EvalMetricName): number | undefined {
  return m[name];
}

/** Whether `value` beats `best` for metric `name` (KL: lower is better; the rest: higher). */
export function isBetter(name: EvalMetricName, value: number, best: number): boolean {
  return name === 'klTeacherStudent' ? value < best : value > best;
}
