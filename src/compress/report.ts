import type * as tf from '@tensorflow/tfjs';
import { countParameters } from '../models/summary.js';
import type { EvalSet } from './eval-set.js';
import { predictLogits, qualityOf, type Quality } from './evaluate.js';
import { medianLatency, type LatencyOptions } from './latency.js';
import { modelSize } from './size.js';
import { resolveData, type DataOption } from './data-option.js';
import type { OpenedSource } from './source.js';
import type { DtypeAssignment } from './write-quantized.js';

/**
 * One line of a compression report: what a step left, measured.
 */
export interface CompressionRow extends Quality {
  step: string;
  /** Fraction of zeros among the prunable weights (unstructured), when known. */
  sparsity?: number;
  parameters: number;
  /** Bytes of model.json + shards, and of the same files gzip'd. */
  sizeRaw: number;
  sizeGzip: number;
  /** Median batch-1 latency in ms (TF.js computes in float32, so quantization does not change it). */
  latencyMs?: number;
  /** Weight bytes per storage dtype. */
  byDtype?: Record<string, number>;
}

/**
 * What {@link measureRow} needs: evaluation data, reference logits for agreement/KL, latency settings.
 */
export interface MeasureContext {
  data?: EvalSet;
  reference?: Float32Array;
  /** `false` skips timing. */
  latency?: LatencyOptions | false;
}

/**
 * Measures a model for the report: parameters, size raw/gzip (as stored with `dtypeOf`), quality, latency.
 *
 * @example
 * ```ts
 * const row = await measureRow('original', model, ctx);
 * ```
 */
export async function measureRow(
  step: string,
  model: tf.LayersModel,
  ctx: MeasureContext,
  extra: { sparsity?: number; dtypeOf?: DtypeAssignment; quality?: Quality } = {},
): Promise<CompressionRow> {
  const size = await modelSize(model, extra.dtypeOf);
  const quality = extra.quality ?? (ctx.data ? qualityOf(predictLogits(model, ctx.data), ctx.data, ctx.reference) : {});
  const latencyMs = ctx.latency === false ? undefined : await medianLatency(model, ctx.latency ?? {});
  return {
    step,
    ...(extra.sparsity === undefined ? {} : { sparsity: extra.sparsity }),
    parameters: countParameters(model),
    sizeRaw: size.raw,
    sizeGzip: size.gzip,
    ...quality,
    ...(latencyMs === undefined ? {} : { latencyMs }),
    byDtype: size.byDtype,
  };
}

/**
 * A plain-text table of report rows (blank cells for numbers that were not measured).
 *
 * @example
 * ```ts
 * console.log(formatTable(result.rows));
 * // step        sparsity  params  raw KB  gzip KB  accuracy  agreement  KL       b1 ms
 * ```
 */
export function formatTable(rows: readonly CompressionRow[]): string {
  const pct = (v?: number) => (v === undefined ? '' : `${(100 * v).toFixed(1)}%`);
  const kb = (v: number) => (v / 1024).toFixed(1);
  const header = ['step', 'sparsity', 'params', 'raw KB', 'gzip KB', 'accuracy', 'agreement', 'KL', 'b1 ms'];
  const body = rows.map((r) => [
    r.step,
    pct(r.sparsity),
    r.parameters.toLocaleString('en-US'),
    kb(r.sizeRaw),
    kb(r.sizeGzip),
    pct(r.accuracy),
    pct(r.agreement),
    r.kl === undefined ? '' : r.kl.toFixed(4),
    r.latencyMs === undefined ? '' : r.latencyMs.toFixed(2),
  ]);
  const all = [header, ...body];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  return all.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

/**
 * The context every compression step measures in: the evaluation data (`data`, a file read with the source's tokenizer
 * or an `EvalSet`), the latency options, and the reference logits agreement and KL compare with (`reference`, default
 * the source model itself).
 *
 * @example
 * ```ts
 * const ctx = await measureContextFor(src, options);
 * const before = await measureRow('float32', src.model, ctx);
 * ```
 */
export async function measureContextFor(
  src: OpenedSource,
  options: { data?: DataOption; latency?: LatencyOptions | false; reference?: tf.LayersModel },
): Promise<MeasureContext> {
  const data = await resolveData(options.data, src);
  return {
    data,
    latency: options.latency,
    reference: data ? predictLogits(options.reference ?? src.model, data).logits : undefined,
  };
}
