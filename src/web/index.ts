/**
 * `tfdistill/web`: running an exported student in a web app. ESM with no Node built-ins: bundle it with esbuild,
 * Vite or webpack. Serve the folder `tfdistill export-web` writes (model, tokenizer, labels and the wasm binaries).
 *
 * @example
 * ```ts
 * import { createPredictor } from 'tfdistill/web';
 * const predictor = await createPredictor('/models/spam/');
 * const { label } = await predictor.predict('WIN a free cruise!!!');
 * ```
 */
export { useWebBackend, WEB_BACKENDS, type WebBackendName, type WebBackendOptions, type WebBackendInfo } from './web-backend.js';
export { loadClassifier, type WebClassifier, type WebLoadOptions } from './load-classifier.js';
export { createPredictor, servePredictor, type WebPredictorOptions } from './web-predictor.js';
export type { Predictor, Prediction, PredictorOptions } from '../serve/predictor-core.js';
export type { MicroBatcherStats } from '../serve/micro-batcher.js';
export type { LongTextMode } from '../serve/long-text.js';
export { TfdistillError, type TfdistillErrorCode } from '../errors.js';
