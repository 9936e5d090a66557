import type * as tf from '@tensorflow/tfjs';

/**
 * What an encoder (teacher or student) produces for one batch. Keys mirror TextBrewer's adaptor keys.
 * Shapes: `logits` [batch, classes] (classification) or [batch, seq, classes] (token task);
 * `hidden[i]` [batch, seq, dModel] is block i's output; `attention[i]` [batch, heads, seq, seq] is
 * block i's attention probabilities.
 */
export interface EncoderOutputs {
  logits: tf.Tensor;
  hidden?: tf.Tensor3D[];
  attention?: tf.Tensor4D[];
}

/**
 * Anything the training loop can distill from. Adapters exist for tfdistill encoders, any `tf.LayersModel`, any
 * `tf.GraphModel`, ONNX models (`loadOnnxTeacher`) and tables of precomputed logits.
 * `inputIds` is int32 [batch, seq], padded with the teacher tokenizer's pad id; `attentionMask` is int32 [batch, seq]
 * with 1 for real tokens (from the row lengths); `tokenTypeIds` is int32 [batch, seq] (0 = first text, 1 = second)
 * for sentence pairs. `predict` must run in inference mode (no dropout) and never update weights.
 *
 * `predict` may return a Promise (a teacher that runs outside TF.js, as ONNX Runtime does); mark such a teacher
 * `async: true`. tfdistill then computes its logits ahead of each training step, on the host, so the next batch's
 * teacher pass overlaps the student's step. TF.js teachers stay synchronous and never read back from the device.
 *
 * @example
 * ```ts
 * const teacher: Teacher = { predict: (ids) => ({ logits: myModel.predict(ids) as tf.Tensor2D }) };
 * ```
 */
export interface Teacher {
  predict(inputIds: tf.Tensor2D, attentionMask?: tf.Tensor2D, tokenTypeIds?: tf.Tensor2D): EncoderOutputs | Promise<EncoderOutputs>;
  /** True when `predict` returns a Promise. */
  readonly async?: boolean;
  /** Class names in logit order, when the teacher knows them (a Hugging Face model's `id2label`). */
  readonly labels?: readonly string[];
}

/**
 * A teacher that runs in TF.js and answers synchronously (every adapter tfdistill builds over a TF.js model).
 *
 * @example
 * ```ts
 * const t: SyncTeacher = teacherFromEncoder(model);
 * const { logits } = t.predict(ids); // no await
 * ```
 */
export interface SyncTeacher extends Teacher {
  predict(inputIds: tf.Tensor2D, attentionMask?: tf.Tensor2D, tokenTypeIds?: tf.Tensor2D): EncoderOutputs;
  readonly async?: false;
}

/**
 * Where a teacher comes from: a path (tfdistill checkpoint, run directory, Hugging Face ONNX export folder, `.onnx`,
 * `model.json`), a TF.js model, or a {@link Teacher}. Omit it in `distill()` to distill from teacher logits stored in
 * the data (`teacherLogitsColumn`).
 */
export type TeacherSource = string | tf.LayersModel | tf.GraphModel | Teacher;
