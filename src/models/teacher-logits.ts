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
export function teacherLogitsOf(
  teacher: Teacher,
  inputIds: Int32Array,
  rows: number,
  seqLength: number,
  extras: TeacherExtras = {},
): { values: Float32Array; classes: number } {
  return tf.tidy(() => {
    const out = teacher.predict(...teacherInputTensors(inputIds, rows, seqLength, extras));
    if (out instanceof Promise) {
      out.then(
        (o) => disposeOutputs(o),
        () => undefined,
      );
      throw new TfdistillError('INVALID_ARGUMENT', 'this teacher answers asynchronously; mark it `async: true`');
    }
    checkLogits(out.logits, rows);
    return { values: Float32Array.from(out.logits.dataSync()), classes: out.logits.shape[1] as number };
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
export async function teacherLogitsAsync(
  teacher: Teacher,
  inputIds: Int32Array,
  rows: number,
  seqLength: number,
  extras: TeacherExtras = {},
): Promise<{ values: Float32Array; classes: number }> {
  if (!teacher.async) return teacherLogitsOf(teacher, inputIds, rows, seqLength, extras);
  const inputs = teacherInputTensors(inputIds, rows, seqLength, extras);
  let out: EncoderOutputs;
  try {
    out = await teacher.predict(...inputs);
  } finally {
    tf.dispose(inputs);
  }
  try {
    checkLogits(out.logits, rows);
    return { values: Float32Array.from(await out.logits.data()), classes: out.logits.shape[1] as number };
  } finally {
    disposeOutputs(out);
  }
}

/**
 * A teacher's `predict` arguments as int32 tensors [rows, seqLength]: ids, and the attention mask and type ids when
 * given. The caller disposes them (or creates them inside `tf.tidy`).
 *
 * @example
 * ```ts
 * const out = tf.tidy(() => teacher.predict(...teacherInputTensors(feed.inputIds, rows, feed.seqLength, feed)));
 * ```
 */
export function teacherInputTensors(
  inputIds: Int32Array,
  rows: number,
  seqLength: number,
  extras: TeacherExtras,
): [tf.Tensor2D, tf.Tensor2D?, tf.Tensor2D?] {
  const shape: [number, number] = [rows, seqLength];
  return [
    tf.tensor2d(inputIds, shape, 'int32'),
    extras.attentionMask ? tf.tensor2d(extras.attentionMask, shape, 'int32') : undefined,
    extras.typeIds ? tf.tensor2d(extras.typeIds, shape, 'int32') : undefined,
  ];
}

function checkLogits(out: tf.Tensor, rows: number): void {
  if (out.rank !== 2 || out.shape[0] !== rows) {
    throw new TfdistillError(
      'SHAPE_MISMATCH',
      `teacher logits have shape [${out.shape}], expected [${rows}, classes]`,
      'the teacher cache stores one logit vector per example (sequence classification)',
    );
  }
}

function disposeOutputs(o: EncoderOutputs): void {
  tf.dispose([o.logits, ...(o.hidden ?? []), ...(o.attention ?? [])]);
}
