import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import type { EncoderOutputs, Teacher } from './types.js';

/** What a teacher is fed besides its ids: the attention mask (from row lengths) and, for pairs, token type ids. */
export interface TeacherExtras {
  /** [rows, seq], 1 = real token. */
  attentionMask?: Int32Array;
  /** [rows, seq], 0 = first text, 1 = second. */
  typeIds?: Int32Array;
}

/**
 * Runs a synchronous (TF.js) teacher on a block of padded ids (inference, inside `tf.tidy`) and downloads its logits
 * [rows, classes]; throws `SHAPE_MISMATCH` unless the teacher gives one logit vector per row. Asynchronous teachers go
 * through {@link teacherLogitsAsync}.
 *
 * @example
 * ```ts
 * const { values, classes } = teacherLogitsOf(teacher, ids, 32, 128); // values.length === 32 * classes
 * ```
 */
export function teacherLogitsOf(teacher: Teacher, inputIds: Int32Array, rows: number, seqLength: number,
  extras: TeacherExtras = {}): { values: Float32Array; classes: number } {
  return tf.tidy(() => {
    const out = teacher.predict(...teacherTensors(inputIds, rows, seqLength, extras));
    if (out instanceof Promise) {
      out.then((o) => disposeOutputs(o), () => undefined);
      throw new TfdistillError('INVALID_ARGUMENT', 'this teacher answers asynchronously; mark it `async: true`');
    }
    return readLogits(out.logits, rows, (t) => t.dataSync() as Float32Array);
  });
}

/**
 * {@link teacherLogitsOf} for any teacher, synchronous or not: awaits an asynchronous one (ONNX Runtime runs on its
 * own threads meanwhile) and reads the logits without blocking.
 *
 * @example
 * ```ts
 * const { values, classes } = await teacherLogitsAsync(onnxTeacher, ids, 64, 40, { attentionMask });
 * ```
 */
export async function teacherLogitsAsync(teacher: Teacher, inputIds: Int32Array, rows: number, seqLength: number,
  extras: TeacherExtras = {}): Promise<{ values: Float32Array; classes: number }> {
  if (!teacher.async) return teacherLogitsOf(teacher, inputIds, rows, seqLength, extras);
  const inputs = teacherTensors(inputIds, rows, seqLength, extras);
  let out: EncoderOutputs;
  try {
    out = await teacher.predict(...inputs);
  } finally {
    tf.dispose(inputs);
  }
  try {
    const values = (await out.logits.data()) as Float32Array;
    return readLogits(out.logits, rows, () => values);
  } finally {
    disposeOutputs(out);
  }
}

function teacherTensors(inputIds: Int32Array, rows: number, seqLength: number, extras: TeacherExtras): [tf.Tensor2D, tf.Tensor2D?, tf.Tensor2D?] {
  const shape: [number, number] = [rows, seqLength];
  return [
    tf.tensor2d(inputIds, shape, 'int32'),
    extras.attentionMask ? tf.tensor2d(extras.attentionMask, shape, 'int32') : undefined,
    extras.typeIds ? tf.tensor2d(extras.typeIds, shape, 'int32') : undefined,
  ];
}

function readLogits(out: tf.Tensor, rows: number, read: (t: tf.Tensor) => Float32Array): { values: Float32Array; classes: number } {
  if (out.rank !== 2 || out.shape[0] !== rows) {
    throw new TfdistillError('SHAPE_MISMATCH', `teacher logits have shape [${out.shape}], expected [${rows}, classes]`,
      'the teacher cache stores one logit vector per example (sequence classification)');
  }
  const values = out.dtype === 'float32' ? read(out) : Float32Array.from(tf.tidy(() => out.toFloat()).dataSync());
  return { values: Float32Array.from(values), classes: out.shape[1] as number };
}

function disposeOutputs(o: EncoderOutputs): void {
  tf.dispose([o.logits, ...(o.hidden ?? []), ...(o.attention ?? [])]);
}
