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
 * Anything the training loop can distill from. Adapters exist for tfdistill encoders, any
 * `tf.LayersModel`, any `tf.GraphModel` and tables of precomputed logits.
 * `inputIds` is int32 [batch, seq] (0 = padding); `attentionMask` is [batch, seq] with 1 for real tokens.
 * `predict` must run in inference mode (no dropout) and never update weights.
 */
export interface Teacher {
  predict(inputIds: tf.Tensor2D, attentionMask?: tf.Tensor2D): EncoderOutputs;
}
