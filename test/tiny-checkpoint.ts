import type * as tf from '@tensorflow/tfjs';
import { trainWordPiece } from '../src/data/tokenizer/wordpiece-trainer.js';
import type { TextTokenizer } from '../src/data/types.js';
import { saveClassifier } from '../src/io/classifier-checkpoint.js';
import { createEncoder } from '../src/models/encoder.js';
import type { Prediction } from '../src/serve/predictor-core.js';
import { createPredictor } from '../src/serve/predictor.js';
import { expectNoLeaks } from './helpers.js';

/** A few labelled texts: spam talks about money and prizes, ham about meetings and code. */
export const tinyTexts: Array<{ text: string; label: string }> = [
  { text: 'win a free prize now, claim your money', label: 'spam' },
  { text: 'cheap pills and free money, click now', label: 'spam' },
  { text: 'you have won the lottery, send your bank details', label: 'spam' },
  { text: 'limited offer: free vacation prize, act now', label: 'spam' },
  { text: 'meeting moved to tuesday, see agenda attached', label: 'ham' },
  { text: 'the build failed on main, can you look at the test', label: 'ham' },
  { text: 'lunch tomorrow? the usual place at noon', label: 'ham' },
  { text: 'review of the pull request is done, two comments', label: 'ham' },
];

/**
 * Builds and saves a tiny (untrained, seeded) text classifier checkpoint with a WordPiece tokenizer trained on
 * {@link tinyTexts}, for tests of everything that consumes checkpoints. Returns the in-memory model too; the caller
 * disposes it.
 */
export async function makeTinyCheckpoint(
  dir: string,
  opts: { seed?: number; dModel?: number } = {},
): Promise<{
  model: tf.LayersModel;
  tokenizer: TextTokenizer;
  labels: string[];
}> {
  const tokenizer = trainWordPiece(
    tinyTexts.map((t) => t.text),
    { vocabSize: 120, minFrequency: 1 },
  );
  const labels = ['ham', 'spam'];
  const config = {
    vocabSize: tokenizer.vocabSize,
    maxLength: 32,
    dModel: opts.dModel ?? 16,
    numLayers: 1,
    numHeads: 2,
    ffnDim: 32,
    numClasses: 2,
    dropout: 0,
    seed: opts.seed ?? 1,
  };
  const model = createEncoder(config);
  await saveClassifier(model, dir, { tokenizer, labels, modelConfig: config });
  return { model, tokenizer, labels };
}

/**
 * What Node's `createPredictor` answers for `texts` on the checkpoint in `dir`: the reference the web tests compare the
 * browser with. Checks that no tensor leaks.
 */
export async function nodePredictions(dir: string, texts: string[]): Promise<Prediction[]> {
  return expectNoLeaks(async () => {
    const predictor = await createPredictor(dir);
    try {
      return await Promise.all(texts.map((t) => predictor.predict(t)));
    } finally {
      await predictor.close();
    }
  });
}
