import type * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import type { TextTokenizer } from '../data/types.js';
import { saveClassifier } from '../io/classifier-checkpoint.js';
import { saveModel } from '../io/save-model.js';
import { cloneModel } from './clone.js';
import type { DataOption } from './data-option.js';
import type { LatencyOptions } from './latency.js';
import { magnitudeMasks, requireSparsity, type PruneMasks } from './prune-masks.js';
import { formatTable, measureContextFor, measureRow, type CompressionRow } from './report.js';
import { scheduleSteps, type PruneSchedule } from './schedule.js';
import { assertOutputFree } from '../io/output-path.js';
import { openSource, type ModelSource } from './source.js';
import { structuredPlan, type StructuredOptions } from './structured-plan.js';
import { removeLeastImportantBlocks } from './remove-blocks.js';
import { applyStructuredPlan, encoderBlocks } from './structured.js';

/**
 * Recovery fine-tuning between pruning steps, e.g. `distillRecovery(...)` (a `distill` run on the pruned model).
 * With unstructured pruning the trainer must call `masks.apply()` after each optimizer step so pruned weights
 * stay zero. `step` counts pruning steps from 0 (a whole-block removal is step 0 when requested).
 *
 * @example
 * ```ts
 * const recover: RecoverFn = async (model, { masks }) => {
 *   await distill({ teacher: 'teacher/', student: model, train: 'train.csv', logging: { callbacks: { afterUpdate: () => masks?.apply() } } });
 * };
 * ```
 */
export type RecoverFn = (model: tf.LayersModel, info: { step: number; sparsity: number; masks?: PruneMasks }) => Promise<void>;

/**
 * Options of {@link prune}.
 */
export interface PruneOptions extends Omit<StructuredOptions, 'fraction'> {
  /** `'magnitude'` (unstructured L1, default) or `'structured'` (whole heads and FFN neurons). */
  method?: 'magnitude' | 'structured';
  /** Final sparsity in [0, 1): fraction of prunable weights (magnitude) or of heads/neurons per block (structured). */
  sparsity: number;
  /** Structured only: first remove this many whole encoder blocks, the least important on `data` (KL when skipped). */
  blocks?: number;
  /** Magnitude: per tensor (`'layer'`, default) or one global threshold. */
  scope?: 'layer' | 'global';
  /** Magnitude: weight-name globs; embeddings and LayerNorm are excluded by default. */
  include?: string[];
  exclude?: string[];
  schedule?: PruneSchedule;
  /** Fine-tuning between steps; omitted = no recovery. */
  recover?: RecoverFn;
  /** Labelled evaluation data for the report (and the calibration set of `importance: 'kl'`). */
  data?: DataOption;
  /** Teacher / reference model for agreement and KL; default the unpruned model. */
  reference?: tf.LayersModel;
  /** Where to save the pruned checkpoint; refused if it exists unless `force`. */
  out?: string;
  force?: boolean;
  /** For an in-memory source: what to save with it. */
  tokenizer?: TextTokenizer;
  labels?: string[];
  latency?: LatencyOptions | false;
}

/**
 * What {@link prune} returns; the caller disposes `model` (and `masks`).
 *
 * @example
 * ```ts
 * const { model, rows, table } = await prune('student', { sparsity: 0.5 });
 * console.log(table);
 * ```
 */
export interface PruneResult {
  model: tf.LayersModel;
  /** Unstructured only: the final masks, for further fine-tuning. */
  masks?: PruneMasks;
  rows: CompressionRow[];
  table: string;
}

/**
 * Prunes a checkpoint or model, step by step along a schedule, with optional recovery between steps, and
 * measures every step (sparsity, parameters, size raw/gzip, accuracy, agreement, KL, batch-1 latency).
 * Unstructured sparsity only shrinks the gzip'd download (TF.js stores and multiplies dense float32);
 * structured pruning gives a genuinely smaller, faster dense model.
 *
 * @example
 * ```ts
 * const { table } = await prune('student', { method: 'structured', sparsity: 0.5, schedule: [0.25, 0.5],
 *   data: 'val.csv', out: 'student-pruned' });
 * ```
 */
