import * as tf from '@tensorflow/tfjs';
import { TfdDense } from './layers/dense.js';
import { TfdEmbedding } from './layers/embedding.js';
import { TfdEncoderBlock } from './layers/encoder-block.js';
import { TfdIdentity } from './layers/identity.js';
import { TfdLayerNorm } from './layers/layer-norm.js';
import { TfdPooling } from './layers/pooling.js';
import { blockGroups, resolveEncoderOptions, type EncoderOptions } from './options.js';
import { outputName } from './outputs.js';
import './register.js';

/** Layer seeds derived from the model seed, so every layer gets its own initialisation stream. */
function layerSeed(seed: number | undefined, index: number): number | undefined {
  return seed === undefined ? undefined : (seed * 1009 + index * 7919) % 0x7fffffff;
}

/**
 * Builds a transformer encoder as an ordinary, serializable `tf.LayersModel`:
 * `input_ids` [batch, seq] int32 -> token+position embedding -> numLayers blocks -> (pre-LN: final
 * LayerNorm) -> pooling (classification) -> linear head named `logits`.
 * With `typeVocabSize` T > 0 the model has a second input `token_type_ids` int32 [batch, seq] (values in [0, T))
 * and the embedding adds a token type table (`embeddings/token_types` [T, d]), as BERT does for sentence pairs;
 * with T = 0 (default) the model has its single input. Padding is `input_ids == padId` (default 0) in every block
 * and in mean pooling.
 * Outputs, in order: `logits`, then `hidden_0..L-1` (each block's output [batch, seq, d]) if asked, then
 * `attention_0..L-1` ([batch, heads, seq, seq]) if asked; read them with `encoderOutputs` (tfdistill/advanced).
 *
 * Parameter count: (V + maxLength + T) d + B (4d^2 + 2 d f + f + 9d) + [pre-LN: 2d] + d C + C, where
 * B = number of distinct blocks (numLayers, or the group count with shareLayers); with attentionRank r
 * each block has 6dr + d^2 + 2df + f + 9d instead.
 *
 * @example
 * ```ts
 * const student = createEncoder({ ...encoderPresets.studentTiny, vocabSize: 8000, maxLength: 128,
 *   numClasses: 2, seed: 1 });
 * const { logits } = encoderOutputs(student, ids, { training: false }); // [batch, 2]
 * // RoBERTa-style padding and BERT-style sentence pairs: inputs input_ids and token_type_ids
 * const pair = createEncoder({ ...encoderPresets.studentTiny, vocabSize: 8000, maxLength: 128, numClasses: 2,
 *   padId: 1, typeVocabSize: 2 });
 * encoderOutputs(pair, ids, { training: false, typeIds }).logits; // [batch, 2]
 * ```
 */
export function createEncoder(options: EncoderOptions): tf.LayersModel {
  const o = resolveEncoderOptions(options);
  const ids = tf.input({ shape: [null], dtype: 'int32', name: 'input_ids' });
  const inputs = o.typeVocabSize > 0 ? [ids, tf.input({ shape: [null], dtype: 'int32', name: 'token_type_ids' })] : [ids];
  let x = new TfdEmbedding({
    name: 'embeddings',
    vocabSize: o.vocabSize,
    maxLength: o.maxLength,
    dModel: o.dModel,
    dropout: o.dropout,
    typeVocabSize: o.typeVocabSize,
    seed: layerSeed(o.seed, 0),
  }).apply(inputs.length === 1 ? ids : inputs) as tf.SymbolicTensor;

  const groups = blockGroups(o);
  const returnAttention = o.outputs.includes('attention');
  const blocks = Array.from(
    { length: groups },
    (_, g) =>
      new TfdEncoderBlock({
        name: groups === o.numLayers ? `block_${g}` : `shared_block_${g}`,
        dModel: o.dModel,
        numHeads: o.numHeads,
        ffnDim: o.ffnDim,
        dropout: o.dropout,
        activation: o.activation,
        normFirst: o.normFirst,
        attentionRank: o.attentionRank,
        returnAttention,
        layerNormEpsilon: o.layerNormEpsilon,
        padId: o.padId,
        seed: layerSeed(o.seed, 1 + g),
      }),
  );
  const hidden: tf.SymbolicTensor[] = [];
  const attention: tf.SymbolicTensor[] = [];
  for (let i = 0; i < o.numLayers; i++) {
    // Layer i uses group floor(i * groups / L): consecutive layers share a block (ALBERT).
    const out = blocks[Math.floor((i * groups) / o.numLayers)].apply([x, ids]);
    if (returnAttention) {
      [x] = out as tf.SymbolicTensor[];
      attention.push((out as tf.SymbolicTensor[])[1]);
    } else {
      x = out as tf.SymbolicTensor;
    }
    hidden.push(x);
  }

  if (o.normFirst) {
    x = new TfdLayerNorm({ name: 'final_norm', dModel: o.dModel, epsilon: o.layerNormEpsilon }).apply(x) as tf.SymbolicTensor;
  }
  const features =
    o.task === 'classification'
      ? (new TfdPooling({ name: 'pooler', pooling: o.pooling, padId: o.padId }).apply([x, ids]) as tf.SymbolicTensor) // [b, d]
      : x; // [b, s, d]
  const logits = new TfdDense({
    name: outputName('logits', 0),
    inDim: o.dModel,
    units: o.numClasses,
    seed: layerSeed(o.seed, 1 + groups),
  }).apply(features) as tf.SymbolicTensor;

  const mark = (kind: 'hidden' | 'attention', list: tf.SymbolicTensor[]) =>
    list.map((t, i) => new TfdIdentity({ name: outputName(kind, i) }).apply(t) as tf.SymbolicTensor);
  const outputs = [
    logits,
    ...(o.outputs.includes('hidden') ? mark('hidden', hidden) : []),
    ...(returnAttention ? mark('attention', attention) : []),
  ];
  return tf.model({ inputs: inputs.length === 1 ? ids : inputs, outputs, name: o.name });
}
