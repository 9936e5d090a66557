/**
 * Splitting a string around pattern matches with the five delimiter behaviours of Hugging Face `tokenizers`
 * (Rust `SplitDelimiterBehavior`), which `Split`, `Punctuation`, `Digits`, `CharDelimiterSplit` and `Metaspace`
 * pre-tokenizers share. `@huggingface/tokenizers` 0.2.0 implements only `Isolated` and `Removed` (and `Punctuation`
 * always as `Contiguous`), so this is the Rust algorithm (`NormalizedString::split`) written out once.
 */

/**
 * How matched delimiters are kept, as in Rust `tokenizers`.
 */
export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

/**
 * The behaviours, for validating a `tokenizer.json`.
 *
 * @example
 * ```ts
 * SPLIT_BEHAVIORS.includes(config.behavior); // false for a typo
 * ```
 */
export const SPLIT_BEHAVIORS: readonly SplitBehavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/**
 * One piece of a split: its text and where it starts in the split string.
 */
export interface SplitPiece {
  text: string;
  start: number;
}

interface Span {
  start: number;
  end: number;
  match: boolean;
}

/** Matches of `pattern` (a global regexp) and the gaps between them, covering `text`; empty matches are skipped. */
function spans(text: string, pattern: RegExp, invert: boolean): Span[] {
  const out: Span[] = [];
  let prev = 0;
  for (const m of text.matchAll(pattern)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (end === start) continue;
    if (start > prev) out.push({ start: prev, end: start, match: invert });
    out.push({ start, end, match: !invert });
    prev = end;
  }
  if (prev < text.length) out.push({ start: prev, end: text.length, match: invert });
  return out;
}

/**
 * Splits `text` at the matches of `pattern` (must have the `g` flag) with Rust's `behavior`; `invert` swaps matches
 * and gaps first (Rust `Split { invert: true }`). Empty pieces are dropped, as Rust's pre-tokenized string does.
 * Each piece comes with its start offset in `text` (UTF-16 units).
 *
 * @example
 * ```ts
 * splitWithBehavior('a,,b', /,/gu, 'Isolated').map((p) => p.text);       // ['a', ',', ',', 'b']
 * splitWithBehavior('▁a▁b', /▁/gu, 'MergedWithNext').map((p) => p.text); // ['▁a', '▁b']
 * ```
 */
export function splitWithBehavior(text: string, pattern: RegExp, behavior: SplitBehavior, invert = false): SplitPiece[] {
  const all = spans(text, pattern, invert);
  const kept: Span[] = [];
  if (behavior === 'Removed') {
    for (const s of all) if (!s.match) kept.push(s);
  } else if (behavior === 'Isolated') {
    kept.push(...all);
  } else if (behavior === 'Contiguous') {
    // Neighbouring spans of the same kind (match/gap) become one piece.
    let previous: boolean | undefined;
    for (const s of all) {
      if (s.match === previous && kept.length > 0) kept[kept.length - 1].end = s.end;
      else kept.push({ ...s });
      previous = s.match;
    }
  } else if (behavior === 'MergedWithPrevious') {
    // A match (not following another match) is glued to the end of the piece before it.
    let previous = false;
    for (const s of all) {
      if (s.match && !previous && kept.length > 0) kept[kept.length - 1].end = s.end;
      else kept.push({ ...s });
      previous = s.match;
    }
  } else {
    // MergedWithNext: the mirror image, walking from the end.
    let previous = false;
    for (let i = all.length - 1; i >= 0; i--) {
      const s = all[i];
      if (s.match && !previous && kept.length > 0) kept[kept.length - 1].start = s.start;
      else kept.push({ ...s });
      previous = s.match;
    }
    kept.reverse();
  }
  const out: SplitPiece[] = [];
  for (const s of kept) if (s.end > s.start) out.push({ text: text.slice(s.start, s.end), start: s.start });
  return out;
}
