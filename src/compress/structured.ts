import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import { TfdEncoderBlock } from '../models/layers/encoder-block.js';
import { TfdPrunedEncoderBlock } from '../models/layers/pruned-block.js';

/** Weight order shared by `TfdEncoderBlock` (full rank) and `TfdPrunedEncoderBlock`. */
const ORDER = [
  'qkv_kernel',
  'qkv_bias',
  'out_kernel',
  'out_bias',
  'norm1_gamma',
  'norm1_beta',
  'ffn1_kernel',
  'ffn1_bias',
  'ffn2_kernel',
  'ffn2_bias',
  'norm2_gamma',
  'norm2_beta',
] as const;

/**
 * The prunable structure of one encoder block: its heads (width `headDim`) and FFN neurons.
 *
 * @example
 * ```ts
 * encoderBlocks(model).map((b) => `${b.name}: ${b.numHeads} heads, ${b.ffnDim} neurons`);
 * ```
 */
export interface BlockInfo {
  name: string;
  layer: tf.layers.Layer;
  numHeads: number;
  headDim: number;
  ffnDim: number;
  dModel: number;
}

/**
 * The encoder blocks of a tfdistill encoder (original or already pruned), in model order. Low-rank
 * (`attentionRank`) blocks are refused: their heads share factorised projections.
 *
 * @example
 * ```ts
 * const blocks = encoderBlocks(model); // [{ name: 'block_0', numHeads: 2, headDim: 8, ffnDim: 32, ... }]
 * ```
 */
export function encoderBlocks(model: tf.LayersModel): BlockInfo[] {
  const out: BlockInfo[] = [];
  for (const layer of model.layers) {
    if (layer instanceof TfdEncoderBlock) {
      const c = layer.blockConfig;
      if (c.attentionRank !== undefined) {
        throw new TfdistillError(
          'INVALID_ARGUMENT',
          `${layer.name} uses low-rank attention (attentionRank); structured pruning supports full-rank blocks only`,
        );
      }
      out.push({ name: layer.name, layer, numHeads: c.numHeads, headDim: c.dModel / c.numHeads, ffnDim: c.ffnDim, dModel: c.dModel });
    } else if (layer instanceof TfdPrunedEncoderBlock) {
      const c = layer.blockConfig;
      out.push({ name: layer.name, layer, numHeads: c.numHeads, headDim: c.headDim, ffnDim: c.ffnDim, dModel: c.dModel });
    }
  }
  if (out.length === 0) throw new TfdistillError('INVALID_ARGUMENT', 'the model has no tfdistill encoder blocks to prune');
  return out;
}

/** Block weights by name, as host arrays. */
function blockValues(block: BlockInfo): Record<(typeof ORDER)[number], Float32Array> {
  const values = block.layer.getWeights().map((t) => t.dataSync() as Float32Array);
  return Object.fromEntries(ORDER.map((name, i) => [name, values[i]])) as Record<(typeof ORDER)[number], Float32Array>;
}

/** Attention columns (of qkv, [3 * h * k]) belonging to head `head`: its q, k and v slices. */
function headColumns(block: BlockInfo, head: number): number[] {
  const inner = block.numHeads * block.headDim;
  const cols: number[] = [];
  for (let part = 0; part < 3; part++) {
    for (let j = 0; j < block.headDim; j++) cols.push(part * inner + head * block.headDim + j);
  }
  return cols;
}

/**
 * L2 importance of each head (norm of its q/k/v columns, biases and output-projection rows) and each FFN
 * neuron (its ffn1 column, bias and ffn2 row).
 *
 * @example
 * ```ts
 * const { heads, neurons } = l2Importance(encoderBlocks(model)[0]);
 * ```
 */
export function l2Importance(block: BlockInfo): { heads: number[]; neurons: number[] } {
  const w = blockValues(block);
  const d = block.dModel;
  const width = 3 * block.numHeads * block.headDim;
  const heads = Array.from({ length: block.numHeads }, (_, h) => {
    let sum = 0;
    for (const c of headColumns(block, h)) {
      for (let r = 0; r < d; r++) sum += w.qkv_kernel[r * width + c] ** 2;
      sum += w.qkv_bias[c] ** 2;
    }
    for (let r = h * block.headDim; r < (h + 1) * block.headDim; r++) {
      for (let c = 0; c < d; c++) sum += w.out_kernel[r * d + c] ** 2;
    }
    return Math.sqrt(sum);
  });
  const f = block.ffnDim;
  const neurons = Array.from({ length: f }, (_, j) => {
    let sum = w.ffn1_bias[j] ** 2;
    for (let r = 0; r < d; r++) sum += w.ffn1_kernel[r * f + j] ** 2;
    for (let c = 0; c < d; c++) sum += w.ffn2_kernel[j * d + c] ** 2;
    return Math.sqrt(sum);
  });
  return { heads, neurons };
}

