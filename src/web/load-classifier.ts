/**
 * `loadClassifier` for browsers: loads a folder written by `tfdistill export-web` (`model.json` and its weights,
 * `tokenizer.json`, `labels.json`, `web-config.json`) by URL, after starting the fastest backend that works here.
 * Browser-safe: no Node built-ins.
 */
import * as tf from '@tensorflow/tfjs';
import '../models/register.js';
import { tokenizerFromJson } from '../data/tokenizer/tokenizer.js';
import type { TextTokenizer } from '../data/types.js';
import { TfdistillError } from '../errors.js';
import { encoderPadId } from '../models/inputs.js';
import { useWebBackend, type WebBackendInfo, type WebBackendOptions } from './web-backend.js';

/**
 * A classifier loaded in a page: the model, its tokenizer and label names, and the backend it runs on.
 *
 * @example
 * ```ts
 * const { model, tokenizer, labels, maxLength } = await loadClassifier('./model/');
 * ```
 */
export interface WebClassifier {
  model: tf.LayersModel;
  tokenizer: TextTokenizer;
  /** Class names; index = class id. */
  labels: string[];
  /** Longest token sequence the model accepts. */
  maxLength: number;
  /** The backend TF.js runs on (the one this call started, or the one already running with `backend: false`). */
  backend: WebBackendInfo | { name: string };
  /** Frees the model's weights. */
  dispose(): void;
}

/**
 * Options for {@link loadClassifier}.
 *
 * @example
 * ```ts
 * await loadClassifier('./model/', { backend: { backends: ['wasm'] } });
 * ```
 */
export interface WebLoadOptions {
  /** Which backend to start ({@link useWebBackend}'s options; default: the fastest); `false` keeps TF.js's current one. */
  backend?: WebBackendOptions | false;
  /** The `fetch` to load files with (default `globalThis.fetch`), e.g. to add credentials. */
  fetch?: typeof fetch;
}

/**
 * Loads an exported classifier folder from `url` (relative URLs resolve against the page). Fails with
 * `IO_ERROR` naming the file that did not load (HTTP status included) and `CHECKPOINT_INVALID` when the files do
 * not fit together.
 *
 * @example
 * ```ts
 * import { loadClassifier } from 'tfdistill/web';
 * const classifier = await loadClassifier('/models/spam/'); // the folder `tfdistill export-web` wrote
 * console.log(classifier.labels, classifier.backend.name);
 * ```
 */
export async function loadClassifier(url: string | URL, options: WebLoadOptions = {}): Promise<WebClassifier> {
  const base = folderUrl(url);
  const fetchFunc = options.fetch ?? globalThis.fetch.bind(globalThis);
  const fetchOk = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const file = String(input instanceof Request ? input.url : input);
    let res: Response;
    try {
      res = await fetchFunc(input, init);
    } catch (e) {
      throw new TfdistillError('IO_ERROR', `cannot load ${file}: ${(e as Error).message}`);
    }
    if (!res.ok)
      throw new TfdistillError(
        'IO_ERROR',
        `cannot load ${file.split('/').pop()}: HTTP ${res.status}`,
        `is ${base} a folder written by tfdistill export-web?`,
      );
    return res;
  };
  const json = async (name: string): Promise<unknown> => {
    const res = await fetchOk(new URL(name, base).href);
    try {
      return await res.json();
    } catch (e) {
      throw new TfdistillError('CHECKPOINT_INVALID', `${name} is not valid JSON: ${(e as Error).message}`);
    }
  };
  const backend = options.backend === false ? { name: tf.getBackend() } : await useWebBackend(options.backend);
  const loaded = await Promise.allSettled([
    loadModel(new URL('model.json', base).href, fetchOk),
    json('tokenizer.json'),
    json('labels.json'),
    json('web-config.json'),
  ]);
  const failed = loaded.find((r) => r.status === 'rejected');
  if (failed) {
    if (loaded[0].status === 'fulfilled') loaded[0].value.dispose(); // the model loaded, a companion file did not
    throw failed.reason;
  }
  const [model, tokenizerDoc, labels, config] = loaded.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    tf.LayersModel,
    unknown,
    unknown,
    unknown,
  ];
  try {
    const tokenizer = tokenizerFromJson(tokenizerDoc);
    const classes = model.outputs[0].shape.at(-1);
    if (!Array.isArray(labels) || labels.length === 0 || labels.length !== classes || !labels.every((l) => typeof l === 'string')) {
      throw new TfdistillError('CHECKPOINT_INVALID', `labels.json should list ${classes} label names, one per model output`);
    }
    const maxLength = (config as { maxLength?: unknown } | null)?.maxLength;
    if (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 1) {
      throw new TfdistillError('CHECKPOINT_INVALID', `web-config.json has no positive integer maxLength`);
    }
    if (encoderPadId(model) !== tokenizer.padId) {
      throw new TfdistillError(
        'CHECKPOINT_INVALID',
        `the model masks padding id ${encoderPadId(model)} but tokenizer.json pads with id ${tokenizer.padId}`,
      );
    }
    return { model, tokenizer, labels, maxLength, backend, dispose: () => model.dispose() };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** `url` as an absolute folder URL (with its trailing slash). */
function folderUrl(url: string | URL): string {
  const href = new URL(String(url), globalThis.location?.href).href;
  return href.endsWith('/') ? href : `${href}/`;
}

async function loadModel(url: string, fetchFunc: typeof fetch): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(url, { fetchFunc });
  } catch (e) {
    if (e instanceof TfdistillError) throw e;
    throw new TfdistillError('CHECKPOINT_INVALID', `cannot load model.json: ${(e as Error).message}`);
  }
}
