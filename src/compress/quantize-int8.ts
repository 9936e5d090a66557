import type * as tf from '@tensorflow/tfjs';
import { int8Model } from './int8-model.js';
import { nameFilter } from './patterns.js';
import type { WeightDtype } from './quant-math.js';
import { measureRow, type CompressionRow, type MeasureContext } from './report.js';
import type { OpenedSource } from './source.js';
import { int8Role } from '../models/layers/weights.js';
import { writeQuantizedCheckpoint, type DtypeAssignment } from './write-quantized.js';

/** Printed with every int8 report: what `--dtype int8` stores and runs. */
export const INT8_COMPUTE_NOTE =
  "int8: the encoder blocks' dense kernels are stored as int8 columns (one scale per output) and run by int8 kernels " +
  '(wasm SIMD; other backends run the same math in tfjs ops), with activations quantized per row at run time; ' +
  'the other weights are stored as float16 unless excluded.';

/** How `quantize` measures a model under a storage assignment (its `withQuantizedWeights`). */
type WithStored = <T>(model: tf.LayersModel, dtypeOf: DtypeAssignment, fn: () => T | Promise<T>) => Promise<T>;

/**
 * The int8 half of `quantize` (`dtype: 'int8'`): builds the int8 copy of the opened model (`int8Model`), measures it
 * as it will load (its float weights rounded as stored), and writes it when `out` is set.
 *
 * @returns the float32 and int8 report rows and each stored weight's dtype
 * @example
 * ```ts
 * const { rows } = await quantizeInt8(src, { ctx, out: 'student-int8', withStored: withQuantizedWeights });
 * ```
 */
export async function quantizeInt8(
  src: OpenedSource,
  opts: {
    ctx: MeasureContext;
    include?: string[];
    exclude?: string[];
    out?: string;
    withStored: WithStored;
  },
): Promise<{ rows: CompressionRow[]; assignment: Record<string, WeightDtype | 'int8'> }> {
  const before = await measureRow('float32', src.model, opts.ctx);
  const { model } = await int8Model(src.model);
  try {
    const selected = nameFilter({ include: opts.include, exclude: opts.exclude });
    // Column scales stay float32: they multiply every output of their column.
    const dtypeOf: DtypeAssignment = (name) => (int8Role(name)?.role === 'scales' || !selected(name) ? 'float32' : 'float16');
    const after = await opts.withStored(model, dtypeOf, () => measureRow('int8 (int8 compute)', model, opts.ctx, { dtypeOf }));
    const rows = [before, after];
    if (opts.out !== undefined) {
      await writeQuantizedCheckpoint(model, opts.out, {
        dtypeOf,
        tokenizer: src.tokenizer,
        labels: src.labels,
        modelConfig: src.modelConfig,
        meta: { extra: { compression: rows as unknown as Record<string, unknown>[], note: INT8_COMPUTE_NOTE } },
      });
    }
    const assignment = Object.fromEntries(
      model.weights.map((v) => [v.originalName, v.dtype === 'int32' ? 'int8' : dtypeOf(v.originalName)]),
    ) as Record<string, WeightDtype | 'int8'>;
    return { rows, assignment };
  } finally {
    model.dispose();
  }
}
