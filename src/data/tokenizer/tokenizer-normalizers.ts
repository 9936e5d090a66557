/**
 * The normalizer of a `tokenizer.json`, built node by node. `@huggingface/tokenizers` 0.2.0 supplies the Unicode
 * forms (NFC/NFD/NFKC/NFKD), `Replace` (with its Oniguruma-to-JS regex translation), `StripAccents` and `Precompiled`;
 * the rest is written here because the package lacks or differs from the Rust library that wrote the file:
 * - `Nmt` (XLM-R / SentencePiece-style files written by HF `tokenizers`) is missing;
 * - `BertNormalizer` misses CJK characters outside the BMP and lowercases with the context-sensitive
 *   `String#toLowerCase` (final sigma), where Rust lowercases character by character;
 * - `Lowercase` likewise; `Strip` trims JS whitespace (with U+FEFF, without U+0085); `Prepend` also prepends to
 *   an empty string.
 * `Precompiled` (a SentencePiece charsmap) is the package's approximation, NMT rules + NFKC: it does not read the
 * charsmap, so rare characters the charsmap maps specially may differ from the Rust library.
 */
import * as hf from '@huggingface/tokenizers';
import { TfdistillError } from '../../errors.js';
import { checkPattern } from './tokenizer-pretokenizers.js';

/**
 * One normalizer: text in, normalized text out.
 *
 * @example
 * ```ts
 * const lower: NormalizerFn = (text) => text.toLowerCase();
 * ```
 */
export type NormalizerFn = (text: string) => string;

/**
 * The normalizer types tfdistill runs.
 *
 * @example
 * ```ts
 * NORMALIZER_TYPES.includes('Nmt'); // true
 * ```
 */
export const NORMALIZER_TYPES = [
  'BertNormalizer',
  'Lowercase',
  'NFC',
  'NFD',
  'NFKC',
  'NFKD',
  'Nmt',
  'Precompiled',
  'Prepend',
  'Replace',
  'Sequence',
  'Strip',
  'StripAccents',
] as const;

type Config = Record<string, unknown>;
interface JsNormalizer {
  normalize(text: string): string;
}
const classes = hf as unknown as Record<string, new (c: object) => JsNormalizer>;
const JS_CLASSES: Record<string, string> = {
  NFC: 'NFCNormalizer',
  NFD: 'NFDNormalizer',
  NFKC: 'NFKCNormalizer',
  NFKD: 'NFKDNormalizer',
  Replace: 'ReplaceNormalizer',
  StripAccents: 'StripAccentsNormalizer',
  Precompiled: 'PrecompiledNormalizer',
};

function invalid(message: string): TfdistillError {
  return new TfdistillError('TOKENIZER_INVALID', `invalid tokenizer.json: ${message}`);
}

/** Rust `char::to_lowercase` applied to each character (no final-sigma context rule). */
function lowercaseChars(text: string): string {
  // Only Σ lowercases differently in context; skip the slow path without it.
  return text.includes('\u03A3') ? Array.from(text, (c) => c.toLowerCase()).join('') : text.toLowerCase();
}

/** Rust `tokenizers` `Nmt`: drops ASCII controls, maps the NMT whitespace-like code points to a space. */
function nmt(text: string): string {
  // biome-ignore-start lint/suspicious/noControlCharactersInRegex: matching control characters is what Nmt does
  return text
    .replace(/[\u0001-\u0008\u000B\u000E-\u001F\u007F\u008F\u009F]/g, '')
    .replace(/[\u0009\u000A\u000C\u000D\u1680\u200B-\u200F\u2028\u2029\u2581\uFEFF\uFFFD]/g, ' ');
  // biome-ignore-end lint/suspicious/noControlCharactersInRegex: -
}

