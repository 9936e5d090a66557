import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import { assertReplaceable, writeDirAtomic, type SaveHooks } from './atomic-dir.js';
import { buildCheckpointMeta, isPlainFileName, type CheckpointMeta } from './checkpoint-meta.js';
import { MODEL_JSON, modelFilesFromArtifacts } from './model-files.js';
import { OPTIMIZER_DIR, optimizerFiles, type OptimizerState } from './optimizer-files.js';

/**
 * The metadata file beside model.json.
 *
 * @example
 * ```ts
 * const meta = JSON.parse(await readFile(path.join(dir, META_JSON), 'utf8'));
 * ```
 */
export const META_JSON = 'tfdistill.json';

/**
 * Options for {@link saveModel}.
 */
export interface SaveModelOptions {
  /** Labels, tokenizer file name, training position, metrics...; format fields are filled in. */
  meta?: Partial<CheckpointMeta>;
  /** Optimizer state to store under `optimizer/` (full precision). */
  optimizer?: OptimizerState;
  /** Extra files (e.g. 'tokenizer.json', 'report.md') written atomically with the rest; plain names only. */
  files?: Record<string, string | Uint8Array>;
  /** Maximum bytes per shard file; default 4 MiB like the tfjs converter. */
  shardBytes?: number;
  /** 'float16' halves the model's float32 weights on disk (stock tfjs decodes them back to float32). */
  weightDtype?: 'float32' | 'float16';
  /** @internal Crash-injection points for tests; see `SaveStep`. */
  hooks?: SaveHooks;
  /** Clock for `createdAt`; injected by tests. */
  now?: () => Date;
}

/**
 * Saves a layers model as a tfdistill checkpoint directory: stock TF.js `model.json` + `group1-shard*.bin`
 * (loadable by `tf.loadLayersModel`), `tfdistill.json` ({@link CheckpointMeta}), optional `optimizer/`
 * state and extra files. The directory is replaced atomically: a crash at any moment leaves either the
 * previous complete checkpoint or the new one. Refuses (OUTPUT_EXISTS) to replace a non-empty
 * directory that is not a checkpoint.
 *
 * @example
 * ```ts
 * await saveModel(student, 'runs/student', {
 *   meta: { labels: ['neg', 'pos'], tokenizer: 'tokenizer.json', metrics: { accuracy: 0.91 } },
 *   files: { 'tokenizer.json': tokenizerJsonText },
 * });
 * ```
 */
export async function saveModel(model: tf.LayersModel, dir: string, opts: SaveModelOptions = {}): Promise<void> {
  const weightDtype = opts.weightDtype ?? 'float32';
  if (weightDtype !== 'float32' && weightDtype !== 'float16') {
    throw new TfdistillError('INVALID_ARGUMENT', `weightDtype must be 'float32' or 'float16', got ${JSON.stringify(weightDtype)}`);
  }
  const extra = extraFiles(opts.files ?? {});
  const meta = buildCheckpointMeta(opts.meta, opts.now);
  if (meta.tokenizer !== undefined && !extra.has(meta.tokenizer)) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `meta.tokenizer is "${meta.tokenizer}" but no such file is in opts.files`,
      `pass files: { '${meta.tokenizer}': tokenizerJson }`,
    );
  }
  await assertReplaceable(dir, MODEL_JSON);

  let files = new Map<string, Uint8Array>();
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      files = modelFilesFromArtifacts(artifacts, { shardBytes: opts.shardBytes, weightDtype });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  files.set(META_JSON, new TextEncoder().encode(JSON.stringify(meta, null, 2)));
  if (opts.optimizer) {
    for (const [name, bytes] of await optimizerFiles(opts.optimizer, opts.shardBytes)) files.set(name, bytes);
  }
  for (const [name, bytes] of extra) files.set(name, bytes);
  await writeDirAtomic({ dir, files, hooks: opts.hooks });
}

/** Checks extra file names (plain, not clashing with checkpoint files) and encodes strings as UTF-8. */
function extraFiles(files: Record<string, string | Uint8Array>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [name, content] of Object.entries(files)) {
    if (!isPlainFileName(name)) {
      throw new TfdistillError('INVALID_ARGUMENT', `extra file name ${JSON.stringify(name)} must be a plain relative file name`);
    }
    if (name === MODEL_JSON || name === META_JSON || name === OPTIMIZER_DIR || /^group\d+-shard\d+of\d+\.bin$/.test(name)) {
      throw new TfdistillError('INVALID_ARGUMENT', `extra file name "${name}" is reserved for the checkpoint itself`);
    }
    if (typeof content !== 'string' && !(content instanceof Uint8Array)) {
      throw new TfdistillError('INVALID_ARGUMENT', `extra file "${name}" must be a string or a Uint8Array`);
    }
    out.set(name, typeof content === 'string' ? new TextEncoder().encode(content) : content);
  }
  return out;
}