/**
 * Which heads and neurons each block keeps (sorted indices).
 */
export type StructuredPlan = Record<string, { heads: number[]; neurons: number[] }>;

/**
 * Keeps the `keep` highest scores (ties: lower index first); returns the kept indices in ascending order.
 *
 * @example
 * ```ts
 * topIndices([0.1, 0.9, 0.5], 2); // [1, 2]
 * ```
 */
export function topIndices(scores: readonly number[], keep: number): number[] {
  return scores
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, keep)
    .map((x) => x.i)
    .sort((a, b) => a - b);
}

/**
 * Builds the smaller dense model a {@link StructuredPlan} describes: the topology is the original's with each
 * planned block's config shrunk (a `TfdPrunedEncoderBlock` when heads were removed, a plain `TfdEncoderBlock`
 * with a smaller ffnDim when only neurons were), then the kept slices are copied in. Every other layer's
 * weights are copied as they are. The input model is untouched.
 *
 * @example
 * ```ts
 * const small = await applyStructuredPlan(model, { block_0: { heads: [0], neurons: [0, 1, 2] } });
 * ```
 */
export async function applyStructuredPlan(model: tf.LayersModel, plan: StructuredPlan): Promise<tf.LayersModel> {
  const blocks = new Map(encoderBlocks(model).map((b) => [b.name, b]));
  const topology = model.toJSON(null, false) as unknown as {
    config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> };
  };
  for (const entry of topology.config.layers) {
    const keep = plan[entry.config.name as string];
    const block = blocks.get(entry.config.name as string);
    if (!keep || !block) continue;
    if (keep.heads.length < 1 || keep.neurons.length < 1) {
      throw new TfdistillError('INVALID_ARGUMENT', `${block.name}: a block must keep at least one head and one FFN neuron`);
    }
    const c = entry.config;
    c.ffnDim = keep.neurons.length;
    if (keep.heads.length !== block.numHeads || entry.class_name === TfdPrunedEncoderBlock.className) {
      entry.class_name = TfdPrunedEncoderBlock.className;
      c.numHeads = keep.heads.length;
      c.headDim = block.headDim;
      delete c.seed;
    }
  }
  const pruned = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.ModelAndWeightsConfig['modelTopology'] });
  for (const layer of pruned.layers) {
    const source = model.getLayer(layer.name);
    const block = blocks.get(layer.name);
    const keep = plan[layer.name];
    if (!block || !keep) {
      if (source.weights.length > 0) layer.setWeights(source.getWeights());
      continue;
    }
    const sliced = sliceBlock(block, keep);
    layer.setWeights(sliced);
    tf.dispose(sliced);
  }
  return pruned;
}

/** The kept slices of a block's weights, in {@link ORDER}. */
function sliceBlock(block: BlockInfo, keep: { heads: number[]; neurons: number[] }): tf.Tensor[] {
  const w = block.layer.getWeights();
  const at = (name: (typeof ORDER)[number]) => w[ORDER.indexOf(name)];
  const qkvCols = [0, 1, 2].flatMap((part) =>
    keep.heads.flatMap((h) =>
      Array.from({ length: block.headDim }, (_, j) => part * block.numHeads * block.headDim + h * block.headDim + j),
    ),
  );
  const outRows = keep.heads.flatMap((h) => Array.from({ length: block.headDim }, (_, j) => h * block.headDim + j));
  return tf.tidy(() => {
    const cols = tf.tensor1d(qkvCols, 'int32');
    const rows = tf.tensor1d(outRows, 'int32');
    const neurons = tf.tensor1d(keep.neurons, 'int32');
    return [
      tf.gather(at('qkv_kernel'), cols, 1),
      tf.gather(at('qkv_bias'), cols),
      tf.gather(at('out_kernel'), rows, 0),
      tf.clone(at('out_bias')),
      tf.clone(at('norm1_gamma')),
      tf.clone(at('norm1_beta')),
      tf.gather(at('ffn1_kernel'), neurons, 1),
      tf.gather(at('ffn1_bias'), neurons),
      tf.gather(at('ffn2_kernel'), neurons, 0),
      tf.clone(at('ffn2_bias')),
      tf.clone(at('norm2_gamma')),
      tf.clone(at('norm2_beta')),
    ];
  });
}
