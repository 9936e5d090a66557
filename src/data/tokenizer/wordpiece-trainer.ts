/**
 * `trainWordPiece`: learns a BERT-style WordPiece vocabulary from raw texts, in pure JS (Node or browser), and
 * returns it as a ready `TextTokenizer` whose `toJSON()` is a standard Hugging Face `tokenizer.json`.
 *
 * Algorithm (HF `tokenizers`' WordPieceTrainer, which trains BPE merges and keeps the vocabulary):
 * 1. Normalize (BertNormalizer: clean text, space out CJK characters, lowercase + strip accents) and pre-tokenize
 *    (BertPreTokenizer: split on whitespace and punctuation) each text with the very pipeline the encoder will use,
 *    and count each word once. Words longer than `maxInputCharsPerWord` are skipped: they always encode to [UNK].
 * 2. Vocabulary starts as [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then every character, then `##c` for every
 *    character seen inside a word (both sorted by code point; HF uses hash order for the latter).
 * 3. Each word is split into its first character and `##` continuation characters. Repeatedly merge the adjacent
 *    pair with the highest corpus count (ties: left token, then right token, in string order) into a new token
 *    (`a` + `##b` -> `ab`, `##a` + `##b` -> `##ab`), until `vocabSize` tokens exist or the best pair occurs fewer
 *    than `minFrequency` times. See `wordpiece-merges.ts`.
 * Encoding then uses WordPiece's greedy longest-match-first over this vocabulary (the merges are not kept).
 */
import { TfdistillError } from '../../errors.js';
import type { TextTokenizer } from '../types.js';
import { BERT_SPECIAL_TOKENS, bertTokenizerJson, checkTokenizerJson } from './tokenizer-json.js';
import { createHfTokenizer } from './tokenizer-hf.js';
import { tokenizerFromJson } from './tokenizer.js';
import { MAX_MERGE_VOCAB, learnMerges } from './wordpiece-merges.js';

const PREFIX = '##';

/**
 * Options for {@link trainWordPiece}.
 */
export interface TrainWordPieceOptions {
  /** Target vocabulary size including the 5 special tokens (may end smaller if merges run out). Default 8000. */
  vocabSize?: number;
  /** A pair must occur at least this often in the corpus to be merged. Default 2. */
  minFrequency?: number;
  /** Lowercase and strip accents (an "uncased" tokenizer). Default true. */
  lowercase?: boolean;
  /** Words longer than this (in characters) encode to [UNK] and are not learned from. Default 100. */
  maxInputCharsPerWord?: number;
}

/**
 * Trains a WordPiece tokenizer on `texts` (any iterable, read once). Deterministic: the same texts and options
 * give the same vocabulary, whatever their order.
 *
 * @example
 * ```ts
 * const tok = trainWordPiece(records.map((r) => r.text), { vocabSize: 8000 });
 * await saveTokenizer(tok, 'runs/spam/tokenizer.json');
 * tok.encode('Free tickets!', 32); // Int32Array [2, ..., 3]
 * ```
 */
export function trainWordPiece(texts: Iterable<string>, options: TrainWordPieceOptions = {}): TextTokenizer {
  const { vocabSize = 8000, minFrequency = 2, lowercase = true, maxInputCharsPerWord = 100 } = options;
  checkOptions({ vocabSize, minFrequency, maxInputCharsPerWord });
  const jsonOptions = { lowercase, maxInputCharsPerWord };

  const wordCounts = countWords(texts, bertTokenizerJson(BERT_SPECIAL_TOKENS, jsonOptions), maxInputCharsPerWord);

  const alphabet = new Set<string>();
  const continuation = new Set<string>();
  for (const word of wordCounts.keys()) {
    let first = true;
    for (const ch of word) {
      alphabet.add(ch);
      if (!first) continuation.add(ch);
      first = false;
    }
  }
  const byCodePoint = (x: string, y: string) => x.codePointAt(0)! - y.codePointAt(0)!;
  const vocab: string[] = [
    ...BERT_SPECIAL_TOKENS,
    ...[...alphabet].sort(byCodePoint),
    ...[...continuation].sort(byCodePoint).map((ch) => PREFIX + ch),
  ];
  const ids = new Map(vocab.map((t, i) => [t, i]));

  const words: number[][] = [];
  const counts: number[] = [];
  for (const [word, count] of wordCounts) {
    words.push([...word].map((ch, i) => ids.get(i === 0 ? ch : PREFIX + ch)!));
    counts.push(count);
  }
  learnMerges({ vocab, words, counts, vocabSize, minFrequency, prefix: PREFIX });
  return tokenizerFromJson(bertTokenizerJson(vocab, jsonOptions));
}

/** Word -> corpus count, using the normalizer and pre-tokenizer of `skeleton` (the tokenizer being trained). */
function countWords(texts: Iterable<string>, skeleton: object, maxChars: number): Map<string, number> {
  const hf = createHfTokenizer(checkTokenizerJson(skeleton).json);
  const normalize = hf.normalizer!;
  const preTokenize = hf.pre_tokenizer!;
  const counts = new Map<string, number>();
  let index = 0;
  for (const text of texts) {
    if (typeof text !== 'string') {
      throw new TfdistillError('INVALID_ARGUMENT', `trainWordPiece: text #${index} is ${typeof text}, expected a string`);
    }
    for (const word of preTokenize(normalize(text))) {
      // Code points, not UTF-16 units, as the WordPiece encoder counts them.
      if (word.length > maxChars && [...word].length > maxChars) continue;
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    index++;
  }
  return counts;
}

function checkOptions(o: { vocabSize: number; minFrequency: number; maxInputCharsPerWord: number }): void {
  const positiveInt = (x: number) => Number.isInteger(x) && x >= 1;
  if (!positiveInt(o.vocabSize) || o.vocabSize < BERT_SPECIAL_TOKENS.length || o.vocabSize >= MAX_MERGE_VOCAB) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `vocabSize must be an integer in [${BERT_SPECIAL_TOKENS.length}, ${MAX_MERGE_VOCAB}), got ${o.vocabSize}`,
    );
  }
  if (!positiveInt(o.minFrequency))
    throw new TfdistillError('INVALID_ARGUMENT', `minFrequency must be an integer >= 1, got ${o.minFrequency}`);
  if (!positiveInt(o.maxInputCharsPerWord)) {
    throw new TfdistillError('INVALID_ARGUMENT', `maxInputCharsPerWord must be an integer >= 1, got ${o.maxInputCharsPerWord}`);
  }
}
