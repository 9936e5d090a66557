/**
 * A typed view of the parts of `@huggingface/tokenizers` (0.2.0, pure JS) that tfdistill uses.
 *
 * Why this file exists: the package's `.d.ts` files use extension-less relative imports, which TypeScript's
 * `NodeNext` resolution cannot follow, so `Tokenizer` arrives as `any` and the normalizer/pre-tokenizer classes
 * are missing from its types altogether. We describe the small surface we rely on here, once, and cast to it.
 */
import * as hf from '@huggingface/tokenizers';

/** What `Tokenizer#encode` returns (subset). */
export interface HfEncoding {
  ids: number[];
  tokens: string[];
}

/** The loaded pipeline: normalizer -> pre-tokenizer -> model -> post-processor. */
export interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): HfEncoding;
  token_to_id(token: string): number | undefined;
  /** `BertNormalizer` etc.; callable. Null when the JSON has no normalizer. */
  normalizer: ((text: string) => string) | null;
  /** `BertPreTokenizer` etc.; callable, returns the words. Null when the JSON has no pre-tokenizer. */
  pre_tokenizer: ((text: string) => string[]) | null;
  /** `TemplateProcessing` / `BertProcessing`; adds the special tokens around a token list. */
  post_processor: {
    post_process(tokens: string[], pair: string[] | null, addSpecialTokens: boolean): { tokens: string[] };
  } | null;
}

interface HfModule {
  Tokenizer: new (json: object, config: object) => HfTokenizer;
}

/**
 * Builds a `@huggingface/tokenizers` pipeline from a parsed `tokenizer.json`. Throws whatever the package throws
 * for configurations it does not support (callers wrap that into `TOKENIZER_INVALID`).
 *
 * @example
 * ```ts
 * const hfTok = createHfTokenizer(JSON.parse(text));
 * hfTok.encode('hello world').ids; // [2, ..., 3]
 * ```
 */
export function createHfTokenizer(json: object): HfTokenizer {
  return new (hf as unknown as HfModule).Tokenizer(json, {});
}
