/**
 * Texts longer than the model's window: either truncate, or cut the token sequence into overlapping windows
 * (stride = half a window) that each get the tokenizer's special tokens, and average their logits.
 */
import type { TextTokenizer } from '../data/types.js';

/**
 * How a predictor treats texts longer than the model's `maxLength`.
 */
export type LongTextMode = 'truncate' | 'chunk';

/**
 * The tokenizer's special tokens around a text, e.g. `[CLS]` before and `[SEP]` after for BERT.
 *
 * @example
 * ```ts
 * const layout = specialTokenLayout(tokenizer); // { prefix: [2], suffix: [3] }
 * ```
 */
export interface SpecialTokenLayout {
  prefix: number[];
  suffix: number[];
}

/** Longer than any text we will see; `encode` truncates to it, i.e. not at all. */
const UNLIMITED = 2 ** 30;

/**
 * Finds which special ids the tokenizer puts before and after a text by encoding an empty and a one-word text:
 * the word's encoding is `prefix + body + suffix` where `prefix + suffix` is the empty text's encoding.
 *
 * @example
 * ```ts
 * specialTokenLayout(bertTokenizer); // { prefix: [CLS id], suffix: [SEP id] }
 * ```
 */
export function specialTokenLayout(tokenizer: TextTokenizer): SpecialTokenLayout {
  const empty = Array.from(tokenizer.encode('', UNLIMITED));
  const word = Array.from(tokenizer.encode('x', UNLIMITED));
  for (let p = empty.length; p >= 0; p--) {
    const prefix = empty.slice(0, p),
      suffix = empty.slice(p);
    const starts = prefix.every((id, i) => word[i] === id);
    const ends = suffix.every((id, i) => word[word.length - suffix.length + i] === id);
    if (starts && ends && word.length > empty.length) return { prefix, suffix };
  }
  return { prefix: [], suffix: empty };
}

/**
 * Token windows for `text`: one truncated encoding, or (`chunk`) windows of at most `maxLength` ids each, with the
 * text body advancing by half a window, so every token is seen with context on at least one side.
 *
 * @example
 * ```ts
 * textWindows(tok, longText, { maxLength: 128, mode: 'chunk', layout }); // [Int32Array(128), Int32Array(128), ...]
 * ```
 */
export function textWindows(
  tokenizer: TextTokenizer,
  text: string,
  options: { maxLength: number; mode: LongTextMode; layout: SpecialTokenLayout },
): Int32Array[] {
  const { maxLength, mode, layout } = options;
  if (mode === 'truncate') return [tokenizer.encode(text, maxLength)];
  const full = tokenizer.encode(text, UNLIMITED);
  if (full.length <= maxLength) return [full];
  const body = full.subarray(layout.prefix.length, full.length - layout.suffix.length);
  const width = maxLength - layout.prefix.length - layout.suffix.length;
  const stride = Math.max(1, Math.floor(width / 2));
  const windows: Int32Array[] = [];
  for (let start = 0; ; start += stride) {
    const end = Math.min(body.length, start + width);
    const w = new Int32Array(layout.prefix.length + (end - start) + layout.suffix.length);
    w.set(layout.prefix, 0);
    w.set(body.subarray(start, end), layout.prefix.length);
    w.set(layout.suffix, layout.prefix.length + end - start);
    windows.push(w);
    if (end === body.length) return windows;
  }
}
