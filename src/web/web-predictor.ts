/**
 * `createPredictor` for browsers: an exported classifier behind a micro-batched `predict(text)`, on the page's thread
 * or in a Web Worker (the worker script calls {@link servePredictor}), so the page never blocks while the model runs.
 * Browser-safe: no Node built-ins.
 */
import { TfdistillError, type TfdistillErrorCode } from '../errors.js';
import type { MicroBatcherStats } from '../serve/micro-batcher.js';
import { predictorFor, type Prediction, type Predictor, type PredictorOptions } from '../serve/predictor-core.js';
import { loadClassifier, type WebClassifier } from './load-classifier.js';
import type { WebBackendOptions } from './web-backend.js';

/**
 * Options for the web {@link createPredictor}.
 *
 * @example
 * ```ts
 * const options: WebPredictorOptions = { worker: new Worker(new URL('./predict-worker.js', import.meta.url), { type: 'module' }) };
 * ```
 */
export interface WebPredictorOptions extends PredictorOptions {
  /**
   * Run the model in this Web Worker, whose script calls {@link servePredictor}: the page's thread only posts texts
   * and receives predictions. `close()` terminates the worker.
   */
  worker?: Worker;
  /** Which backend to start (default: the fastest that works where the model runs); `false` keeps the current one. */
  backend?: WebBackendOptions | false;
}

/**
 * Loads an exported classifier folder by URL (or wraps one {@link loadClassifier} returned) as a micro-batching
 * predictor: concurrent `predict` calls share forward passes.
 *
 * @example
 * ```ts
 * import { createPredictor } from 'tfdistill/web';
 * const predictor = await createPredictor('/models/spam/');
 * console.log(await predictor.predict('WIN a free cruise!!!')); // { label: 'spam', probabilities: { ... } }
 * await predictor.close();
 * ```
 */
export async function createPredictor(source: string | URL | WebClassifier, options: WebPredictorOptions = {}): Promise<Predictor> {
  const { worker, backend, ...predictorOptions } = options;
  if (worker !== undefined) {
    if (typeof source !== 'string' && !(source instanceof URL)) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        'a worker predictor loads its model itself: pass the folder URL, not a loaded classifier',
      );
    }
    return workerPredictor(worker, source, predictorOptions, backend);
  }
  if (typeof source === 'string' || source instanceof URL) {
    const loaded = await loadClassifier(source, { backend });
    try {
      return predictorFor({ ...loaded, release: loaded.dispose }, predictorOptions);
    } catch (e) {
      loaded.dispose();
      throw e;
    }
  }
  return predictorFor({ ...source, release: () => {} }, predictorOptions);
}

/** What opening a predictor in the worker tells the page. */
type Opened = { labels: string[]; task: Predictor['task'] };

/** A request to the worker, and its reply. */
type Request =
  | { id: number; type: 'open'; url: string; options: PredictorOptions; backend?: WebBackendOptions | false }
  | { id: number; type: 'predict' | 'embed'; text: string; pair?: string }
  | { id: number; type: 'close' };
/** A request before it is numbered. */
type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;
type RequestBody = WithoutId<Request>;
type Reply = { id: number; stats: MicroBatcherStats } & (
  | { ok: true; value?: Prediction | Float32Array | Opened }
  | { ok: false; error: { code?: TfdistillErrorCode; message: string; hint?: string } }
);

/**
 * Answers {@link createPredictor}'s requests inside a Web Worker: call it once at the top of the worker script.
 *
 * @example
 * ```ts
 * // predict-worker.ts, bundled as its own file
 * import { servePredictor } from 'tfdistill/web';
 * servePredictor();
 * ```
 */
export function servePredictor(
  scope: Pick<Worker, 'postMessage'> & { onmessage: ((e: MessageEvent) => unknown) | null } = self as never,
): void {
  let predictor: Predictor | undefined;
  const stats = (): MicroBatcherStats => predictor?.stats() ?? { items: 0, batches: 0 };
  scope.onmessage = async ({ data }: MessageEvent<Request>) => {
    let reply: Reply;
    try {
      let value: Prediction | Float32Array | Opened | undefined;
      if (data.type === 'open') {
        const loaded = await loadClassifier(data.url, { backend: data.backend });
        predictor = predictorFor({ ...loaded, release: loaded.dispose }, data.options);
        value = { labels: loaded.labels, task: predictor.task };
      } else if (data.type === 'predict' || data.type === 'embed') {
        if (!predictor) throw new TfdistillError('INVALID_ARGUMENT', 'the predictor is not open');
        value = await predictor[data.type](data.text, data.pair);
      } else {
        await predictor?.close();
      }
      reply = { id: data.id, ok: true, value, stats: stats() };
    } catch (e) {
      const { code, message, hint } = e as TfdistillError;
      reply = { id: data.id, ok: false, error: { code, message: message ?? String(e), hint }, stats: stats() };
    }
    scope.postMessage(reply);
  };
}

/** The page side of a worker predictor: each call is a message, answered by {@link servePredictor}. */
async function workerPredictor(
  worker: Worker,
  url: string | URL,
  options: PredictorOptions,
  backend: WebBackendOptions | false | undefined,
): Promise<Predictor> {
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let lastStats: MicroBatcherStats = { items: 0, batches: 0 };
  let failed: Error | undefined;
  worker.onmessage = ({ data }: MessageEvent<Reply>) => {
    const waiter = pending.get(data.id);
    pending.delete(data.id);
    lastStats = data.stats;
    if (data.ok) waiter?.resolve(data.value);
    else waiter?.reject(new TfdistillError(data.error.code ?? 'IO_ERROR', data.error.message, data.error.hint));
  };
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    failed = new TfdistillError('IO_ERROR', `the predictor's worker failed: ${e.message}`, 'does the worker script call servePredictor()?');
    for (const w of pending.values()) w.reject(failed);
    pending.clear();
  };
  const ask = <T>(request: RequestBody): Promise<T> => {
    if (failed) return Promise.reject(failed);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  };
  // URLs resolve against the page, not the worker's script: the wasm binaries are in the page's folder by default.
  const page = globalThis.location?.href;
  const opened = ask<Opened>({
    type: 'open',
    url: new URL(String(url), page).href,
    options,
    backend: backend === false ? false : { ...backend, wasmPaths: new URL(backend?.wasmPaths ?? './', page).href },
  });
  const { labels, task } = await opened.catch((e: Error) => {
    worker.terminate();
    throw e;
  });
  return {
    labels,
    task,
    predict: (text, pair) => ask<Prediction>({ type: 'predict', text, ...(pair === undefined ? {} : { pair }) }),
    embed: (text, pair) => ask<Float32Array>({ type: 'embed', text, ...(pair === undefined ? {} : { pair }) }),
    stats: () => lastStats,
    close: async () => {
      await ask({ type: 'close' });
      worker.terminate();
    },
  };
}