/** Rust `is_chinese_char` (bert.rs): the CJK ideograph blocks, astral ones included. */
function isChinese(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Rust `BertNormalizer`: clean text, space out CJK, strip accents (default: when lowercasing), lowercase. */
function bert(c: Config): NormalizerFn {
  const cleanText = c.clean_text !== false;
  const chinese = c.handle_chinese_chars !== false;
  const lowercase = c.lowercase !== false;
  const stripAccents = typeof c.strip_accents === 'boolean' ? c.strip_accents : lowercase;
  return (text) => {
    if (cleanText) {
      // NUL, U+FFFD and "other" characters go (tab/CR/LF are whitespace here); whitespace becomes ' '.
      text = text.replace(/[\0\uFFFD]|(?![\t\n\r])[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/gu, '').replace(/[\t\n\r\p{White_Space}]/gu, ' ');
    }
    if (chinese) {
      let out = '';
      for (const ch of text) out += isChinese(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
      text = out;
    }
    if (stripAccents) text = text.normalize('NFD').replace(/\p{Mn}/gu, '');
    return lowercase ? lowercaseChars(text) : text;
  };
}

function strip(c: Config): NormalizerFn {
  const left = c.strip_left !== false;
  const right = c.strip_right !== false;
  return (text) => {
    if (left) text = text.replace(/^\p{White_Space}+/u, '');
    return right ? text.replace(/\p{White_Space}+$/u, '') : text;
  };
}

function jsNormalizer(c: Config): NormalizerFn {
  if (c.type === 'Replace') {
    checkPattern(c.pattern, 'Replace');
    if (typeof c.content !== 'string') throw invalid('Replace normalizer needs a "content" string');
  }
  if (c.type === 'Precompiled' && c.precompiled_charsmap !== null && typeof c.precompiled_charsmap !== 'string') {
    throw invalid('Precompiled normalizer needs a "precompiled_charsmap" string');
  }
  let js: JsNormalizer;
  try {
    js = new classes[JS_CLASSES[c.type as string]](c);
  } catch (e) {
    throw invalid(`${String(c.type)}: ${(e as Error)?.message ?? String(e)}`);
  }
  return (text) => js.normalize(text);
}

function build(config: unknown, depth: number): NormalizerFn {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw invalid('a normalizer must be an object');
  if (depth > 16) throw invalid('normalizers nested more than 16 deep');
  const c = config as Config;
  switch (c.type) {
    case 'Sequence': {
      if (!Array.isArray(c.normalizers)) throw invalid('Sequence normalizer without a "normalizers" array');
      const steps = c.normalizers.map((x) => build(x, depth + 1));
      return (text) => steps.reduce((t, step) => step(t), text);
    }
    case 'Nmt':
      return nmt;
    case 'BertNormalizer':
      return bert(c);
    case 'Lowercase':
      return lowercaseChars;
    case 'Strip':
      return strip(c);
    case 'Prepend': {
      const prepend = c.prepend;
      if (typeof prepend !== 'string') throw invalid('Prepend normalizer needs a "prepend" string');
      return (text) => (text.length > 0 ? prepend + text : text);
    }
    default:
      if (typeof c.type === 'string' && Object.hasOwn(JS_CLASSES, c.type)) return jsNormalizer(c);
      throw invalid(`normalizer type ${JSON.stringify(c.type)?.slice(0, 60)} is not supported (supported: ${NORMALIZER_TYPES.join(', ')})`);
  }
}

/**
 * The normalizer described by a `tokenizer.json` `normalizer` value (null: none). Throws
 * `TfdistillError('TOKENIZER_INVALID')` for unsupported types and bad settings.
 *
 * @example
 * ```ts
 * const norm = buildNormalizer({ type: 'Sequence', normalizers: [{ type: 'Nmt' }, { type: 'NFKC' }] });
 * norm?.('ﬁne\u200Bday'); // 'fine day'
 * ```
 */
export function buildNormalizer(config: unknown): NormalizerFn | null {
  return config === null || config === undefined ? null : build(config, 0);
}
