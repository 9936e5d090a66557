import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import type { TextTokenizer } from '../data/types.js';
import { resolveData, type DataOption } from './data-option.js';
import { int8ActivationQuality, type Calibration } from './calibrate.js';
import type { Quality } from './evaluate.js';
import type { LatencyOptions } from './latency.js';
import { nameFilter } from './patterns.js';
import { roundTrip, WEIGHT_DTYPES, type WeightDtype } from './quant-math.js';
import { formatTable, measureContextFor, measureRow, type CompressionRow } from './report.js';
import { assertOutputFree } from '../io/output-path.js';
import { openSource, type ModelSource } from './source.js';
import { withWeights } from './clone.js';
import { writeQuantizedCheckpoint, type DtypeAssignment } from './write-quantized.js';
import { INT8_COMPUTE_NOTE, quantizeInt8 } from './quantize-int8.js';

/** Printed with every quantization report: what weight quantization does and does not buy in TF.js. */
export const TFJS_QUANTIZATION_NOTE =
  'TF.js dequantizes weights to float32 on load and computes in float32: quantization shrinks the download, not the compute or memory.';

/** Printed with the simulated int8-activation row. */
export const INT8_SIMULATION_NOTE =
  'int8 activations (simulated): every layer output is fake-quantized to int8 with its calibrated range, to show the accuracy a ' +
  'fully-int8 runtime would have; TF.js itself still computes in float32, so this row has no latency of its own.';

/**
 * Options of {@link quantize}.
 */
export interface QuantizeOptions {
  /**
   * Storage dtype of the selected weights (default 'uint8'); others stay float32. 'int8' instead stores the encoder
   * blocks' dense kernels as int8 columns run by int8 kernels (faster on wasm, not only smaller) and the selected
   * other weights as float16; its report has no simulated-activation row (the activations are really int8).
   */
  dtype?: WeightDtype | 'int8';
  /** With dtype 'int8': 'int8' (the default and only choice; kept so `--compute int8` reads as asked). */
  compute?: 'int8';
  /** Weight-name globs to quantize (default all float32 weights) and to leave alone, like the converter's. */
  include?: string[];
  exclude?: string[];
  /** Per-weight override (e.g. from mixed-precision search); wins over dtype/include/exclude. */
  dtypeOf?: DtypeAssignment;
  data?: DataOption;
  /** Reference model for agreement/KL; default the float model. */
  reference?: tf.LayersModel;
  out?: string;
  force?: boolean;
  tokenizer?: TextTokenizer;
  labels?: string[];
  latency?: LatencyOptions | false;
  /**
   * With `data`: add a row with int8 activations simulated at every layer boundary, calibrated on `calibration`
   * (default: `data`) at `percentile` (default 99.9). `false` skips it.
   */
  activations?: { percentile?: number; calibration?: DataOption } | false;
}

/**
 * What {@link quantize} returns.
 *
 * @example
 * ```ts
 * const { rows, table, compressionRatio } = await quantize('student', { dtype: 'uint8' });
 * ```
 */
export interface QuantizeResult {
  rows: CompressionRow[];
  table: string;
  /** Raw float32 size / raw quantized size. */
  compressionRatio: number;
  /** Which dtype each weight was stored as ('int8' for the packed int8 kernels). */
  assignment: Record<string, WeightDtype | 'int8'>;
  note: string;
  /** The activation ranges behind the simulated int8 row, when there is one. */
  calibration?: Calibration;
}

/**
 * Validates a storage dtype name.
 *
 * @example
 * ```ts
 * requireDtype('uint8');
 * ```
 */
export function requireDtype(dtype: unknown): asserts dtype is WeightDtype {
  if (!WEIGHT_DTYPES.includes(dtype as WeightDtype)) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `unknown dtype ${JSON.stringify(dtype)}`,
      `use one of ${[...WEIGHT_DTYPES, 'int8'].join(', ')}`,
    );
  }
}

/**
 * The per-weight assignment the options describe.
 *
 * @example
 * ```ts
 * const dtypeOf = assignmentFromOptions({ dtype: 'uint8', exclude: ['embeddings*'] });
 * ```
 */
export function assignmentFromOptions(opts: Pick<QuantizeOptions, 'dtype' | 'include' | 'exclude' | 'dtypeOf'>): DtypeAssignment {
  if (opts.dtypeOf) return opts.dtypeOf;
  const dtype = opts.dtype ?? 'uint8';
  requireDtype(dtype);
  const selected = nameFilter({ include: opts.include, exclude: opts.exclude });
  return (name) => (selected(name) ? dtype : 'float32');
}

/**
 * Runs `fn` with the model's weights replaced by what TF.js would decode from the quantized files.
 *
 * @example
 * ```ts
 * const logits = await withQuantizedWeights(model, () => 'uint8', () => predictLogits(model, set));
 * ```
 */
export async function withQuantizedWeights<T>(model: tf.LayersModel, dtypeOf: DtypeAssignment, fn: () => T | Promise<T>): Promise<T> {
  const replace = new Map<string, tf.Tensor>();
  for (const v of model.weights) {
    const dtype = v.dtype === 'float32' ? dtypeOf(v.originalName) : 'float32';
    if (dtype === 'float32') continue;
    replace.set(v.originalName, tf.tensor(roundTrip(v.read().dataSync() as Float32Array, dtype), v.shape as number[]));
  }
  try {
    return await withWeights(model, replace, fn);
  } finally {
    tf.dispose([...replace.values()]);
  }
}

