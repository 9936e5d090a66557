/**
 * Checks the `model` (and `added_tokens`) of a `tokenizer.json` before anything is built from it, so a bad file fails
 * once, up front, with `TOKENIZER_INVALID` instead of producing `undefined` ids deep inside a training run. Accepts
 * the model types `@huggingface/tokenizers` can run the way the Rust library does: WordPiece, BPE, Unigram.
 */
import { TfdistillError } from '../../errors.js';

/**
 * The `model.type` values tfdistill accepts.
 *
 * @example
 * ```ts
 * SUPPORTED_MODEL_TYPES.includes(doc.model.type); // false for WordLevel
 * ```
 */
export const SUPPORTED_MODEL_TYPES = ['WordPiece', 'BPE', 'Unigram'] as const;

/**
 * Largest vocabulary accepted (tokens). BERT has 30,522, RoBERTa 50,265 and XLM-R 250,002; a file claiming millions
 * is refused before an embedding table of that size is ever built from it.
 *
 * @example
 * ```ts
 * if (Object.keys(doc.model.vocab).length > MAX_VOCAB_SIZE) console.warn('too big');
 * ```
 */
export const MAX_VOCAB_SIZE = 1_000_000;

/**
 * What {@link checkModel} learned: the model with defaults filled in, the id range and the unknown token.
 *
 * @example
 * ```ts
 * const { vocabSize, unkId }: CheckedModel = checkModel(doc.model, doc.added_tokens ?? []);
 * ```
 */
export interface CheckedModel {
  model: Record<string, unknown>;
  /** One more than the largest id (vocab and added tokens); every id below it is used. */
  vocabSize: number;
  /** The unknown token and its model id, or null when the model has none (byte-level BPE). */
  unkToken: string | null;
  unkId: number | null;
}

/**
 * A short, stack-safe description of an untrusted value for messages (JSON.stringify recurses into deep nesting).
 *
 * @example
 * ```ts
 * preview([1, 2, 3]); // 'an array of 3'
 * ```
 */
export function preview(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(JSON.stringify(x)).slice(0, 60);
  return Array.isArray(x) ? `an array of ${x.length}` : `an object with keys ${Object.keys(x).slice(0, 5).join(', ')}`;
}

/**
 * True for a plain JSON object (not null, not an array).
 *
 * @example
 * ```ts
 * isObject({}); // true
 * ```
 */
export const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * A `TOKENIZER_INVALID` error with the standard prefix and hint.
 *
 * @example
 * ```ts
 * throw invalidTokenizer('missing "model" object');
 * ```
 */
export function invalidTokenizer(message: string): TfdistillError {
  return new TfdistillError(
    'TOKENIZER_INVALID',
    `invalid tokenizer.json: ${message}`,
    'use a tokenizer.json written by Hugging Face tokenizers/transformers, or train one with trainWordPiece()',
  );
}

/** token -> id of a WordPiece/BPE `vocab` object, checked: unique non-negative integer ids. */
function objectVocab(vocab: unknown): Map<string, number> {
  if (!isObject(vocab)) throw invalidTokenizer('missing or empty "model.vocab"');
  const tokens = Object.keys(vocab);
  if (tokens.length === 0) throw invalidTokenizer('missing or empty "model.vocab"');
  if (tokens.length > MAX_VOCAB_SIZE) {
    throw invalidTokenizer(`the vocab has ${tokens.length} tokens, more than the ${MAX_VOCAB_SIZE} tfdistill accepts`);
  }
  const ids = new Map<string, number>();
  const owners = new Map<number, string>();
  for (const token of tokens) {
    const id = vocab[token];
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      throw invalidTokenizer(`vocab id of ${JSON.stringify(token)} is ${preview(id)}, expected an integer >= 0`);
    }
    const other = owners.get(id);
    if (other !== undefined) throw invalidTokenizer(`vocab id ${id} is used by both ${JSON.stringify(other)} and ${JSON.stringify(token)}`);
    owners.set(id, token);
    ids.set(token, id);
  }
  return ids;
}

/** token -> id of a Unigram `vocab` list of [piece, score] (id = position). */
function unigramVocab(vocab: unknown): Map<string, number> {
  if (!Array.isArray(vocab) || vocab.length === 0) throw invalidTokenizer('missing or empty "model.vocab"');
  if (vocab.length > MAX_VOCAB_SIZE)
    throw invalidTokenizer(`the vocab has ${vocab.length} pieces, more than the ${MAX_VOCAB_SIZE} tfdistill accepts`);
  const ids = new Map<string, number>();
  vocab.forEach((entry, id) => {
    if (
      !Array.isArray(entry) ||
      entry.length !== 2 ||
      typeof entry[0] !== 'string' ||
      typeof entry[1] !== 'number' ||
      !Number.isFinite(entry[1])
    ) {
      throw invalidTokenizer(`vocab entry ${id} is ${preview(entry)}, expected [piece, finite score]`);
    }
    if (ids.has(entry[0])) throw invalidTokenizer(`vocab piece ${JSON.stringify(entry[0])} appears twice`);
    ids.set(entry[0], id);
  });
  return ids;
}

/** Checks BPE merges the way the Rust library does when it loads them: two vocab tokens whose join is a token. */
function checkMerges(merges: unknown, ids: Map<string, number>): void {
  if (!Array.isArray(merges)) throw invalidTokenizer('"model.merges" must be an array');
  for (const merge of merges) {
    const pair = typeof merge === 'string' ? merge.split(' ') : merge;
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw invalidTokenizer(`merge ${preview(merge)} is not "a b" or ["a", "b"]`);
    }
    for (const token of [pair[0], pair[1], pair[0] + pair[1]]) {
      if (!ids.has(token)) throw invalidTokenizer(`merge ${preview(merge)} uses ${JSON.stringify(token)}, which is not in the vocab`);
    }
  }
}

