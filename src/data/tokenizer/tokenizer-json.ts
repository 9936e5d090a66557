/**
 * The Hugging Face `tokenizer.json` document: building a BERT-style WordPiece one from a vocabulary (what
 * `trainWordPiece` emits) and checking any one we are asked to load (WordPiece, BPE, Unigram), so that a bad file
 * fails once, up front, with `TOKENIZER_INVALID` instead of producing `undefined` ids deep inside a training run.
 */
import { checkModel, invalidTokenizer, isObject } from './tokenizer-vocab.js';

export { MAX_VOCAB_SIZE } from './tokenizer-vocab.js';

/** BERT's special tokens, in id order: tfdistill's own WordPiece tokenizers keep `[PAD]` at 0 (the student default). */
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
  vocab.forEach((token, id) => {
    ids[token] = id;
  });
  const special = (token: string) => ({ id: token, ids: [ids[token]], tokens: [token] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: BERT_SPECIAL_TOKENS.map((content) => ({
      id: ids[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
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

/**
 * A checked `tokenizer.json`, with the optional keys the JS loader insists on filled in.
 *
 * @example
 * ```ts
 * const { json, vocabSize, unkId }: CheckedTokenizerJson = checkTokenizerJson(doc);
 * ```
 */
export interface CheckedTokenizerJson {
  json: Record<string, unknown>;
  /** One more than the largest id (vocab and added tokens). */
  vocabSize: number;
  /** The model's unknown token and its id, or null when it has none (byte-level BPE). */
  unkToken: string | null;
  unkId: number | null;
}

/**
 * Checks that `doc` is a `tokenizer.json` tfdistill can use: model type WordPiece, BPE or Unigram with a valid
 * vocabulary (see `checkModel`). Returns a copy with the keys the JS loader requires (`normalizer`,
 * `pre_tokenizer`, ...) defaulted to null. Normalizers, pre-tokenizers and the post-processor are checked when the
 * tokenizer is built from it.
 *
 * @example
 * ```ts
 * const { vocabSize } = checkTokenizerJson(JSON.parse(text)); // throws TfdistillError('TOKENIZER_INVALID')
 * ```
 */
export function checkTokenizerJson(doc: unknown): CheckedTokenizerJson {
  if (!isObject(doc)) throw invalidTokenizer('the document is not a JSON object');
  const added = doc.added_tokens ?? [];
  const { model, vocabSize, unkToken, unkId } = checkModel(doc.model, added);
  const json: Record<string, unknown> = {
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: null,
    ...doc,
    added_tokens: added,
    model,
  };
  return { json, vocabSize, unkToken, unkId };
}
