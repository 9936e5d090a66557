import type * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import { TfdDense } from './layers/dense.js';
import { TfdEmbedding } from './layers/embedding.js';
import { TfdEncoderBlock } from './layers/encoder-block.js';
import { TfdLayerNorm } from './layers/layer-norm.js';

/**
 * The named pieces of a tfdistill encoder (built by createEncoder or loaded from disk).
 *
 * @example
 * ```ts
 * encoderParts(model).head.units; // numClasses
 * ```
 */
export interface EncoderParts {
  embedding: TfdEmbedding;
  /** Block used by each of the numLayers layers (the same instance repeats when layers are shared). */
  layers: TfdEncoderBlock[];
  /** Distinct blocks, in order. */
  blocks: TfdEncoderBlock[];
  finalNorm?: TfdLayerNorm;
  head: TfdDense;
}

const blockIndex = (name: string) => Number(/(\d+)$/.exec(name)?.[1] ?? 0);

/**
 * Finds the embedding, blocks, final norm and head of a tfdistill encoder by their layer names.
 *
 * @example
 * ```ts
 * const { embedding, layers } = encoderParts(student); // layers.length === numLayers
 * ```
 */
export function encoderParts(model: tf.LayersModel): EncoderParts {
  const find = (name: string) => model.layers.find((l) => l.name === name);
  const embedding = find('embeddings');
  const head = find('logits');
  if (!(embedding instanceof TfdEmbedding) || !(head instanceof TfdDense)) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `model '${model.name}' is not a tfdistill encoder (no 'embeddings'/'logits' layers)`,
      'build it with createEncoder',
    );
  }
  const blocks = model.layers
    .filter((l): l is TfdEncoderBlock => l instanceof TfdEncoderBlock)
    .sort((a, b) => blockIndex(a.name) - blockIndex(b.name));
  // createEncoder applies shared blocks to consecutive layers, so repeating each by its use count
  // reproduces the layer order.
  const layers = blocks.flatMap((b) => Array.from({ length: b.inboundNodes.length }, () => b));
  const norm = find('final_norm');
  return { embedding, layers, blocks, head, finalNorm: norm instanceof TfdLayerNorm ? norm : undefined };
}
