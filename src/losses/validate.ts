import * as tf from '@tensorflow/tfjs';
import { TfdistillError, require_ } from '../errors.js';
import type { TeacherLogits, TopKLogits } from './types.js';

/**
 * True when `t` is a {@link TopKLogits} rather than a dense tensor.
 *
 * @example
 * ```ts
 * const classes = isTopK(teacher) ? student.shape.at(-1) : teacher.shape.at(-1);
 * ```
 */
export function isTopK(t: TeacherLogits): t is TopKLogits {
  return !(t instanceof tf.Tensor);
}

/**
 * `[2, 3, 4]` for messages.
 *
 * @example
 * ```ts
 * shapeText([2, 3]); // '[2, 3]'
 * ```
 */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Throws SHAPE_MISMATCH unless `actual` equals `expected`.
 *
 * @example
 * ```ts
 * requireShape(labels.shape, [batch], 'labels');
 * ```
 */
export function requireShape(actual: readonly number[], expected: readonly number[], what: string): void {
  if (!sameShape(actual, expected)) {
    throw new TfdistillError('SHAPE_MISMATCH', `${what} has shape ${shapeText(actual)}, expected ${shapeText(expected)}`);
  }
}

/**
 * Temperature must be a finite number > 0 (it divides the logits).
 *
 * @example
 * ```ts
 * requireTemperature(options.temperature);
 * ```
 */
export function requireTemperature(temperature: number): void {
  require_(
    Number.isFinite(temperature) && temperature > 0,
    `temperature must be a finite number > 0, got ${temperature}`,
    'typical values are 1 to 20; Hinton et al. use 2 to 20',
  );
}

/**
 * Float logits of rank 2 ([batch, classes]) or 3 ([batch, seq, classes]).
 *
 * @example
 * ```ts
 * requireLogits(studentLogits, 'student logits');
 * ```
 */
export function requireLogits(logits: tf.Tensor, what: string): void {
  require_(logits instanceof tf.Tensor, `${what} must be a tf.Tensor`);
  require_(logits.dtype === 'float32', `${what} must be float32, got ${logits.dtype}`);
  if (logits.rank !== 2 && logits.rank !== 3) {
    throw new TfdistillError('SHAPE_MISMATCH', `${what} must be [batch, classes] or [batch, seq, classes], got ${shapeText(logits.shape)}`);
  }
}

/**
 * Student logits [...lead, C] against a dense teacher of the same shape, or a top-k teacher whose
 * `values`/`indices` are [...lead, k] with 1 <= k <= C.
 *
 * @example
 * ```ts
 * requireLogitPair(studentLogits, teacherLogits); // dense or top-k
 * ```
 */
export function requireLogitPair(student: tf.Tensor, teacher: TeacherLogits): void {
  requireLogits(student, 'student logits');
  if (!isTopK(teacher)) {
    requireLogits(teacher, 'teacher logits');
    requireShape(teacher.shape, student.shape, 'teacher logits');
    return;
  }
  const { values, indices } = teacher;
  require_(values instanceof tf.Tensor && indices instanceof tf.Tensor, 'top-k teacher needs tensors `values` and `indices`');
  require_(values.dtype === 'float32', `top-k values must be float32, got ${values.dtype}`);
  require_(indices.dtype === 'int32', `top-k indices must be int32, got ${indices.dtype}`);
  const classes = student.shape[student.rank - 1];
  const k = values.shape[values.rank - 1];
  requireShape(values.shape, [...student.shape.slice(0, -1), k], 'top-k teacher values');
  requireShape(indices.shape, values.shape, 'top-k teacher indices');
  if (k < 1 || k > classes) {
    throw new TfdistillError('SHAPE_MISMATCH', `top-k teacher keeps k = ${k} classes, student has ${classes}`);
  }
}

/**
 * A mask is [...lead] (the logits' or tokens' leading dims), any numeric dtype, 1 = real position.
 *
 * @example
 * ```ts
 * requireMask(mask, studentLogits.shape.slice(0, -1));
 * ```
 */
export function requireMask(mask: tf.Tensor | undefined, lead: readonly number[]): void {
  if (mask === undefined) return;
  require_(mask instanceof tf.Tensor, 'mask must be a tf.Tensor');
  requireShape(mask.shape, lead, 'mask');
}
