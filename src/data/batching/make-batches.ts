/**
 * One epoch of padded batches from tokenized examples: the plan of `batch-plan.ts` materialised with
 * {@link batchFromExamples}.
 */
import { batchFromExamples } from './batch.js';
import { planEpoch, type BatchingOptions } from './batch-plan.js';
import type { Batch, Example } from '../types.js';

/**
 * All batches of epoch `epoch`, shuffled with a seed derived from (seed, epoch) and bucketed by length; each batch
 * is padded only to its longest row.
 *
 * @example
 * ```ts
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   for (const batch of makeBatches(examples, { batchSize: 32, seed: 42, epoch })) trainStep(batch);
 * }
 * ```
 */
export function makeBatches(examples: readonly Example[], options: BatchingOptions & { epoch: number }): Batch[] {
  const plan = planEpoch(
    examples.map((e) => e.ids.length),
    options,
  );
  return plan.map((rows) => batchFromExamples(Array.from(rows, (r) => examples[r])));
}
