/**
 * The pre-tokenizer of a `tokenizer.json`, built node by node. `@huggingface/tokenizers` 0.2.0 supplies the byte-level
 * byte mapping and the Oniguruma-to-JS regex translation of `Split`; the rest is written here because the
 * package differs from the Rust library that wrote the file (checked against it, see tokenizer-reference.test.ts):
 * - `Metaspace` never splits on `▁` (Rust's `split: true`, the default) and ignores legacy `add_prefix_space: false`;
 * - `Whitespace` uses ASCII-only `\w` (Rust's regex is Unicode: "café" is one word, not "caf" + "é");
 * - `Punctuation`, `Split` and `Digits` ignore most delimiter behaviours (see tokenizer-split.ts), `Digits` sees
 *   only ASCII digits, `FixedLength` counts UTF-16 units instead of characters;
 * - JS `\s` is not Unicode White_Space (it has U+FEFF, lacks U+0085), which shifts word boundaries in `ByteLevel`,
 *   `BertPreTokenizer` and `WhitespaceSplit`;
 * - `CharDelimiterSplit` is missing.
 */
import * as hf from '@huggingface/tokenizers';
import { TfdistillError } from '../../errors.js';
import { SPLIT_BEHAVIORS, splitWithBehavior, type SplitBehavior } from './tokenizer-split.js';

/**
 * A pre-token and whether it starts at offset 0 of the encoded text (Rust `offsets_original().0 == 0`).
 */
export interface PrePiece {
  text: string;
  first: boolean;
}

/**
 * One pre-tokenizer: pieces in, finer pieces out.
 *
 * @example
 * ```ts
 * const words: PreTokenizerFn = (pieces) => pieces.flatMap((p) => p.text.split(' ').map((text) => ({ text, first: false })));
 * ```
 */
export type PreTokenizerFn = (pieces: PrePiece[]) => PrePiece[];

/** Rust `char::is_ascii_punctuation || is_punctuation` (Unicode P*), as BertPreTokenizer and Punctuation use it. */
const PUNCT = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
/** Rust regex crate's Unicode `\w`. */
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
/** GPT-2's pattern as the Rust library compiles it (Oniguruma: `\s` is White_Space). */
const BYTE_LEVEL =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/**
 * The pre-tokenizer types tfdistill runs.
 *
 * @example
 * ```ts
 * PRE_TOKENIZER_TYPES.includes('Metaspace'); // true
 * ```
 */
export const PRE_TOKENIZER_TYPES = [
  'BertPreTokenizer',
  'ByteLevel',
  'CharDelimiterSplit',
  'Digits',
  'FixedLength',
  'Metaspace',
  'Punctuation',
  'Sequence',
  'Split',
  'Whitespace',
  'WhitespaceSplit',
] as const;

type Config = Record<string, unknown>;
interface JsPreTokenizer {
  pre_tokenize_text(text: string): string[];
  pattern?: RegExp | null;
}
const classes = hf as unknown as Record<'ByteLevelPreTokenizer' | 'SplitPreTokenizer', new (c: object) => JsPreTokenizer>;

function invalid(message: string): TfdistillError {
  return new TfdistillError('TOKENIZER_INVALID', `invalid tokenizer.json: ${message}`);
}

/** Splits every piece; a new piece is `first` only if it starts its parent and the parent was first. */
function bySplit(pattern: RegExp, behavior: SplitBehavior, invert = false): PreTokenizerFn {
  return (pieces) =>
    pieces.flatMap((p) =>
      splitWithBehavior(p.text, pattern, behavior, invert).map((s) => ({ text: s.text, first: p.first && s.start === 0 })),
    );
}

/** Maps every piece through a package pre-tokenizer (its output pieces in order). */
function byJs(js: JsPreTokenizer): PreTokenizerFn {
  return (pieces) => pieces.flatMap((p) => js.pre_tokenize_text(p.text).map((text, i) => ({ text, first: p.first && i === 0 })));
}

function behaviorOf(config: Config, fallback?: SplitBehavior): SplitBehavior {
  const b = config.behavior ?? fallback;
  if (!SPLIT_BEHAVIORS.includes(b as SplitBehavior)) {
    throw invalid(`${String(config.type)} behavior ${JSON.stringify(b)} is not one of ${SPLIT_BEHAVIORS.join(', ')}`);
  }
  return b as SplitBehavior;
}

function metaspace(config: Config): PreTokenizerFn {
  const replacement = config.replacement ?? '\u2581';
  if (typeof replacement !== 'string' || [...replacement].length !== 1) throw invalid('Metaspace replacement must be one character');
  // Files from before prepend_scheme existed say add_prefix_space instead (Rust maps false to "never").
  const scheme = config.prepend_scheme ?? (config.add_prefix_space === false ? 'never' : 'always');
  if (scheme !== 'always' && scheme !== 'never' && scheme !== 'first') throw invalid(`Metaspace prepend_scheme ${JSON.stringify(scheme)}`);
  const split = config.split !== false;
  const delimiter = new RegExp(escapeRegExp(replacement), 'gu');
  return (pieces) =>
    pieces.flatMap((p) => {
      let text = p.text.replaceAll(' ', replacement);
      if (!text.startsWith(replacement) && (scheme === 'always' || (scheme === 'first' && p.first))) text = replacement + text;
      if (!split) return [{ text, first: p.first }];
      return splitWithBehavior(text, delimiter, 'MergedWithNext').map((s) => ({ text: s.text, first: p.first && s.start === 0 }));
    });
}

