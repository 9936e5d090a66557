import * as tf from '@tensorflow/tfjs';
import type { PreparedDatasets } from '../data/prepare.js';
import { encoderOutputs } from '../models/outputs.js';
import type { DistillTask, EvalMetricName } from './distill-options.js';
import { agreementMetrics, embeddingAgreement } from '../eval/embedding-metrics.js';
import { evalMetrics, type EvalMetrics } from '../eval/metrics.js';
import { logitsFor } from '../eval/logits-for.js';

/**
 * Student metrics on the validation set: accuracy, teacher accuracy, agreement (argmax match), KL(teacher || student)
 * and macro-F1; for `task: 'embedding'`, the agreement of its vectors with the teacher's (mean cosine, Spearman of
 * pairwise similarities, recall@10; `../eval/embedding-metrics.ts`). The student runs in inference mode.
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
  task: DistillTask = 'classification',
): Promise<EvalMetrics> {
  const { logits, numClasses } = await logitsFor(
    data.validation,
    (ids, typeIds) => tf.tidy(() => encoderOutputs(student, ids, { training: false, typeIds }).logits),
    { batchSize, padding: data.padding },
  );
  if (task === 'embedding') {
    const count = data.validation.length;
    if (!teacher || count < 2) return { count };
    const a = embeddingAgreement(
      { values: logits, n: count, dim: numClasses },
      { values: teacher.logits, n: count, dim: teacher.numClasses },
    );
    return { count, ...agreementMetrics(a) };
  }
  const labels = data.labeled ? Int32Array.from(data.validation, (e) => e.label ?? -1) : undefined;
  return evalMetrics({ studentLogits: logits, teacherLogits: teacher?.logits, labels, numClasses });
}

/** The value of `name` in `m` (undefined when not measured). */
export function metricValue(m: EvalMetrics, name: EvalMetricName): number | undefined {
  return m[name];
}

/** Whether `value` beats `best` for metric `name` (KL: lower is better; the rest, the embedding metrics too: higher). */
export function isBetter(name: EvalMetricName, value: number, best: number): boolean {
  return name === 'klTeacherStudent' ? value < best : value > best;
}
