/**
 * `createPredictor`: a classifier checkpoint (or a loaded one) behind a `predict(text)` call that any number of
 * concurrent callers can use. Calls are grouped by a micro-batcher; each group is tokenized, padded to its longest row
 * and run in sub-batches of at most `maxBatchSize` windows, so long texts in `chunk` mode cannot blow up one forward
 * pass (see `predictor-core.ts`).
 */
import { TfdistillError } from '../errors.js';
import { resolveClassifier, type ClassifierSource } from '../eval/classifier-source.js';
import { checkPredictorOptions, predictorFor, type Predictor, type PredictorOptions } from './predictor-core.js';

/**
 * Loads (or wraps) a classifier checkpoint and returns a micro-batching {@link Predictor}.
 *
 * @example
 * ```ts
 * const predictor = await createPredictor('student/', { maxBatchSize: 16, maxWaitMs: 2, topK: 2 });
 * console.log(await predictor.predict('Meeting moved to 3pm'));
 * ```
 */
export async function createPredictor(source: ClassifierSource, options: PredictorOptions = {}): Promise<Predictor> {
  checkPredictorOptions(options); // before loading anything
  const c = await resolveClassifier(source);
  const { tokenizer, maxLength } = c;
  if (!tokenizer || maxLength === undefined) {
    c.release();
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      'a predictor needs a checkpoint with a tokenizer',
      'pass a checkpoint directory or a loadClassifier result',
    );
  }
  return predictorFor({ ...c, tokenizer, maxLength }, options);
}
