import type * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TfdistillError } from '../errors.js';
import type { DataOption } from './data-option.js';
import { prune, type RecoverFn } from './prune.js';
import { INT8_SIMULATION_NOTE, quantize, TFJS_QUANTIZATION_NOTE } from './quantize.js';
import type { WeightDtype } from './quant-math.js';
import { resolveData } from './data-option.js';
import { predictLogits } from './evaluate.js';
import { formatTable, measureRow, type CompressionRow } from './report.js';
import { assertOutputFree } from '../io/output-path.js';
import { openSource } from './source.js';

/**
 * Options of {@link optimize}. Presets: `light` = quantize only; `medium` = structured prune 30% + recovery +
 * quantize; `full` = distill (injected) + structured prune 50% + recovery + quantize.
 */
export interface OptimizeOptions {
  preset: 'light' | 'medium' | 'full';
  out: string;
  data?: DataOption;
  /** Weight storage dtype of the final step; default 'uint8' ('float16' for a gentler light preset). */
  dtype?: WeightDtype;
  /** The teacher, as the reference for agreement/KL (default: each step's input model). */
  teacher?: tf.LayersModel;
  /** `full` only: distils the checkpoint into the checkpoint dir `outDir` before pruning, e.g. with `distillCheckpoint`. */
  distill?: (checkpointDir: string, outDir: string) => Promise<void>;
  /** Fine-tuning after pruning (`medium`/`full`), e.g. `distillRecovery(...)`. */
  recover?: RecoverFn;
  force?: boolean;
}

/**
 * What {@link optimize} returns: every step's rows in one table, and the JSON-able report.
 *
 * @example
 * ```ts
 * const { table, report } = await optimize('student', { preset: 'light', out: 'student-web' });
 * ```
 */
export interface OptimizeResult {
  rows: CompressionRow[];
  table: string;
  notes: string[];
  report: { preset: string; rows: CompressionRow[]; notes: string[] };
}

/**
 * One command from a distilled checkpoint to a deployable one: the preset's steps run in order through
 * temporary checkpoints and only the final one is written to `out`.
 *
 * @example
 * ```ts
 * const { table } = await optimize('runs/student', { preset: 'medium', data: 'val.csv', out: 'runs/student-opt' });
 * ```
 */
export async function optimize(checkpointDir: string, options: OptimizeOptions): Promise<OptimizeResult> {
  const { preset } = options;
  if (!['light', 'medium', 'full'].includes(preset)) {
    throw new TfdistillError('INVALID_ARGUMENT', `unknown preset ${JSON.stringify(preset)}`, 'use light, medium or full');
  }
  await assertOutputFree(options.out, options);
  const opened = await openSource(checkpointDir, {}, 'optimize'); // refuses an int8 model up front
  if (opened.owned) opened.model.dispose();
  const notes = [TFJS_QUANTIZATION_NOTE];
  const work = await mkdtemp(path.join(tmpdir(), 'tfdistill-optimize-'));
  const rows: CompressionRow[] = [];
  try {
    let current = checkpointDir;
    if (preset === 'full') {
      if (options.distill) {
        rows.push(await measureCheckpoint(checkpointDir, options));
        current = path.join(work, 'distilled');
        await options.distill(checkpointDir, current);
        notes.push('full: the checkpoint was distilled further from the teacher before pruning');
      } else {
        notes.push('full: no teacher/distill function given, the distillation step was skipped');
      }
    }
    if (preset !== 'light') {
      if (!options.recover) notes.push('no recovery fine-tuning available: pruning ran without recovery');
      const pruned = path.join(work, 'pruned');
      const result = await prune(current, {
        method: 'structured',
        sparsity: preset === 'medium' ? 0.3 : 0.5,
        data: options.data,
        reference: options.teacher,
        recover: options.recover,
        out: pruned,
        latency: { runs: 5 },
      });
      result.model.dispose();
      // After a distillation step, prune's starting point is the distilled checkpoint.
      rows.push(...result.rows.map((r, i) => (i === 0 && rows.length > 0 ? { ...r, step: 'distilled' } : r)));
      current = pruned;
    }
    const q = await quantize(current, {
      dtype: options.dtype ?? 'uint8',
      data: options.data,
      reference: options.teacher,
      out: options.out,
      force: options.force,
    });
    if (rows.length === 0) rows.push(q.rows[0]);
    rows.push(...q.rows.slice(1)); // quantized weights, then the simulated int8-activation row when data was given
    if (q.calibration) notes.push(INT8_SIMULATION_NOTE);
    return { rows, table: formatTable(rows), notes, report: { preset, rows, notes } };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The input checkpoint's row (quality against the teacher when given), before `full` distils it further. */
async function measureCheckpoint(checkpointDir: string, options: OptimizeOptions): Promise<CompressionRow> {
  const src = await openSource(checkpointDir, {}, 'optimize');
  try {
    const data = await resolveData(options.data, src);
    const reference = data && options.teacher ? predictLogits(options.teacher, data).logits : undefined;
    return await measureRow('original', src.model, { data, reference, latency: { runs: 5 } });
  } finally {
    src.model.dispose();
  }
}