export async function prune(source: ModelSource, options: PruneOptions): Promise<PruneResult> {
  requireSparsity(options?.sparsity);
  const method = options.method ?? 'magnitude';
  if (method !== 'magnitude' && method !== 'structured') {
    throw new TfdistillError('INVALID_ARGUMENT', `method must be 'magnitude' or 'structured', got ${String(method)}`);
  }
  if (options.blocks !== undefined && method !== 'structured') {
    throw new TfdistillError('INVALID_ARGUMENT', "removing whole blocks needs method 'structured'");
  }
  const steps = scheduleSteps(options.sparsity, options.schedule);
  if (options.out !== undefined) await assertOutputFree(options.out, options);
  const src = await openSource(source, options, 'prune');
  let model: tf.LayersModel | undefined;
  let masks: PruneMasks | undefined;
  try {
    const ctx = await measureContextFor(src, options);
    const data = ctx.data;
    const rows = [await measureRow('original', src.model, ctx, { sparsity: method === 'magnitude' ? 0 : undefined })];
    if (method === 'structured') encoderBlocks(src.model); // fail early on an unsupported model
    model = await cloneModel(src.model);
    let offset = 0;
    if (options.blocks !== undefined) {
      const r = await removeLeastImportantBlocks(model, options.blocks, data);
      model.dispose();
      model = r.model;
      if (options.recover) await options.recover(model, { step: 0, sparsity: 0 });
      rows.push(await measureRow(`remove ${r.removed.join(', ')}${options.recover ? ' +recover' : ''}`, model, ctx));
      offset = 1;
    }
    for (const [i, sparsity] of steps.entries()) {
      if (options.blocks !== undefined && sparsity === 0) continue; // blocks only: no head/neuron step
      if (method === 'magnitude') {
        const next = magnitudeMasks(model, { ...options, sparsity, previous: masks });
        masks?.dispose();
        masks = next;
        masks.apply();
      } else {
        const plan = await structuredPlan(model, {
          ...options,
          fraction: sparsity,
          calibration: data,
          originalBlocks: encoderBlocks(src.model),
        });
        const smaller = await applyStructuredPlan(model, plan);
        model.dispose();
        model = smaller;
      }
      if (options.recover) {
        await options.recover(model, { step: i + offset, sparsity, masks });
        masks?.apply();
      }
      const label = `${method === 'magnitude' ? 'prune' : 'structured'} ${(100 * sparsity).toFixed(0)}%${options.recover ? ' +recover' : ''}`;
      rows.push(await measureRow(label, model, ctx, { sparsity: masks?.sparsity() }));
    }
    if (options.out !== undefined) await savePruned(model, options.out, src, rows);
    return { model, masks, rows, table: formatTable(rows) };
  } catch (e) {
    masks?.dispose();
    model?.dispose();
    throw e;
  } finally {
    if (src.owned) src.model.dispose();
  }
}

/** Saves the pruned model with the source's tokenizer/labels; modelConfig follows the first block's sizes. */
async function savePruned(
  model: tf.LayersModel,
  out: string,
  src: { tokenizer?: TextTokenizer; labels?: string[]; modelConfig?: Record<string, unknown> },
  rows: CompressionRow[],
): Promise<void> {
  const first = encoderBlocks(model)[0];
  const modelConfig = src.modelConfig
    ? { ...src.modelConfig, numHeads: first.numHeads, ffnDim: first.ffnDim, headDim: first.headDim, numLayers: encoderBlocks(model).length }
    : undefined;
  const meta = { extra: { compression: rows as unknown as Record<string, unknown>[] } };
  if (src.tokenizer && src.labels) {
    await saveClassifier(model, out, { tokenizer: src.tokenizer, labels: src.labels, modelConfig, meta });
  } else {
    await saveModel(model, out, { meta: { ...meta, ...(src.labels ? { labels: src.labels } : {}) } });
  }
}
