import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import { withWeights } from './clone.js';
import type { EvalSet } from './eval-set.js';
import { predictLogits, qualityOf } from './evaluate.js';
import { encoderBlocks, l2Importance, topIndices, type BlockInfo, type StructuredPlan } from './structured.js';

/**
 * Options of {@link structuredPlan}.
 */
export interface StructuredOptions {
  /** Fraction of each block's original heads and neurons to remove (the same count in every block). */
  fraction: number;
  /** Remove attention heads (default true) / FFN neurons (default true). */
  heads?: boolean;
  neurons?: boolean;
  /**
   * `'l2'` (default): norm of the head's / neuron's weights. `'kl'`: heads ranked by the KL increase on the
   * calibration set when the head alone is silenced (its output-projection rows zeroed); neurons still by L2.
   */
  importance?: 'l2' | 'kl';
  calibration?: EvalSet;
  /** Block sizes before any pruning, so progressive steps count from the original sizes. */
  originalBlocks?: BlockInfo[];
}

/**
 * Decides which heads and neurons every block keeps: keep = max(1, n - round(fraction * n)) of the original n,
 * the most important ones. The same number per block keeps the blocks uniform (TfdPrunedEncoderBlock could
 * hold different sizes per block, but uniform models are easier to reason about and to report).
 *
 * @example
 * ```ts
 * const plan = await structuredPlan(model, { fraction: 0.5 }); // { block_0: { heads: [1], neurons: [...] } }
 * ```
 */
export async function structuredPlan(model: tf.LayersModel, opts: StructuredOptions): Promise<StructuredPlan> {
  const importance = opts.importance ?? 'l2';
  if (importance !== 'l2' && importance !== 'kl') {
    throw new TfdistillError('INVALID_ARGUMENT', `importance must be 'l2' or 'kl', got ${String(importance)}`);
  }
  if (importance === 'kl' && !opts.calibration) {
    throw new TfdistillError('INVALID_ARGUMENT', "importance 'kl' needs a calibration set (data)");
  }
  const blocks = encoderBlocks(model);
  const original = new Map((opts.originalBlocks ?? blocks).map((b) => [b.name, b]));
  const keepCount = (n: number) => Math.max(1, n - Math.round(opts.fraction * n));
  const plan: StructuredPlan = {};
  for (const block of blocks) {
    const base = original.get(block.name) ?? block;
    const l2 = l2Importance(block);
    const headScores = importance === 'kl' ? await klHeadImportance(model, block, opts.calibration as EvalSet) : l2.heads;
    const heads = opts.heads === false ? block.numHeads : Math.min(block.numHeads, keepCount(base.numHeads));
    const neurons = opts.neurons === false ? block.ffnDim : Math.min(block.ffnDim, keepCount(base.ffnDim));
    plan[block.name] = { heads: topIndices(headScores, heads), neurons: topIndices(l2.neurons, neurons) };
  }
  return plan;
}

/** KL(full || head silenced) per head on the calibration set. */
async function klHeadImportance(model: tf.LayersModel, block: BlockInfo, set: EvalSet): Promise<number[]> {
  const reference = predictLogits(model, set).logits;
  const outKernel = block.layer.weights[2]; // [h * k, d], see ORDER in structured.ts
  const scores: number[] = [];
  for (let h = 0; h < block.numHeads; h++) {
    const silenced = tf.tidy(() => {
      const rows = Array.from({ length: block.numHeads * block.headDim }, (_, r) => (Math.floor(r / block.headDim) === h ? 0 : 1));
      return tf.mul(outKernel.read(), tf.tensor2d(rows, [rows.length, 1]));
    });
    const kl = await withWeights(
      model,
      new Map([[outKernel.originalName, silenced]]),
      () => qualityOf(predictLogits(model, set), set, reference).kl ?? 0,
    );
    silenced.dispose();
    scores.push(kl);
  }
  return scores;
}