function optionalString(model: Record<string, unknown>, key: string): string | null {
  const v = model[key] ?? null;
  if (v !== null && typeof v !== 'string') throw invalidTokenizer(`"model.${key}" must be a string or null`);
  return v;
}

/** The model's token -> id map, its unknown token, and the model with the defaults the JS package needs. */
function checkModelVocab(model: Record<string, unknown>): {
  ids: Map<string, number>;
  unkToken: string | null;
  model: Record<string, unknown>;
} {
  if (model.type === 'WordPiece') {
    const ids = objectVocab(model.vocab);
    const unkToken = model.unk_token ?? '[UNK]';
    const prefix = model.continuing_subword_prefix ?? '##';
    if (typeof prefix !== 'string') throw invalidTokenizer('"model.continuing_subword_prefix" must be a string');
    const maxChars = model.max_input_chars_per_word ?? 100;
    if (!Number.isSafeInteger(maxChars) || (maxChars as number) < 1)
      throw invalidTokenizer('"model.max_input_chars_per_word" must be an integer >= 1');
    if (typeof unkToken !== 'string' || !ids.has(unkToken))
      throw invalidTokenizer(`unknown token ${preview(unkToken)} is not in the vocab`);
    return {
      ids,
      unkToken,
      model: { ...model, unk_token: unkToken, continuing_subword_prefix: prefix, max_input_chars_per_word: maxChars },
    };
  }
  if (model.type === 'BPE') {
    const ids = objectVocab(model.vocab);
    checkMerges(model.merges ?? [], ids);
    const unkToken = optionalString(model, 'unk_token');
    if (unkToken !== null && !ids.has(unkToken)) throw invalidTokenizer(`unknown token ${JSON.stringify(unkToken)} is not in the vocab`);
    // The package's BPE has no continuing-subword prefix (it would glue "##" into merged tokens); files that use one
    // are rare (byte-level and SentencePiece BPE files have none), so they are refused rather than mis-encoded.
    if ((optionalString(model, 'continuing_subword_prefix') ?? '') !== '') {
      throw invalidTokenizer('BPE with a "continuing_subword_prefix" is not supported by tfdistill');
    }
    optionalString(model, 'end_of_word_suffix');
    return { ids, unkToken, model: { ...model, merges: model.merges ?? [], unk_token: unkToken } };
  }
  if (model.type === 'Unigram') {
    const ids = unigramVocab(model.vocab);
    const unkId = model.unk_id ?? null;
    if (unkId !== null && (!Number.isSafeInteger(unkId) || (unkId as number) < 0 || (unkId as number) >= ids.size)) {
      throw invalidTokenizer(`"model.unk_id" is ${preview(unkId)}, expected an index into the vocab or null`);
    }
    // Unknown characters would need byte pieces (<0x41>); the package's Unigram has no byte fallback.
    if (model.byte_fallback === true) throw invalidTokenizer('Unigram with "byte_fallback" is not supported by tfdistill');
    const unkToken = unkId === null ? null : (model.vocab as [string, number][])[unkId as number][0];
    return { ids, unkToken, model: { ...model, unk_id: unkId } };
  }
  throw invalidTokenizer(`model type is ${preview(model.type)}; tfdistill supports ${SUPPORTED_MODEL_TYPES.join(', ')}`);
}

/**
 * Checks `doc.model` and `doc.added_tokens`: a supported model type, a vocab of unique non-negative integer ids that
 * together with the added tokens covers 0..n-1 without holes, a valid unknown token, BPE merges of vocab tokens.
 *
 * @example
 * ```ts
 * const { vocabSize, unkToken } = checkModel(doc.model, doc.added_tokens ?? []);
 * ```
 */
export function checkModel(model: unknown, addedTokens: unknown): CheckedModel {
  if (!isObject(model)) throw invalidTokenizer('missing "model" object');
  const checked = checkModelVocab(model);
  if (!Array.isArray(addedTokens)) throw invalidTokenizer('"added_tokens" must be an array');
  const owners = new Map<number, string>();
  for (const [token, id] of checked.ids) owners.set(id, token);
  for (const token of addedTokens) {
    if (!isObject(token) || typeof token.content !== 'string' || !Number.isSafeInteger(token.id) || (token.id as number) < 0) {
      throw invalidTokenizer(`bad added token ${preview(token)}`);
    }
    const owner = owners.get(token.id as number);
    if (owner !== undefined && owner !== token.content) {
      throw invalidTokenizer(`added token ${JSON.stringify(token.content)} reuses id ${token.id} of ${JSON.stringify(owner)}`);
    }
    owners.set(token.id as number, token.content);
  }
  // Distinct ids all below their count means exactly 0..n-1: no holes in the embedding table.
  // A loop, not Math.max(...ids): spreading a 200k-entry vocab as arguments overflows the stack.
  let maxId = -1;
  for (const id of owners.keys()) if (id > maxId) maxId = id;
  if (maxId !== owners.size - 1) throw invalidTokenizer(`token ids must be 0..${owners.size - 1}, found id ${maxId}`);
  const unkId = checked.unkToken === null ? null : checked.ids.get(checked.unkToken)!;
  return { model: checked.model, vocabSize: owners.size, unkToken: checked.unkToken, unkId };
}
