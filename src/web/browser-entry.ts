/**
 * The page script of an exported student (bundled by esbuild into `tfdistill-web.js`). It runs in the browser with
 * stock TF.js from `tf.min.js` (the global `tf`) and the backend scripts beside it, loads the folder with the web
 * entry's `loadClassifier` and classifies what the user types. It runs on the fastest backend that starts (WebGL, wasm
 * with tfdistill's kernels from the folder's own binaries, cpu), or on the one the page's `?backend=` names (WebGPU
 * too), and says which.
 */
import * as tf from '@tensorflow/tfjs';
import type { Prediction } from '../serve/predictor-core.js';
import { loadClassifier, type WebClassifier } from './load-classifier.js';
import { WEB_BACKENDS, type WebBackendName } from './web-backend.js';
import { createPredictor } from './web-predictor.js';

/**
 * What the page computes for one text (also what `window.tfdistill.classify` resolves with).
 *
 * @example
 * ```ts
 * const r: BrowserPrediction = await window.tfdistill.classify('win money'); // { label: 'spam', ... }
 * ```
 */
export interface BrowserPrediction extends Prediction {
  latencyMs: number;
}

/** The backend the page's `?backend=` names (one of {@link WEB_BACKENDS}), else `useWebBackend`'s default order. */
function backendOrder(search: string): readonly WebBackendName[] | undefined {
  const asked = new URLSearchParams(search).get('backend');
  if (asked === null) return undefined;
  if (!(WEB_BACKENDS as readonly string[]).includes(asked)) {
    throw new Error(`?backend=${asked} is not one of ${WEB_BACKENDS.join(', ')}`);
  }
  return [asked as WebBackendName];
}

/** What the status line says about the backend, e.g. `wasm + tfdistill SIMD kernels (relaxed SIMD, 1 thread)`. */
function describeBackend(info: WebClassifier['backend']): string {
  if (!('kernels' in info)) return info.name;
  if (info.name === 'wasm') {
    const threads = `${info.wasmThreadedBuild ? 'threaded build, ' : ''}${info.wasmThreads} XNNPACK thread${info.wasmThreads === 1 ? '' : 's'}`;
    return info.kernels ? `wasm + tfdistill SIMD kernels (${info.wasmFma ? 'relaxed SIMD, ' : ''}${threads})` : `wasm (${threads})`;
  }
  return info.renderer ? `${info.name} (${info.renderer})` : info.name;
}

/**
 * What this browser lacks of what the page needs (`fetch`, `TextEncoder`, `Promise.allSettled`), as a sentence for the
 * page, or undefined when it has everything. (A missing `tf.min.js` or ES modules are caught by the page itself.)
 *
 * @example
 * ```ts
 * missingFeatures(window); // undefined in any browser of the last five years
 * ```
 */
export function missingFeatures(w: Record<string, unknown>): string | undefined {
  const missing = [
    ...(typeof w.fetch === 'function' ? [] : ['fetch']),
    ...(typeof w.TextEncoder === 'function' ? [] : ['TextEncoder']),
    ...(typeof Promise.allSettled === 'function' ? [] : ['Promise.allSettled']),
  ];
  return missing.length === 0
    ? undefined
    : `this browser cannot run the model: it lacks ${missing.join(', ')}; use a current Chrome, Edge, Firefox or Safari`;
}

/** Wires the page: a text box, a button, and an output area; exposes `window.tfdistill` for scripts and tests. */
async function main(): Promise<void> {
  const status = document.getElementById('status')!;
  const input = document.getElementById('text') as HTMLTextAreaElement;
  const output = document.getElementById('output')!;
  const unsupported = missingFeatures(window as unknown as Record<string, unknown>);
  if (unsupported) {
    status.textContent = unsupported;
    document.body.dataset.ready = 'error';
    return;
  }
  try {
    const threads = new URLSearchParams(location.search).get('threads');
    const order = backendOrder(location.search);
    const backend = { ...(order ? { backends: order } : {}), ...(threads === null ? {} : { wasmThreads: Number(threads) }) };
    const classifier = await loadClassifier(new URL('./', document.baseURI), { backend });
    const predictor = await createPredictor(classifier, { maxWaitMs: 0 });
    const classify = async (text: string): Promise<BrowserPrediction> => {
      const t0 = performance.now();
      const prediction = await predictor.predict(text);
      return { ...prediction, latencyMs: performance.now() - t0 };
    };
    (window as unknown as { tfdistill: object }).tfdistill = { classify, backend: classifier.backend };
    status.textContent = `ready (TF.js ${tf.version.tfjs}, backend ${describeBackend(classifier.backend)})`;
    const run = async (): Promise<void> => {
      if (input.value.trim() === '') {
        output.textContent = '';
        return;
      }
      const r = await classify(input.value);
      output.textContent =
        `${r.label}\n` +
        Object.entries(r.probabilities)
          .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
          .join('\n') +
        `\nlatency: ${r.latencyMs.toFixed(1)} ms`;
    };
    document.getElementById('classify')!.addEventListener('click', () => void run());
    input.addEventListener('input', () => void run());
    document.body.dataset.ready = 'true';
  } catch (e) {
    // The model files are the usual culprit (a model.json edited by hand, a shard not uploaded): say which.
    status.textContent = `failed to load the model from this folder: ${(e as Error).message}`;
    document.body.dataset.ready = 'error';
  }
}

if (typeof document !== 'undefined') void main();
