import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import type { TextTokenizer } from '../data/types.js';
import { assertReplaceable, writeDirAtomic } from '../io/atomic-dir.js';
import { buildCheckpointMeta, type CheckpointMeta } from '../io/checkpoint-meta.js';
import { captureArtifacts } from '../io/capture-artifacts.js';
import { TOKENIZER_JSON } from '../io/classifier-checkpoint.js';
import { float32ToFloat16 } from '../util/float16.js';
import { int8Role } from '../models/layers/weights.js';
import { MODEL_JSON, modelFilesFromArtifacts } from '../io/model-files.js';
import { META_JSON } from '../io/save-model.js';
import { affineQuantize, BYTES_PER_VALUE, type WeightDtype } from './quant-math.js';

/**
 * Which storage dtype each weight gets, by weight name (as in the manifest, e.g. `block_0/ffn1_kernel`).
 *
 * @example
 * ```ts
 * const dtypeOf: DtypeAssignment = (name) => (name.startsWith('embeddings') ? 'float16' : 'uint8');
 * ```
 */
export type DtypeAssignment = (name: string) => WeightDtype;

/**
 * One weight as written: its name, element count, dtype and stored bytes.
 */
export interface StoredWeight {
  name: string;
  size: number;
  /** The storage dtype; 'int8' for an int8 dense kernel's packed panel (int32 words of four weights). */
  dtype: WeightDtype | 'int8' | tf.DataType;
  bytes: number;
}

/**
 * Encodes a layers model as stock TF.js files (`model.json` + `group1-shard*.bin`) with each float32 weight
 * stored as its assigned dtype: manifest entries get `quantization: { dtype, scale, min }` (uint8/uint16,
 * converter math, see quant-math.ts) or `{ dtype: 'float16' }`, exactly what `tensorflowjs_converter` writes
 * and what `tf.loadLayersModel` decodes back to float32 on load.
 *
 * @example
 * ```ts
 * const { files, weights } = await quantizedModelFiles(model, { dtypeOf: () => 'uint8' });
 * ```
 */
export async function quantizedModelFiles(
  model: tf.LayersModel,
  opts: { dtypeOf: DtypeAssignment; shardBytes?: number },
): Promise<{ files: Map<string, Uint8Array>; weights: StoredWeight[] }> {
  const art = await captureArtifacts(model);
  const bytes = new Uint8Array(tf.io.CompositeArrayBuffer.join(art.weightData ?? new ArrayBuffer(0)));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  const weights: StoredWeight[] = [];
  let offset = 0;
  for (const spec of art.weightSpecs ?? []) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const byteLength = size * (spec.dtype === 'bool' ? 1 : 4);
    const raw = bytes.slice(offset, offset + byteLength); // copy: 4-byte aligned for the view
    offset += byteLength;
    const dtype = spec.dtype === 'float32' ? opts.dtypeOf(spec.name) : 'float32';
    if (!(dtype in BYTES_PER_VALUE)) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        `unknown weight dtype ${JSON.stringify(dtype)} for ${spec.name}`,
        'use one of uint8, uint16, float16, float32',
      );
    }
    const encoded = encodeWeight(new Float32Array(raw.buffer), dtype, spec, raw);
    specs.push(encoded.spec);
    parts.push(encoded.data);
    const stored = spec.dtype === 'float32' ? dtype : int8Role(spec.name)?.role === 'panel' ? 'int8' : spec.dtype;
    weights.push({ name: spec.name, size, dtype: stored, bytes: encoded.data.byteLength });
  }
  const files = modelFilesFromArtifacts(
    { ...art, weightSpecs: specs, weightData: concat(parts).buffer as ArrayBuffer },
    { shardBytes: opts.shardBytes },
  );
  return { files, weights };
}

function encodeWeight(values: Float32Array, dtype: WeightDtype, spec: tf.io.WeightsManifestEntry, raw: Uint8Array) {
  if (dtype === 'float32') return { spec, data: raw };
  if (dtype === 'float16') {
    return { spec: { ...spec, quantization: { dtype: 'float16' as const } }, data: new Uint8Array(float32ToFloat16(values).buffer) };
  }
  const q = affineQuantize(values, dtype);
  return {
    spec: { ...spec, quantization: { dtype, scale: q.scale, min: q.min } },
    data: new Uint8Array(q.values.buffer, q.values.byteOffset, q.values.byteLength),
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Options of {@link writeQuantizedCheckpoint}.
 */
export interface WriteQuantizedOptions {
  dtypeOf: DtypeAssignment;
  tokenizer?: TextTokenizer;
  labels?: string[];
  modelConfig?: Record<string, unknown>;
  meta?: Partial<CheckpointMeta>;
  shardBytes?: number;
}

/**
 * Writes a quantized tfdistill checkpoint (stock TF.js files + `tfdistill.json` + `tokenizer.json`), atomically,
 * like `saveClassifier` does for float weights. Loads with `tf.loadLayersModel`, `loadModel` and `loadClassifier`.
 *
 * @example
 * ```ts
 * await writeQuantizedCheckpoint(model, 'student-uint8', { dtypeOf: () => 'uint8', tokenizer, labels });
 * ```
 */
export async function writeQuantizedCheckpoint(model: tf.LayersModel, dir: string, opts: WriteQuantizedOptions): Promise<StoredWeight[]> {
  await assertReplaceable(dir, MODEL_JSON);
  const { files, weights } = await quantizedModelFiles(model, opts);
  const meta = buildCheckpointMeta({
    ...opts.meta,
    ...(opts.labels ? { labels: opts.labels } : {}),
    ...(opts.tokenizer ? { tokenizer: TOKENIZER_JSON } : {}),
    ...(opts.modelConfig ? { modelConfig: opts.modelConfig } : {}),
  });
  files.set(META_JSON, new TextEncoder().encode(JSON.stringify(meta, null, 2)));
  if (opts.tokenizer) files.set(TOKENIZER_JSON, new TextEncoder().encode(JSON.stringify(opts.tokenizer.toJSON())));
  await writeDirAtomic({ dir, files });
  return weights;
}
