/**
 * The `@huggingface/tokenizers` (0.2.0, pure JS) pipeline tfdistill encodes with: the package's added-token
 * matching and its WordPiece / BPE models, with tfdistill's own normalizer, pre-tokenizer, Unigram segmentation and
 * encoding loop installed (tokenizer-normalizers.ts, tokenizer-pretokenizers.ts, tokenizer-unigram.ts and
 * {@link encodeWithSplits} say where the package's differ from the Rust library).
 * Special tokens around the text are not the package's business here: tokenizer-layout.ts reads the post-processor.
 *
 * The package's `.d.ts` files use extension-less relative imports, which TypeScript's `NodeNext` resolution cannot
 * follow, so `Tokenizer` arrives as `any`; the small surface used is described here, once.
 */
import * as hf from '@huggingface/tokenizers';
import { buildNormalizer, type NormalizerFn } from './tokenizer-normalizers.js';
import { buildPreTokenizer } from './tokenizer-pretokenizers.js';
import { unigramSegmenter } from './tokenizer-unigram.js';

/**
 * What `Tokenizer#encode` returns (subset).
 *
 * @example
 * ```ts
 * const { ids }: HfEncoding = hfTok.encode('hello', { add_special_tokens: false });
 * ```
 */
export interface HfEncoding {
  ids: Array<number | undefined>;
  tokens: string[];
}

/** An added token as the package keeps it. */
interface HfAddedToken {
  id: number;
  content: string;
  normalized: boolean;
  lstrip: boolean;
  rstrip: boolean;
}

/** The text splitter the package uses to find added tokens. */
interface HfSplitter {
  split(text: string): string[];
}

/** The model: callable (words -> tokens; runs `encode`, then fuses unknown tokens), with its vocabulary. */
interface HfModel {
  (words: string[]): string[];
  tokens_to_ids: Map<string, number>;
  unk_token_id: number | null | undefined;
  /** Unigram only: one word -> its pieces. */
  tokenize?: (word: string) => string[];
}

/**
 * The loaded pipeline: added tokens -> normalizer -> pre-tokenizer -> model.
 *
 * @example
 * ```ts
 * const words = hfTok.pre_tokenizer?.(hfTok.normalizer?.(text) ?? text) ?? [text];
 * ```
 */
export interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): HfEncoding;
  token_to_id(token: string): number | undefined;
  id_to_token(id: number): string | undefined;
  /** Callable normalizer, or null when the JSON has none. */
  normalizer: NormalizerFn | null;
  /** Callable pre-tokenizer (returns the words), or null when the JSON has none. */
  pre_tokenizer: ((text: string, options?: { section_index?: number }) => string[]) | null;
  model: HfModel;
  added_tokens: HfAddedToken[];
  added_tokens_map: Map<string, HfAddedToken>;
  splitter_unnormalized: HfSplitter;
  splitter_normalized: HfSplitter;
}

interface HfModule {
  Tokenizer: new (json: object, config: object) => HfTokenizer;
}

/**
 * The package normalizes added tokens marked `normalized` in its constructor. Ours is installed afterwards, so the
 * two splitters are rebuilt here the way the constructor builds them: raw contents are matched in the raw text,
 * normalized contents in the normalized text.
 */
function installNormalizer(tok: HfTokenizer, normalize: NormalizerFn | null): void {
  tok.normalizer = normalize;
  if (normalize === null) return;
  const Splitter = tok.splitter_unnormalized.constructor as new (words: string[]) => HfSplitter;
  const raw: string[] = [];
  const normalized: string[] = [];
  for (const token of tok.added_tokens) {
    if (!token.normalized) {
      raw.push(token.content);
      continue;
    }
    const content = normalize(token.content);
    normalized.push(content);
    tok.added_tokens_map.set(content, token);
  }
  tok.splitter_unnormalized = new Splitter(raw);
  tok.splitter_normalized = new Splitter(normalized);
}

/**
 * Builds the pipeline from a checked `tokenizer.json`. Throws `TfdistillError('TOKENIZER_INVALID')` for unsupported
 * normalizers / pre-tokenizers, and whatever the package throws for a model it cannot build (callers wrap that).
 *
 * @example
 * ```ts
 * const hfTok = createHfTokenizer(checkTokenizerJson(JSON.parse(text)).json);
 * hfTok.encode('hello world', { add_special_tokens: false }).ids; // [7592, 2088]
 * ```
 */
