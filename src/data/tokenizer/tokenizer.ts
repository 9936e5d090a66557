/**
 * Using tokenizers; this file runs in browsers too (loading and saving files is `tokenizer-files.ts`, Node only). A
 * tfdistill tokenizer is a Hugging Face `tokenizer.json` (WordPiece, BPE including byte-level, or Unigram, with the
 * file's own normalizer, pre-tokenizer and post-processor), run by the pure-JS `@huggingface/tokenizers` plus the
 * pieces tfdistill writes where that package differs from the Rust library, so the same file encodes identically in
 * Node and the browser and as Python's `tokenizers` encodes it. It can come from the Hub, from `optimum-cli export
 * onnx`, or from `trainWordPiece`.
 */
import { TfdistillError } from '../../errors.js';
import type { TextTokenizer, TokenizedText } from '../types.js';
import { checkTokenizerJson } from './tokenizer-json.js';
import { createHfTokenizer, encodeWithSplits, type HfTokenizer } from './tokenizer-hf.js';
import { buildLayouts, type LayoutItem, type Layouts } from './tokenizer-layout.js';
import { assemble, longestFirst } from './tokenizer-pair.js';
import { modelMaxLength, resolvePadId, type TokenizerCompanions } from './tokenizer-special.js';

export type { TokenizerCompanions } from './tokenizer-special.js';

/**
 * A `TextTokenizer` loaded from a Hugging Face tokenizer, with the folder's `model_max_length` when it gave one.
 *
 * @example
 * ```ts
 * const tok: HfTextTokenizer = tokenizerFromJson(doc);
 * const ids = tok.encode(text, tok.maxLength ?? 128);
 * ```
 */
export interface HfTextTokenizer extends TextTokenizer {
  /** `model_max_length` from `tokenizer_config.json`: the longest input the model was trained on (a hint). */
  readonly maxLength?: number;
}

/** Runs a `@huggingface/tokenizers` call, turning its exceptions (bad configs it did not validate) into TOKENIZER_INVALID. */
function hfCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TfdistillError) throw e;
    throw new TfdistillError('TOKENIZER_INVALID', `invalid tokenizer.json: ${(e as Error)?.message ?? String(e)}`);
  }
}

const specialsIn = (layout: readonly LayoutItem[]) => layout.filter((item) => 'special' in item).length;

/** A `TextTokenizer` over any supported `tokenizer.json`. Construct with {@link tokenizerFromJson} or {@link loadTokenizer}. */
class JsonTextTokenizer implements HfTextTokenizer {
  readonly vocabSize: number;
  readonly padId: number;
  readonly maxLength?: number;
  private readonly hf: HfTokenizer;
  private readonly json: Record<string, unknown>;
  private readonly unkId: number | null;
  private readonly layouts: Layouts;

  constructor(doc: unknown, companions: TokenizerCompanions) {
    const checked = checkTokenizerJson(doc);
    // The package trusts its input: a malformed config surfaces as a TypeError from deep inside it, here or at the
    // first encode. Both are the file's fault, so both are TOKENIZER_INVALID.
    this.hf = hfCall(() => createHfTokenizer(checked.json));
    this.json = checked.json;
    this.vocabSize = checked.vocabSize;
    this.unkId = checked.unkId;
    this.layouts = buildLayouts(checked.json.post_processor, checked.vocabSize);
    this.padId = resolvePadId({
      padding: checked.json.padding,
      companions,
      idOf: (t) => this.hf.token_to_id(t),
      vocabSize: this.vocabSize,
    });
    for (const item of [...this.layouts.single, ...this.layouts.pair]) {
      if ('special' in item && item.special === this.padId) {
        throw new TfdistillError(
          'TOKENIZER_INVALID',
          `invalid tokenizer.json: the post-processor adds the padding id ${this.padId} as a special token`,
          'name the real pad token in tokenizer_config.json ("pad_token")',
        );
      }
    }
    const hint = modelMaxLength(companions.tokenizerConfig);
    if (hint !== undefined) this.maxLength = hint;
  }

  encode(text: string, maxLength: number): Int32Array {
    const room = this.room(maxLength, this.layouts.single, [text]);
    const body = this.body(text, maxLength).ids;
    return assemble(this.layouts.single, [body.subarray(0, room)]).ids;
  }

