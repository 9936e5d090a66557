/**
 * The platform-free part of a predictor: a loaded classifier (model, tokenizer, labels) behind a micro-batched
 * `predict(text)`. Node's `createPredictor` (which loads checkpoints from disk) and the web entry's (which loads an
 * exported folder by URL) both build on {@link predictorFor}.
 */
import { require_, TfdistillError } from '../errors.js';
import type { Example, TextTokenizer } from '../data/types.js';
import { predictLogits } from '../eval/predict-logits.js';
import type * as tf from '@tensorflow/tfjs';
import { takesTokenTypes } from '../models/inputs.js';
import { specialTokenLayout, textWindows, type LongTextMode } from './long-text.js';
import { MicroBatcher, type MicroBatcherStats } from './micro-batcher.js';

/**
 * Options for `createPredictor` (Node and web).
 */
export interface PredictorOptions {
  /** Most texts per forward pass (default 32). */
  maxBatchSize?: number;
  /** How long a request waits for companions (default 5 ms). */
  maxWaitMs?: number;
  /** `truncate` (default) keeps the first `maxLength` tokens; `chunk` averages logits over half-overlapping windows. */
  longText?: LongTextMode;
  /** Also return the `topK` most likely labels, best first. */
  topK?: number;
}

/**
 * One prediction.
 *
 * @example
 * ```ts
 * const p: Prediction = await predictor.predict('win a prize'); // { label: 'spam', probabilities: { ham: 0.1, spam: 0.9 } }
 * ```
 */
export interface Prediction {
  label: string;
  /** Softmax probability per label name. */
  probabilities: Record<string, number>;
  /** The `topK` best labels, best first, when `topK` was set. */
  topK?: Array<{ label: string; probability: number }>;
}

/**
 * A loaded classifier serving concurrent `predict` calls.
 *
 * @example
 * ```ts
 * const predictor = await createPredictor('student/');
 * const results = await Promise.all(texts.map((t) => predictor.predict(t))); // micro-batched
 * await predictor.close();
 * ```
 */
export interface Predictor {
  /** Class names (empty for an embedding model). */
  readonly labels: readonly string[];
  /** 'embedding' when the model makes sentence vectors (use `embed`), 'classification' when it classifies (`predict`). */
  readonly task: 'classification' | 'embedding';
  /**
   * Classifies one text, or a sentence pair (`pair`: the second text; for students trained on pairs, always
   * truncated longest-first); rejects with `DATA_INVALID` for an empty text, `INVALID_ARGUMENT` on an embedding model.
   */
  predict(text: string, pair?: string): Promise<Prediction>;
  /**
   * The sentence vector of one text (or pair): the model's output, averaged over a long text's windows in `chunk`
   * mode; rejects with `DATA_INVALID` for an empty text, `INVALID_ARGUMENT` on a classifier.
   */
  embed(text: string, pair?: string): Promise<Float32Array>;
  /** Requests answered and forward batches run so far (mean batch size = items / batches). */
  stats(): MicroBatcherStats;
  /** Answers what is queued, then disposes the model when this predictor loaded it. */
  close(): Promise<void>;
}

/**
 * What a predictor runs: a loaded classifier with its tokenizer, and what to do on `close()`.
 *
 * @example
 * ```ts
 * const loaded: LoadedClassifier = { model, tokenizer, labels: ['ham', 'spam'], maxLength: 64, release: () => model.dispose() };
 * ```
 */
export interface LoadedClassifier {
  model: tf.LayersModel;
  tokenizer: TextTokenizer;
  labels: readonly string[];
  /** 'embedding' for a model that outputs sentence vectors. */
  task?: 'embedding';
  maxLength: number;
  /** Called by `close()` once the queue is answered (disposes the model when the predictor owns it). */
  release(): void;
}

/**
 * Throws `INVALID_ARGUMENT` for an unknown `longText` mode or a `topK` that is not a positive integer.
 *
 * @example
 * ```ts
 * checkPredictorOptions({ topK: 0 }); // throws
 * ```
 */
export function checkPredictorOptions(options: PredictorOptions): void {
  const mode = options.longText ?? 'truncate';
  require_(mode === 'truncate' || mode === 'chunk', `longText must be 'truncate' or 'chunk', got '${mode}'`);
  require_(
    options.topK === undefined || (Number.isInteger(options.topK) && options.topK >= 1),
    `topK must be a positive integer, got ${options.topK}`,
  );
}

/**
 * Checks `options` and wraps a loaded classifier as a micro-batching {@link Predictor}. Throws `INVALID_ARGUMENT`
 * for bad options (without releasing `c`).
 *
 * @example
 * ```ts
 * const predictor = predictorFor({ model, tokenizer, labels, maxLength, release: () => {} }, { topK: 2 });
 * ```
 */
