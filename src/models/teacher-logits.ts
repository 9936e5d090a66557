import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import type { Teacher } from './types.js';

/**
 * Runs a teacher on a block of padded ids (inference, inside `tf.tidy`) and downloads its logits [rows, classes];
 * throws `SHAPE_MISMATCH` unless the teacher gives one logit vector per row.
 *
 * @example
 * ```ts
 * const { values, classes } = teacherLogitsOf(teacher, ids, 32, 128); // values.length === 32 * classes
 * ```
 */
export function teacherLogitsOf(teacher: Teacher, inputIds: Int32Array, rows: number, seqLength: number): { values: Float32Array; classes: number } {
  return tf.tidy(() => {
    const out = teacher.predict(tf.tensor2d(inputIds, [rows, seqLength], 'int32')).logits;
    if (out.rank !== 2 || out.shape[0] !== rows) {
      throw new TfdistillError('SHAPE_MISMATCH', `teacher logits have shape [${out.shape}], expected [${rows}, classes]`,
        'the teacher cache stores one logit vector per example (sequence classification)');
    }
    return { values: Float32Array.from(out.toFloat().dataSync()), classes: out.shape[1] as number };
  });
}
