import type * as tf from '@tensorflow/tfjs';

/**
 * A teacher's logits cut down to its k largest classes, so cached teacher outputs stay small
 * (k values per row instead of the whole vocabulary). Produced by {@link topK}.
 * Shapes: `values` float32 [...lead, k] sorted descending, `indices` int32 [...lead, k], distinct
 * within a row, where `lead` is [batch] or [batch, seq] - the student logits' leading dims.
 *
 * @example
 * ```ts
 * const cached: TopKLogits = topK(teacherLogits, 20); // { values: [batch, 20], indices: [batch, 20] }
 * ```
 */
// A type alias, not an interface, so `tf.dispose(cached)` accepts it as a TensorContainer.
export type TopKLogits = {
  values: tf.Tensor;
  indices: tf.Tensor;
};

/**
 * Teacher logits as accepted by every logit loss: dense [...lead, classes] or {@link TopKLogits}.
 *
 * @example
 * ```ts
 * const t: TeacherLogits = useCache ? topK(dense, 20) : dense;
 * ```
 */
export type TeacherLogits = tf.Tensor | TopKLogits;

/**
 * How a {@link TopKLogits} teacher's probability mass outside its k classes is reconstructed.
 * - `'renormalize'`: p = softmax(values / T) over the k kept classes, exactly 0 on every other
 *   class. The student is pulled towards the k classes only and is free elsewhere (the KL sums
 *   over the k classes). Sharper than the real teacher.
 * - `'uniform'`: every one of the C - k missing classes is given the logit min(values), the largest
 *   value it can have, and the teacher is softmax over all C logits at T. The k kept classes keep
 *   their relative odds and the remaining mass (C - k) e^{min/T} / Z is spread evenly over the
 *   others. An upper bound on the true tail mass; exact when the tail is flat at min(values).
 * Both equal the dense loss when k = C.
 *
 * @example
 * ```ts
 * softTargetKL(student, topK(teacher, 20), { temperature: 4, topKMode: 'uniform' });
 * ```
 */
export type TopKMode = 'renormalize' | 'uniform';
