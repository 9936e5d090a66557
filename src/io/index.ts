/**
 * Checkpoint format: stock TF.js model.json + shards, tfdistill.json metadata, optional optimizer
 * state, atomic writes, validated loads, and a `file://` router for plain tfjs in Node.
 *
 * @example
 * ```ts
 * import { saveModel, loadModel } from './io/index.js';
 * await saveModel(model, 'runs/student', { meta: { labels: ['neg', 'pos'] } });
 * const { model: again, meta } = await loadModel('runs/student');
 * ```
 */
export { saveModel, META_JSON, type SaveModelOptions } from './save-model.js';
export { loadModel, readCheckpointMeta, isCheckpointDir, type LoadModelOptions, type LoadedCheckpoint } from './load-model.js';
export { CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION, type CheckpointMeta, type TrainingState } from './checkpoint-meta.js';
export type { OptimizerState, NamedTensor } from './optimizer-files.js';
export { registerFileRouter, fileSystemHandler, type FileHandlerOptions } from './file-router.js';
export { recoverDir, type SaveStep, type SaveHooks } from './atomic-dir.js';
export { DEFAULT_MAX_TOTAL_BYTES } from './validate-manifest.js';
export { float32ToFloat16 } from '../util/float16.js';