/**
 * Post-training weight quantization into the TF.js weights-manifest format, exactly as
 * `tensorflowjs_converter --quantize_uint8/--quantize_uint16/--quantize_float16` writes it, with a report:
 * size raw/gzip per dtype, compression ratio, accuracy/agreement/KL before and after. The output loads with
 * stock `tf.loadLayersModel`; the result's `note` says what that buys in TF.js (a smaller download, not faster
 * compute).
 *
 * @example
 * ```ts
 * const { table, note } = await quantize('student', { dtype: 'uint8', data: 'val.csv', out: 'student-uint8' });
 * console.log(table + '\n' + note);
 * ```
 */
export async function quantize(source: ModelSource, options: QuantizeOptions = {}): Promise<QuantizeResult> {
  if (options.compute !== undefined && (options.compute !== 'int8' || options.dtype !== 'int8')) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `compute ${JSON.stringify(options.compute)} with dtype ${JSON.stringify(options.dtype ?? 'uint8')}`,
      'int8 compute goes with --dtype int8; the other dtypes are decoded to float32 on load, so leave --compute out',
    );
  }
  if (options.dtype === 'int8') return quantizeToInt8(source, options);
  const dtypeOf = assignmentFromOptions(options);
  if (options.out !== undefined) await assertOutputFree(options.out, options);
  const src = await openSource(source, options, 'quantize');
  try {
    const ctx = await measureContextFor(src, options);
    const data = ctx.data;
    const before = await measureRow('float32', src.model, ctx);
    const quality = await withQuantizedWeights(src.model, dtypeOf, () =>
      data ? measureRow('q', src.model, { ...ctx, latency: false }) : undefined,
    );
    const after = await measureRow(
      describeAssignment(src.model, dtypeOf),
      src.model,
      { ...ctx, data: undefined },
      {
        dtypeOf,
        quality: quality ? { accuracy: quality.accuracy, agreement: quality.agreement, kl: quality.kl } : {},
      },
    );
    const act = options.activations === false ? undefined : (options.activations ?? {});
    // Calibrated with the quantized weights in place: a fully-int8 deployment has both.
    const int8 =
      data && act
        ? await withQuantizedWeights(src.model, dtypeOf, async () =>
            int8ActivationQuality(src.model, {
              data,
              reference: ctx.reference,
              percentile: act.percentile,
              calibration: await resolveData(act.calibration, src),
            }),
          )
        : undefined;
    const rows = [before, after];
    if (int8) rows.push(int8ActivationRow(after, int8.quality));
    const note = int8 ? `${TFJS_QUANTIZATION_NOTE}\n${INT8_SIMULATION_NOTE}` : TFJS_QUANTIZATION_NOTE;
    if (options.out !== undefined) {
      await writeQuantizedCheckpoint(src.model, options.out, {
        dtypeOf,
        tokenizer: src.tokenizer,
        labels: src.labels,
        modelConfig: src.modelConfig,
        meta: { extra: { compression: rows as unknown as Record<string, unknown>[], note } },
      });
    }
    const assignment = Object.fromEntries(
      src.model.weights.map((v) => [v.originalName, v.dtype === 'float32' ? dtypeOf(v.originalName) : 'float32']),
    ) as Record<string, WeightDtype>;
    return {
      rows,
      table: formatTable(rows),
      compressionRatio: before.sizeRaw / after.sizeRaw,
      assignment,
      note,
      calibration: int8?.calibration,
    };
  } finally {
    if (src.owned) src.model.dispose();
  }
}

/** `quantize` with dtype 'int8' (see `quantize-int8.ts`). */
async function quantizeToInt8(source: ModelSource, options: QuantizeOptions): Promise<QuantizeResult> {
  if (options.dtypeOf)
    throw new TfdistillError('INVALID_ARGUMENT', 'a per-weight dtype assignment does not apply to int8', 'use include/exclude');
  if (options.out !== undefined) await assertOutputFree(options.out, options);
  const src = await openSource(source, options, 'quantize');
  try {
    const ctx = await measureContextFor(src, options);
    const { rows, assignment } = await quantizeInt8(src, {
      ctx,
      include: options.include,
      exclude: options.exclude,
      out: options.out,
      withStored: withQuantizedWeights,
    });
    return { rows, table: formatTable(rows), compressionRatio: rows[0].sizeRaw / rows[1].sizeRaw, assignment, note: INT8_COMPUTE_NOTE };
  } finally {
    if (src.owned) src.model.dispose();
  }
}

/** The quantized-weights row with the quality measured under simulated int8 activations (and no latency). */
function int8ActivationRow(weights: CompressionRow, quality: Quality): CompressionRow {
  const { latencyMs: _ignored, ...rest } = weights;
  return { ...rest, step: `${weights.step} + int8 activations (simulated)`, ...quality };
}

/** 'uint8', or 'mixed (uint8 x10, float16 x2)' for a step label. */
function describeAssignment(model: tf.LayersModel, dtypeOf: DtypeAssignment): string {
  const counts = new Map<string, number>();
  for (const v of model.weights) counts.set(dtypeOf(v.originalName), (counts.get(dtypeOf(v.originalName)) ?? 0) + 1);
  if (counts.size === 1) return [...counts.keys()][0];
  return `mixed (${[...counts].map(([d, n]) => `${d} x${n}`).join(', ')})`;
}
