/**
 * The Hugging Face `tokenizer.json` document for a BERT-style WordPiece tokenizer: building one from a vocabulary
 * (what `trainWordPiece` emits) and checking one we are asked to load, so that a bad file fails once, up front,
 * with `TOKENIZER_INVALID` instead of producing `undefined` ids deep inside a training run.
 */
import { TfdistillError } from '../errors.js';

/** BERT's special tokens, in id order: `[PAD]` must be 0 because tfdistill pads batches with 0. */
export const BERT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Options for {@link bertTokenizerJson}. */
export interface BertTokenizerJsonOptions {
  /** Lowercase (and strip accents) in the normalizer, like `bert-base-uncased`. */
  lowercase: boolean;
  /** Longer words encode to a single `[UNK]`. */
  maxInputCharsPerWord: number;
}

/**
 * The `tokenizer.json` a `BertWordPieceTokenizer` from HF `tokenizers` would write for this vocabulary:
 * BertNormalizer, BertPreTokenizer, `[CLS] A [SEP]` template, WordPiece model with `##` continuation pieces.
 * `vocab[i]` is the token with id i and must start with {@link BERT_SPECIAL_TOKENS}.
 *
 * @example
 * ```ts
 * const json = bertTokenizerJson(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', '##b'],
 *   { lowercase: true, maxInputCharsPerWord: 100 });
 * ```
 */
export function bertTokenizerJson(vocab: readonly string[], options: BertTokenizerJsonOptions): object {
  const ids: Record<string, number> = {};
  vocab.forEach((token, id) => (ids[token] = id));
  const special = (token: string) => ({ id: token, ids: [ids[token]], tokens: [token] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: BERT_SPECIAL_TOKENS.map((content) => ({
      id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      // null = "follow lowercase", HF's default: uncased models also strip accents.
      strip_accents: null,
      lowercase: options.lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: options.maxInputCharsPerWord,
      vocab: ids,
    },
  };
}

/** A checked `tokenizer.json`, with the optional keys the JS loader insists on filled in. */
export interface CheckedTokenizerJson {
  json: Record<string, unknown>;
  /** One more than the largest id (vocab and added tokens). */
  vocabSize: number;
  unkToken: string;
}

/**
 * Largest vocabulary accepted (tokens). BERT has 30,522 and multilingual WordPiece vocabs about 120,000; a file
 * claiming millions is refused before an embedding table of that size is ever built from it.
 *
 * @example
 * ```ts
 * if (Object.keys(doc.model.vocab).length > MAX_VOCAB_SIZE) console.warn('too big');
 * ```
 */
export const MAX_VOCAB_SIZE = 1_000_000;

/** A short, stack-safe description of an untrusted value for messages (JSON.stringify recurses into deep nesting). */
function preview(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(JSON.stringify(x)).slice(0, 60);
  return Array.isArray(x) ? `an array of ${x.length}` : `an object with keys ${Object.keys(x).slice(0, 5).join(', ')}`;
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

function invalid(message: string): TfdistillError {
  return new TfdistillError(
    'TOKENIZER_INVALID',
    `invalid tokenizer.json: ${message}`,
    'train one with trainWordPiece() or use a BERT-style WordPiece tokenizer.json from the Hugging Face Hub',
  );
}

/**
 * Checks that `doc` is a WordPiece `tokenizer.json` tfdistill can use: model type `WordPiece`, a vocab of unique
 * non-negative integer ids 0..n-1, `[PAD]` at id 0, the unknown token in the vocab. Returns a copy with the keys
 * the JS loader requires (`normalizer`, `pre_tokenizer`, ...) defaulted to null.
 *
 * @example
 * ```ts
 * const { vocabSize } = checkTokenizerJson(JSON.parse(text)); // throws TfdistillError('TOKENIZER_INVALID')
 * ```
 */
export function checkTokenizerJson(doc: unknown): CheckedTokenizerJson {
  if (!isObject(doc)) throw invalid('the document is not a JSON object');
  const model = doc.model;
  if (!isObject(model)) throw invalid('missing "model" object');
  if (model.type !== 'WordPiece') {
    throw invalid(`model type is ${preview(model.type)}, expected "WordPiece"`);
  }
  const vocab = model.vocab;
  if (!isObject(vocab) || Object.keys(vocab).length === 0) throw invalid('missing or empty "model.vocab"');
  const entries = Object.entries(vocab);
  if (entries.length > MAX_VOCAB_SIZE) {
    throw invalid(`the vocab has ${entries.length} tokens, more than the ${MAX_VOCAB_SIZE} tfdistill accepts`);
  }
  const seen = new Map<number, string>();
  for (const [token, id] of entries) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      throw invalid(`vocab id of ${JSON.stringify(token)} is ${preview(id)}, expected an integer >= 0`);
    }
    const other = seen.get(id);
    if (other !== undefined) throw invalid(`vocab id ${id} is used by both ${JSON.stringify(other)} and ${JSON.stringify(token)}`);
    seen.set(id, token);
  }
  // Unique ids all below the entry count means the ids are exactly 0..n-1: no holes in the embedding table.
  // A loop, not Math.max(...ids): spreading a 200k-entry vocab as arguments overflows the stack.
  let maxId = -1;
  for (const id of seen.keys()) if (id > maxId) maxId = id;
  if (maxId !== entries.length - 1) throw invalid(`vocab ids must be 0..${entries.length - 1}, found id ${maxId}`);
  if (vocab['[PAD]'] !== 0) throw invalid('"[PAD]" must have id 0 (tfdistill pads batches with id 0)');
  const unkToken = model.unk_token ?? '[UNK]';
  if (typeof unkToken !== 'string' || !(unkToken in vocab)) {
    throw invalid(`unknown token ${preview(unkToken)} is not in the vocab`);
  }
  const prefix = model.continuing_subword_prefix ?? '##';
  if (typeof prefix !== 'string') throw invalid('"model.continuing_subword_prefix" must be a string');
  const added = doc.added_tokens ?? [];
  if (!Array.isArray(added)) throw invalid('"added_tokens" must be an array');
  let vocabSize = entries.length;
  for (const token of added) {
    if (!isObject(token) || typeof token.content !== 'string' || !Number.isSafeInteger(token.id) || (token.id as number) < 0) {
      throw invalid(`bad added token ${preview(token)}`);
    }
    const id = token.id as number;
    const owner = seen.get(id);
    if (owner !== undefined && owner !== token.content) {
      throw invalid(`added token ${JSON.stringify(token.content)} reuses id ${id} of ${JSON.stringify(owner)}`);
    }
    vocabSize = Math.max(vocabSize, id + 1);
  }
  const json: Record<string, unknown> = {
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: null,
    ...doc,
    added_tokens: added,
    model: { ...model, unk_token: unkToken, continuing_subword_prefix: prefix },
  };
  return { json, vocabSize, unkToken };
}
