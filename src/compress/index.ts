/**
 * Compression after distillation: pruning (unstructured magnitude, structured heads/neurons) with recovery
 * fine-tuning by distillation, converter-exact weight quantization, simulated int8 activations (static
 * calibration), mixed precision, and the one-call `optimize` pipeline. Importing this module registers
 * `TfdPrunedEncoderBlock`, so structurally pruned checkpoints load.
 *
 * @example
 * ```ts
 * import { quantize } from 'tfdistill';
 * const { table } = await quantize('runs/student', { dtype: 'uint8', data: 'val.csv', out: 'runs/student-uint8' });
 * ```
 */
export { prune, type PruneOptions, type PruneResult, type RecoverFn } from './prune.js';
export { magnitudeMasks, prunableWeights, PruneMasks, DEFAULT_PRUNE_EXCLUDE, type MagnitudeOptions } from './prune-masks.js';
export { scheduleSteps, type PruneSchedule } from './schedule.js';
export { applyStructuredPlan, encoderBlocks, l2Importance, type StructuredPlan, type BlockInfo } from './structured.js';
export { structuredPlan, type StructuredOptions } from './structured-plan.js';
export { removeBlocks, blockImportance, removeLeastImportantBlocks } from './remove-blocks.js';
export { TfdPrunedEncoderBlock, type PrunedBlockConfig } from '../models/layers/pruned-block.js';
export {
  quantize,
  withQuantizedWeights,
  TFJS_QUANTIZATION_NOTE,
  INT8_SIMULATION_NOTE,
  type QuantizeOptions,
  type QuantizeResult,
} from './quantize.js';
export {
  calibrate,
  withInt8Activations,
  int8ActivationQuality,
  type Calibration,
  type CalibrateOptions,
  type ActivationRange,
} from './calibrate.js';
export { fakeQuantInt8, int8Params, type Int8Params } from './fake-quant.js';
export { ActivationHistogram } from './activation-histogram.js';
export { distillRecovery, distillCheckpoint, type DistillRecoveryOptions } from './recover-with-distill.js';
export { affineQuantize, affineDequantize, roundTrip, WEIGHT_DTYPES, type WeightDtype, type AffineQuantized } from './quant-math.js';
export { writeQuantizedCheckpoint, quantizedModelFiles, type DtypeAssignment, type StoredWeight } from './write-quantized.js';
export {
  sensitivity,
  adaptiveAssignment,
  resolveTarget,
  type AccuracyTarget,
  type LayerSensitivity,
  type AdaptivePoint,
} from './mixed-precision.js';
export { optimize, type OptimizeOptions, type OptimizeResult } from './optimize.js';
export { formatTable, type CompressionRow } from './report.js';
export { modelSize, type ModelSize } from './size.js';
export { medianLatency, type LatencyOptions } from './latency.js';
export { evalSetFromRecords, loadEvalSet, type EvalSet } from './eval-set.js';
