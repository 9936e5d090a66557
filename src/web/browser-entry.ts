/**
 * The page script of an exported student (bundled by esbuild into `tfdistill-web.js`). It runs in the browser with
 * stock TF.js from `tf.min.js` (the global `tf`), registers tfdistill's layers, loads `model.json`,
 * `tokenizer.json` and `labels.json` from the page's folder, and classifies what the user types. It runs on the fastest
 * backend that starts ({@link BROWSER_BACKENDS}: WebGL, then wasm from the folder's own binaries, then cpu), or on
 * the one named by the page's `?backend=` parameter.
 */
import * as tf from '@tensorflow/tfjs';
import '../models/register.js';
import { tokenizerFromJson } from '../data/tokenizer/tokenizer.js';

/**
 * What the page computes for one text (also what `window.tfdistill.classify` resolves with).
 *
 * @example
 * ```ts
 * const r: BrowserPrediction = await window.tfdistill.classify('win money'); // { label: 'spam', ... }
 * ```
 */
export interface BrowserPrediction {
  label: string;
  probabilities: Record<string, number>;
  latencyMs: number;
}

interface WebConfig {
  maxLength: number;
}

/**
 * `fetch` that refuses an HTTP error: TF.js would read a 404 page as weights and report a byte-length puzzle instead
 * of the missing file.
 */
async function fetchOk(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const res = await fetch(input, init);
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!res.ok) throw new Error(`cannot load ${url.split('/').pop()}: HTTP ${res.status}`);
  return res;
}

async function fetchJson(url: string): Promise<unknown> {
  return (await fetchOk(url)).json();
}

/** The backends the page tries, fastest first. */
export const BROWSER_BACKENDS = ['webgl', 'wasm', 'cpu'] as const;

/**
 * Starts the first backend of `order` that works in this browser (the wasm backend loads its binaries from `base`)
 * and returns its name; a backend named by the page (`?backend=`) is the only one tried.
 *
 * @example
 * ```ts
 * await startBackend('./', ['wasm']); // 'wasm', or throws when this browser cannot run it
 * ```
 */
export async function startBackend(base: string, order: readonly string[]): Promise<string> {
  const wasm = (tf as unknown as { wasm?: { setWasmPaths(prefix: string): void } }).wasm;
  wasm?.setWasmPaths(base);
  for (const name of order) {
    if (!tf.engine().registryFactory[name]) continue; // not in this page's scripts
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // this backend cannot start here; try the next
    }
  }
  throw new Error(`no TF.js backend of ${order.join(', ')} starts in this browser`);
}

/** The backends to try: the page's `?backend=` (checked against {@link BROWSER_BACKENDS}), else all of them in order. */
function backendOrder(search: string): readonly string[] {
  const asked = new URLSearchParams(search).get('backend');
  if (asked === null) return BROWSER_BACKENDS;
  if (!(BROWSER_BACKENDS as readonly string[]).includes(asked)) {
    throw new Error(`?backend=${asked} is not one of ${BROWSER_BACKENDS.join(', ')}`);
  }
  return [asked];
}

/**
 * Loads everything and returns the classify function; the page calls it once at start.
 *
 * @example
 * ```ts
 * const classify = await loadStudent('./');
 * ```
 */
export async function loadStudent(
  base: string,
  order: readonly string[] = BROWSER_BACKENDS,
): Promise<(text: string) => Promise<BrowserPrediction>> {
  await startBackend(base, order);
  const [model, tokenizerDoc, labels, config] = await Promise.all([
    tf.loadLayersModel(`${base}model.json`, { fetchFunc: fetchOk }),
    fetchJson(`${base}tokenizer.json`),
    fetchJson(`${base}labels.json`) as Promise<string[]>,
    fetchJson(`${base}web-config.json`) as Promise<WebConfig>,
  ]);
  const tokenizer = tokenizerFromJson(tokenizerDoc);
  return async (text: string) => {
    const t0 = performance.now();
    const ids = tokenizer.encode(text, config.maxLength);
    const probs = tf.tidy(() => {
      const raw = model.predict(tf.tensor2d(ids, [1, ids.length], 'int32')) as tf.Tensor | tf.Tensor[];
      return tf.softmax((Array.isArray(raw) ? raw[0] : raw).toFloat());
    });
    const p = Array.from(await probs.data());
    probs.dispose();
    const best = p.indexOf(Math.max(...p));
    const probabilities: Record<string, number> = {};
    labels.forEach((name, i) => {
      probabilities[name] = p[i];
    });
    return { label: labels[best], probabilities, latencyMs: performance.now() - t0 };
  };
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
    const classify = await loadStudent(new URL('./', document.baseURI).href, backendOrder(location.search));
    (window as unknown as { tfdistill: object }).tfdistill = { classify };
    status.textContent = `ready (TF.js ${tf.version.tfjs}, backend ${tf.getBackend()})`;
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