  encodePair(text: string, pair: string, maxLength: number): TokenizedText & { typeIds: Int32Array } {
    const room = this.room(maxLength, this.layouts.pair, [text, pair]);
    const a = this.body(text, maxLength);
    const b = this.body(pair, maxLength);
    const [keepA, keepB] = longestFirst(a.seen, b.seen, room);
    return assemble(this.layouts.pair, [a.ids.subarray(0, keepA), b.ids.subarray(0, keepB)]);
  }

  /**
   * The `tokenizer.json` document. When the pad token was named only by `tokenizer_config.json` or
   * `special_tokens_map.json`, it is written into the document's `padding` (Hugging Face's own field for it), so a
   * saved file, e.g. in a checkpoint, still pads with the same id.
   */
  toJSON(): object {
    const idOf = (t: string) => this.hf.token_to_id(t);
    if (resolvePadId({ padding: this.json.padding, idOf, vocabSize: this.vocabSize }) === this.padId) return this.json;
    const padToken = this.hf.id_to_token(this.padId);
    return {
      ...this.json,
      padding: {
        strategy: 'BatchLongest',
        direction: 'Right',
        pad_to_multiple_of: null,
        pad_id: this.padId,
        pad_type_id: 0,
        pad_token: padToken,
      },
    };
  }

  /** Checks the arguments; returns how many text tokens fit beside the layout's special tokens. */
  private room(maxLength: number, layout: readonly LayoutItem[], texts: unknown[]): number {
    for (const text of texts) {
      if (typeof text !== 'string') throw new TfdistillError('INVALID_ARGUMENT', `text must be a string, got ${typeof text}`);
    }
    const specials = specialsIn(layout);
    if (!Number.isInteger(maxLength) || maxLength <= specials) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        `maxLength must be an integer > ${specials} (the special tokens alone take ${specials}), got ${maxLength}`,
      );
    }
    return maxLength - specials;
  }

  /**
   * The text's token ids without special tokens (the file's template adds those), and how many of them the Rust
   * library would look at when truncating to `maxLength`: since tokenizers 0.23 (PR #1990, "early exit for
   * truncation") it stops tokenizing after the split (word or added token) that brings the count to `maxLength`, and
   * `longest_first` compares those counts, not the full lengths. For one text this changes nothing; for a pair it
   * decides which text is "longer" (tokenizers <= 0.22 compared full lengths).
   */
  private body(text: string, maxLength: number): { ids: Int32Array; seen: number } {
    // Lone surrogates become U+FFFD first, as in any UTF-8 round trip: the Rust library only ever sees UTF-8.
    const wellFormed = text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
    const { ids, splitLengths } = hfCall(() => encodeWithSplits(this.hf, wellFormed));
    let seen = 0;
    for (const n of splitLengths) {
      seen += n;
      if (seen >= maxLength) break;
    }
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id! < 0 || id! >= this.vocabSize) {
        // A safety net: every model path yields vocab ids, the unknown id, or throws (a Unigram model without an
        // unknown token refuses the character, as the Rust library does).
        throw new TfdistillError(
          'DATA_INVALID',
          `the tokenizer cannot encode ${JSON.stringify(text.slice(0, 40))}: token id ${String(id)}`,
        );
      }
      // A literal pad token in the text ("[PAD]", "<pad>") would encode to padId, which every later stage reads as
      // padding: it becomes the unknown token. A model without one (byte-level BPE) keeps the id; attention masks
      // come from row lengths, so the token is still attended to.
      out[i] = id === this.padId && this.unkId !== null ? this.unkId : id!;
    }
    return { ids: out, seen: Math.min(seen, out.length) };
  }
}

/**
 * A tokenizer from a parsed `tokenizer.json` document (no I/O; works in the browser), with the parsed
 * `tokenizer_config.json` / `special_tokens_map.json` of its folder when there are any (they name the pad token).
 * Throws `TfdistillError('TOKENIZER_INVALID')` for anything but a usable WordPiece, BPE or Unigram tokenizer.
 *
 * @example
 * ```ts
 * const tok = tokenizerFromJson(await (await fetch('/tokenizer.json')).json());
 * tok.encode('Hello world', 128); // Int32Array [2, ..., 3]
 * tok.encodePair('Is it spam?', 'Win a FREE cruise', 128); // { ids, typeIds }
 * ```
 */
export function tokenizerFromJson(doc: unknown, companions: TokenizerCompanions = {}): HfTextTokenizer {
  return new JsonTextTokenizer(doc, companions);
}