export function predictorFor(c: LoadedClassifier, options: PredictorOptions = {}): Predictor {
  checkPredictorOptions(options);
  const { tokenizer, maxLength, labels } = c;
  const maxBatchSize = options.maxBatchSize ?? 32;
  const maxWaitMs = options.maxWaitMs ?? 5;
  const mode = options.longText ?? 'truncate';
  const layout = specialTokenLayout(tokenizer);
  const pairs = takesTokenTypes(c.model);
  const embedding = c.task === 'embedding';
  const k = embedding ? (c.model.outputs[0].shape.at(-1) as number) : labels.length;

  /** Each text's output row, averaged over its windows (float64 sums). */
  const outputsOf = async (texts: Array<{ text: string; pair?: string }>): Promise<Float64Array[]> => {
    // Every window of every text becomes one example; `owner[j]` is the text window j belongs to. A pair is one window.
    const examples: Example[] = [];
    const owner: number[] = [];
    texts.forEach(({ text, pair }, t) => {
      const windows =
        pair === undefined
          ? textWindows(tokenizer, text, { maxLength, mode, layout }).map((ids) => ({ ids }))
          : [tokenizer.encodePair(text, pair, maxLength)];
      for (const w of windows) {
        owner.push(t);
        examples.push({ ...w, index: examples.length });
      }
    });
    const logits = await predictLogits(c.model, examples, { batchSize: maxBatchSize }); // [windows, k]
    const sums = texts.map(() => new Float64Array(k)); // [texts][k]
    const counts = new Int32Array(texts.length);
    owner.forEach((t, j) => {
      counts[t]++;
      for (let i = 0; i < k; i++) sums[t][i] += logits[j * k + i];
    });
    return sums.map((row, t) => row.map((v) => v / counts[t]));
  };
  const runBatch = async (texts: Array<{ text: string; pair?: string }>): Promise<Array<Prediction | Float32Array>> =>
    (await outputsOf(texts)).map((row) => (embedding ? Float32Array.from(row) : toPrediction(row, labels, options.topK)));
  const batcher = new MicroBatcher(runBatch, { maxBatchSize, maxWaitMs });

  const submit = (text: string, pair: string | undefined, want: 'classification' | 'embedding') => {
    if (want !== (embedding ? 'embedding' : 'classification')) {
      return Promise.reject(
        new TfdistillError(
          'INVALID_ARGUMENT',
          embedding
            ? 'this model makes sentence vectors: call embed(), not predict()'
            : 'this model classifies: call predict(), not embed()',
        ),
      );
    }
    if (typeof text !== 'string' || text.trim() === '' || (pair !== undefined && (typeof pair !== 'string' || pair.trim() === ''))) {
      return Promise.reject(new TfdistillError('DATA_INVALID', `cannot ${embedding ? 'embed' : 'classify'} an empty text`));
    }
    if ((pair !== undefined) !== pairs) {
      return Promise.reject(
        new TfdistillError(
          'DATA_INVALID',
          pairs
            ? `this model ${embedding ? 'embeds' : 'classifies'} sentence pairs: give a second text`
            : `this model ${embedding ? 'embeds' : 'classifies'} single texts, not sentence pairs`,
        ),
      );
    }
    return batcher.submit({ text, pair });
  };

  return {
    labels,
    task: embedding ? 'embedding' : 'classification',
    predict: (text: string, pair?: string) => submit(text, pair, 'classification') as Promise<Prediction>,
    embed: (text: string, pair?: string) => submit(text, pair, 'embedding') as Promise<Float32Array>,
    stats: () => batcher.stats(),
    close: async () => {
      await batcher.close();
      c.release();
    },
  };
}

/**
 * Softmax (float64, max-shifted) of one row of averaged logits, with the argmax label and optional top-k.
 *
 * @example
 * ```ts
 * toPrediction(Float64Array.from([0, 2]), ['ham', 'spam']); // { label: 'spam', probabilities: { ham: 0.12, spam: 0.88 } }
 * ```
 */
export function toPrediction(logits: ArrayLike<number>, labels: readonly string[], topK?: number): Prediction {
  let max = -Infinity,
    best = 0;
  for (let i = 0; i < labels.length; i++)
    if (logits[i] > max) {
      max = logits[i];
      best = i;
    }
  const exps = Array.from({ length: labels.length }, (_, i) => Math.exp(logits[i] - max));
  const z = exps.reduce((s, v) => s + v, 0);
  const probabilities: Record<string, number> = {};
  labels.forEach((name, i) => {
    probabilities[name] = exps[i] / z;
  });
  const out: Prediction = { label: labels[best], probabilities };
  if (topK !== undefined) {
    out.topK = labels
      .map((label, i) => ({ label, probability: exps[i] / z }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, topK);
  }
  return out;
}
