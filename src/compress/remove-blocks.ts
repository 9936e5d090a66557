import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import type { EvalSet } from './eval-set.js';
import { predictLogits, qualityOf } from './evaluate.js';
import { encoderBlocks } from './structured.js';

/** A Keras-JSON inbound reference: [layer name, node index, tensor index, kwargs]. */
type InboundRef = [string, number, number, Record<string, unknown>];
interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: InboundRef[][];
}
interface Topology {
  config: { layers: LayerJson[]; output_layers: Array<[string, number, number]> };
}

/**
 * Removes whole encoder blocks: the layer after a removed block reads the block's input instead (the residual
 * stream skips it), every other weight is copied. Blocks applied more than once (ALBERT sharing), blocks that
 * output attention, and blocks whose output is a model output are refused. The input model is untouched.
 *
 * @example
 * ```ts
 * const shallower = await removeBlocks(model, ['block_3']); // 4 blocks -> 3
 * ```
 */
export async function removeBlocks(model: tf.LayersModel, names: readonly string[]): Promise<tf.LayersModel> {
  const blocks = encoderBlocks(model);
  const unknown = names.filter((n) => !blocks.some((b) => b.name === n));
  if (unknown.length > 0) throw new TfdistillError('INVALID_ARGUMENT', `no encoder block named ${unknown.join(', ')}`);
  if (names.length >= blocks.length) throw new TfdistillError('INVALID_ARGUMENT', 'removing every encoder block would leave no encoder');
  const topology = model.toJSON(null, false) as unknown as Topology;
  const removed = new Set(names);
  const replacement = new Map<string, InboundRef>();
  for (const layer of topology.config.layers) {
    const name = layer.config.name as string;
    if (!removed.has(name)) continue;
    if (layer.inbound_nodes.length !== 1 || layer.config.returnAttention === true) {
      throw new TfdistillError('INVALID_ARGUMENT', `${name} is shared or outputs attention; only plain blocks can be removed`);
    }
    const input = layer.inbound_nodes[0][0]; // x [b, s, d]; the second input is the ids
    replacement.set(name, replacement.get(input[0]) ?? input); // consecutive removed blocks chain back
  }
  if (topology.config.output_layers.some(([n]) => removed.has(n))) {
    throw new TfdistillError('INVALID_ARGUMENT', 'a removed block is a model output');
  }
  topology.config.layers = topology.config.layers
    .filter((l) => !removed.has(l.config.name as string))
    .map((l) => ({
      ...l,
      inbound_nodes: l.inbound_nodes.map((node) => node.map((ref) => (replacement.get(ref[0]) ?? ref) as InboundRef)),
    }));
  const smaller = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.ModelAndWeightsConfig['modelTopology'] });
  for (const layer of smaller.layers) {
    const source = model.getLayer(layer.name);
    if (source.weights.length > 0) layer.setWeights(source.getWeights());
  }
  return smaller;
}

/**
 * Importance of each encoder block: KL(model || model without that block) on a calibration set, in nats.
 *
 * @example
 * ```ts
 * const scores = await blockImportance(model, set); // { block_0: 0.41, block_1: 0.02 }
 * ```
 */
export async function blockImportance(model: tf.LayersModel, set: EvalSet): Promise<Record<string, number>> {
  const reference = predictLogits(model, set).logits;
  const scores: Record<string, number> = {};
  for (const block of encoderBlocks(model)) {
    const without = await removeBlocks(model, [block.name]);
    try {
      scores[block.name] = qualityOf(predictLogits(without, set), set, reference).kl ?? 0;
    } finally {
      without.dispose();
    }
  }
  return scores;
}

/**
 * Removes the `count` least important blocks (by {@link blockImportance}; ties: the later block goes first).
 *
 * @example
 * ```ts
 * const { model: shallower, removed } = await removeLeastImportantBlocks(model, 1, set);
 * ```
 */
export async function removeLeastImportantBlocks(
  model: tf.LayersModel,
  count: number,
  set: EvalSet | undefined,
): Promise<{ model: tf.LayersModel; removed: string[]; scores: Record<string, number> }> {
  if (!Number.isInteger(count) || count < 1)
    throw new TfdistillError('INVALID_ARGUMENT', `blocks must be a positive integer, got ${String(count)}`);
  if (!set) throw new TfdistillError('INVALID_ARGUMENT', 'removing blocks ranks them on data: pass data (--data)');
  const scores = await blockImportance(model, set);
  const order = Object.keys(scores)
    .map((name, i) => ({ name, i, s: scores[name] }))
    .sort((a, b) => a.s - b.s || b.i - a.i);
  const removed = order.slice(0, count).map((x) => x.name);
  return { model: await removeBlocks(model, removed), removed, scores };
}