/**
 * Checks a `{"String": ...}` / `{"Regex": ...}` pattern before the package compiles it (it only warns on others).
 *
 * @example
 * ```ts
 * checkPattern({ Regex: ' {2,}' }, 'Replace');
 * ```
 */
export function checkPattern(pattern: unknown, owner: string): void {
  const p = pattern as Record<string, unknown> | null;
  const ok = typeof p === 'object' && p !== null && !Array.isArray(p) && (typeof p.String === 'string' || typeof p.Regex === 'string');
  if (!ok) throw invalid(`${owner} pattern must be {"String": text} or {"Regex": text}`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function jsInstance(name: keyof typeof classes, config: Config): JsPreTokenizer {
  try {
    return new classes[name](config);
  } catch (e) {
    throw invalid(`${String(config.type)}: ${(e as Error)?.message ?? String(e)}`);
  }
}

function build(config: unknown, depth: number): PreTokenizerFn {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw invalid('a pre-tokenizer must be an object');
  if (depth > 16) throw invalid('pre-tokenizers nested more than 16 deep');
  const c = config as Config;
  switch (c.type) {
    case 'Sequence': {
      if (!Array.isArray(c.pretokenizers)) throw invalid('Sequence pre-tokenizer without a "pretokenizers" array');
      const steps = c.pretokenizers.map((x) => build(x, depth + 1));
      return (pieces) => steps.reduce((acc, step) => step(acc), pieces);
    }
    case 'BertPreTokenizer': {
      const spaces = bySplit(/\p{White_Space}+/gu, 'Removed');
      const punct = bySplit(new RegExp(`[${PUNCT}]`, 'gu'), 'Isolated');
      return (pieces) => punct(spaces(pieces));
    }
    case 'Whitespace':
      return bySplit(new RegExp(`[${WORD}]+|[^${WORD}\\p{White_Space}]+`, 'gu'), 'Removed', true);
    case 'WhitespaceSplit':
      return bySplit(/\p{White_Space}+/gu, 'Removed');
    case 'Punctuation':
      return bySplit(new RegExp(`[${PUNCT}]`, 'gu'), behaviorOf(c, 'Isolated'));
    case 'Digits':
      return bySplit(/\p{N}/gu, c.individual_digits === true ? 'Isolated' : 'Contiguous');
    case 'CharDelimiterSplit': {
      if (typeof c.delimiter !== 'string' || [...c.delimiter].length !== 1)
        throw invalid('CharDelimiterSplit delimiter must be one character');
      return bySplit(new RegExp(escapeRegExp(c.delimiter), 'gu'), 'Removed');
    }
    case 'FixedLength': {
      const length = c.length ?? 5;
      if (!Number.isSafeInteger(length) || (length as number) < 1) throw invalid('FixedLength length must be an integer >= 1');
      const chunk = new RegExp(`[^]{1,${length}}`, 'gu');
      return bySplit(chunk, 'Removed', true);
    }
    case 'Metaspace':
      return metaspace(c);
    case 'Split': {
      const behavior = behaviorOf(c);
      checkPattern(c.pattern, 'Split');
      const pattern = jsInstance('SplitPreTokenizer', { ...c, invert: false }).pattern;
      if (!(pattern instanceof RegExp)) throw invalid('Split pattern must be {"String": ...} or {"Regex": ...}');
      return bySplit(new RegExp(pattern.source, 'gu'), behavior, c.invert === true);
    }
    case 'ByteLevel': {
      const js = jsInstance('ByteLevelPreTokenizer', c);
      js.pattern = BYTE_LEVEL;
      return byJs(js);
    }
    default:
      throw invalid(
        `pre-tokenizer type ${JSON.stringify(c.type)?.slice(0, 60)} is not supported (supported: ${PRE_TOKENIZER_TYPES.join(', ')})`,
      );
  }
}

/**
 * The pre-tokenizer described by a `tokenizer.json` `pre_tokenizer` value (null: none). Throws
 * `TfdistillError('TOKENIZER_INVALID')` for unsupported types and bad settings.
 *
 * @example
 * ```ts
 * const pre = buildPreTokenizer({ type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true });
 * pre?.([{ text: 'Hello world', first: true }]).map((p) => p.text); // ['▁Hello', '▁world']
 * ```
 */
export function buildPreTokenizer(config: unknown): PreTokenizerFn | null {
  return config === null || config === undefined ? null : build(config, 0);
}
