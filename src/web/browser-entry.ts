/**
 * The page script of an exported student (bundled by esbuild into `tfdistill-web.js`). It runs in the browser with
 * stock TF.js from `tf.min.js` (the global `tf`), registers tfdistill's layers, loads `model.json`,
 * `tokenizer.json` and `labels.json` from the page's folder, and classifies what the user types. Inference runs on
 * TF.js's `cpu` backend: it works headless and without GPU, and its float32 results match Node's.
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

async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load ${url}: HTTP ${res.status}`);
  return res.json();
}

/**
 * Loads everything and returns the classify function; the page calls it once at start.
 *
 * @example
 * ```ts
 * const classify = await loadStudent('./');
 * ```
 */
export async function loadStudent(base: string): Promise<(text: string) => Promise<BrowserPrediction>> {
  await tf.setBackend('cpu');
  await tf.ready();
  const [model, tokenizerDoc, labels, config] = await Promise.all([
    tf.loadLayersModel(`${base}model.json`),
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

/** Wires the page: a text box, a button, and an output area; exposes `window.tfdistill` for scripts and tests. */
async function main(): Promise<void> {
  const status = document.getElementById('status')!;
  const input = document.getElementById('text') as HTMLTextAreaElement;
  const output = document.getElementById('output')!;
  try {
    const classify = await loadStudent(new URL('./', document.baseURI).href);
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
    status.textContent = `failed to load: ${(e as Error).message}`;
    document.body.dataset.ready = 'error';
  }
}

if (typeof document !== 'undefined') void main();
