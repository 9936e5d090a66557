/**
 * `exportWeb`: turns a classifier checkpoint into a static folder that runs the student in any browser, offline:
 * model files (optionally float16 or uint8 weights), `tokenizer.json`, `labels.json`, `web-config.json`,
 * `index.html`, the stock `tf.min.js` and tfdistill's page script (layers + tokenizer). Serve it with any static
 * file server; opening it via `file://` does not work because browsers block `fetch` there.
 */
import type * as tf from '@tensorflow/tfjs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { require_, TfdistillError } from '../errors.js';
import { captureArtifacts } from '../io/capture-artifacts.js';
import { assertOutputFree } from '../io/output-path.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import '../models/register.js';
import { WEB_BUNDLE, webBundle } from './build-bundle.js';
import { pageHtml } from './page-html.js';
import { quantizeWeights, type WebQuantization } from './quantize-weights.js';

/**
 * Options for {@link exportWeb}.
 */
export interface ExportWebOptions {
  /** Store weights as float16 (half size) or uint8 (quarter size); default float32. */
  quantize?: WebQuantization;
  /** Page title (default: the checkpoint folder's name). */
  title?: string;
  /** Allow writing into a non-empty `outDir` (files of the same name are replaced). */
  force?: boolean;
}

/**
 * What {@link exportWeb} wrote.
 *
 * @example
 * ```ts
 * const { files, weightBytes } = await exportWeb('student/', 'web/');
 * ```
 */
export interface ExportWebResult {
  outDir: string;
  files: string[];
  weightBytes: number;
}

const WEIGHTS_BIN = 'weights.bin';

/**
 * Exports a classifier checkpoint as a static browser app (see the file comment for the layout).
 * Throws `OUTPUT_EXISTS` for a non-empty `outDir` unless `force`.
 *
 * @example
 * ```ts
 * await exportWeb('runs/spam/student', 'web/', { quantize: 'float16' });
 * // then: npx http-server web/  (or any static server) and open http://localhost:8080
 * ```
 */
export async function exportWeb(checkpointDir: string, outDir: string, options: ExportWebOptions = {}): Promise<ExportWebResult> {
  require_(
    options.quantize === undefined || options.quantize === 'float16' || options.quantize === 'uint8',
    `quantize must be 'float16' or 'uint8', got '${options.quantize}'`,
  );
  await assertOutputFree(outDir, { force: options.force });
  const ckpt = await loadClassifier(checkpointDir);
  let artifacts: tf.io.ModelArtifacts;
  try {
    if (ckpt.model.inputs.length > 1) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        `${checkpointDir} reads sentence pairs; the exported page classifies single texts`,
        'export a student trained on single texts, or serve this one with createPredictor / tfdistill predict --text-pair',
      );
    }
    artifacts = await captureArtifacts(ckpt.model);
  } finally {
    ckpt.model.dispose();
  }
  let specs = artifacts.weightSpecs ?? [];
  let weights: Uint8Array = new Uint8Array(joinWeightData(artifacts.weightData));
  if (options.quantize) ({ specs, data: weights } = quantizeWeights(specs, weights.buffer as ArrayBuffer, options.quantize));

  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: 'tfdistill export-web',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }],
  };
  const title = options.title ?? path.basename(path.resolve(checkpointDir));
  await mkdir(outDir, { recursive: true }).catch((e: Error) => {
    throw new TfdistillError(
      'OUTPUT_EXISTS',
      `${outDir} is not a folder tfdistill can write into: ${e.message}`,
      'choose another --out folder',
    );
  });
  const files: Record<string, string | Uint8Array> = {
    'model.json': JSON.stringify(modelJson),
    [WEIGHTS_BIN]: weights,
    'tokenizer.json': JSON.stringify(ckpt.tokenizer.toJSON()),
    'labels.json': JSON.stringify(ckpt.labels),
    'web-config.json': JSON.stringify({ maxLength: ckpt.maxLength }),
    'index.html': pageHtml({ title, labels: ckpt.labels, bundle: WEB_BUNDLE }),
    [WEB_BUNDLE]: await webBundle(),
  };
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(outDir, name), content);
  const copied = stockScripts();
  for (const [name, from] of Object.entries(copied)) await copyFile(from, path.join(outDir, name));
  return { outDir, files: [...Object.keys(files), ...Object.keys(copied)].sort(), weightBytes: weights.length };
}

function joinWeightData(data: tf.io.ModelArtifacts['weightData']): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  if (!Array.isArray(data)) return data;
  const total = data.reduce((s, b) => s + b.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out.buffer;
}

/**
 * The stock browser builds the page loads, from the installed packages (the versions Node uses): TF.js (with its cpu
 * and WebGL backends), the WebGPU backend, and the wasm backend with its three binaries (plain, SIMD, threaded SIMD),
 * so that the folder needs no CDN.
 *
 * @example
 * ```ts
 * for (const [name, from] of Object.entries(stockScripts())) await copyFile(from, path.join(outDir, name));
 * ```
 */
export function stockScripts(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const tfDist = path.dirname(require.resolve('@tensorflow/tfjs')); // .../@tensorflow/tfjs/dist
  const wasmDist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')); // .../tfjs-backend-wasm/dist
  const webgpuDist = path.dirname(require.resolve('@tensorflow/tfjs-backend-webgpu')); // .../tfjs-backend-webgpu/dist
  return {
    'tf.min.js': path.join(tfDist, 'tf.min.js'),
    'tf-backend-wasm.min.js': path.join(wasmDist, 'tf-backend-wasm.min.js'),
    'tf-backend-webgpu.min.js': path.join(webgpuDist, 'tf-backend-webgpu.min.js'),
    ...Object.fromEntries(WASM_BINARIES.map((f) => [f, path.join(wasmDist, f)])),
  };
}

/** The wasm backend's binaries; it picks one by what the browser supports. */
const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