export function createHfTokenizer(json: Record<string, unknown>): HfTokenizer {
  const normalize = buildNormalizer(json.normalizer);
  const preTokenize = buildPreTokenizer(json.pre_tokenizer);
  const tok = new (hf as unknown as HfModule).Tokenizer(
    { ...json, normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null },
    {},
  );
  installNormalizer(tok, normalize);
  tok.pre_tokenizer =
    preTokenize === null ? null : (text, options) => preTokenize([{ text, first: (options?.section_index ?? 0) === 0 }]).map((p) => p.text);
  // The package's Unigram lattice breaks near-ties differently from Rust (tokenizer-unigram.ts says why).
  if ((json.model as { type?: unknown }).type === 'Unigram') {
    const model = json.model as { vocab: [string, number][]; unk_id: number | null };
    tok.model.tokenize = unigramSegmenter(model.vocab, model.unk_id);
  }
  return tok;
}

/** Rust strips `\s` (Unicode White_Space) beside lstrip/rstrip tokens; the package's `trim` also eats U+FEFF. */
function stripAround(sections: string[], tok: HfTokenizer): void {
  sections.forEach((section, i) => {
    const added = tok.added_tokens_map.get(section);
    if (added === undefined) return;
    if (added.lstrip && i > 0) sections[i - 1] = sections[i - 1].replace(/\p{White_Space}+$/u, '');
    if (added.rstrip && i < sections.length - 1) sections[i + 1] = sections[i + 1].replace(/^\p{White_Space}+/u, '');
  });
}

/**
 * Encodes `text` without special tokens: added tokens found in the raw text, then normalizer, added tokens found in
 * the normalized text, pre-tokenizer, and the model one word at a time. Also reports how many tokens each split
 * (added token or word) produced, in order: the Rust library stops tokenizing a truncated text after the split that
 * reaches the limit, which matters for pairs (see tokenizer.ts).
 *
 * The package's own `encode` does the same steps, but runs the model over all words at once, fusing unknown tokens
 * across words (Rust fuses inside a word only), and trims U+FEFF beside lstrip/rstrip tokens (Rust keeps it).
 *
 * @example
 * ```ts
 * const { ids, splitLengths } = encodeWithSplits(hfTok, 'hello world'); // splitLengths [1, 1]
 * ```
 */
export function encodeWithSplits(tok: HfTokenizer, text: string): { ids: Array<number | null | undefined>; splitLengths: number[] } {
  const ids: Array<number | null | undefined> = [];
  const splitLengths: number[] = [];
  const model = tok.model;
  const addedId = (content: string) => {
    ids.push(tok.added_tokens_map.get(content)!.id);
    splitLengths.push(1);
  };
  const sections = tok.splitter_unnormalized.split(text);
  stripAround(sections, tok);
  sections.forEach((section, sectionIndex) => {
    if (section.length === 0) return;
    if (tok.added_tokens_map.has(section)) {
      addedId(section);
      return;
    }
    const normalized = tok.normalizer === null ? section : tok.normalizer(section);
    if (normalized.length === 0) return;
    const subsections = tok.splitter_normalized.split(normalized);
    stripAround(subsections, tok);
    subsections.forEach((sub, subIndex) => {
      if (sub.length === 0) return;
      if (tok.added_tokens_map.has(sub)) {
        addedId(sub);
        return;
      }
      // Index 0 tells the pre-tokenizer this piece starts the text (Metaspace's prepend_scheme "first").
      const first = sectionIndex === 0 && subIndex === 0;
      const words = tok.pre_tokenizer === null ? [sub] : tok.pre_tokenizer(sub, { section_index: first ? 0 : 1 });
      for (const word of words) {
        const tokens = model([word]);
        for (const t of tokens) ids.push(model.tokens_to_ids.get(t) ?? model.unk_token_id);
        splitLengths.push(tokens.length);
      }
    });
  });
  return { ids, splitLengths };
}
