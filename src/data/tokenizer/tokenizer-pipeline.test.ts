/**
 * tfdistill's normalizers and pre-tokenizers against the Rust `tokenizers` library's own (its Node binding), one
 * component at a time, on texts full of the characters where JS and Rust disagree (U+FEFF, U+0085, final sigma,
 * astral CJK, Unicode digits and punctuation).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildNormalizer } from './tokenizer-normalizers.js';
import { buildPreTokenizer } from './tokenizer-pretokenizers.js';

interface RustNormalizer {
  normalizeString(s: string): string;
}
interface RustPreTokenizer {
  preTokenizeString(s: string): Array<[string, [number, number]]>;
}
const rust = createRequire(import.meta.url)('tokenizers') as Record<string, (...args: unknown[]) => RustNormalizer & RustPreTokenizer>;

const PIECES = [
  'Hello',
  'wörld',
  ' ',
  '  ',
  '\n',
  '\t',
  'ΟΔΟΣ',
  'Σ',
  '𠀀',
  '日本',
  '😀',
  'e\u0301',
  '\uFEFF',
  '\u0085',
  '\u00A0',
  '\u200B',
  '\u3000',
  '...',
  '!?',
  ',',
  "'s",
  '12',
  '١٢',
  '²',
  '\u2581',
  'ｆｕｌｌ',
  'ﬁ',
  '\0',
  '\u0007',
  '-',
  '_',
  'İ',
  'a\u2028b',
];
const TEXTS = (() => {
  let seed = 11;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  return Array.from({ length: 400 }, () =>
    Array.from({ length: 1 + Math.floor(next() * 6) }, () => PIECES[Math.floor(next() * PIECES.length)]).join(''),
  );
})();

describe('normalizers match the Rust library', () => {
  it.each([
    ['Nmt', { type: 'Nmt' }, () => rust.nmt()],
    [
      'BertNormalizer (uncased)',
      { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      () => rust.bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase: true, stripAccents: true }),
    ],
    [
      'BertNormalizer (cased)',
      { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: false },
      () => rust.bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase: false, stripAccents: false }),
    ],
    ['Lowercase', { type: 'Lowercase' }, () => rust.lowercase()],
    ['Strip', { type: 'Strip', strip_left: true, strip_right: true }, () => rust.stripNormalizer(true, true)],
    ['Prepend', { type: 'Prepend', prepend: '▁' }, () => rust.prependNormalizer('▁')],
    ['NFKC', { type: 'NFKC' }, () => rust.nfkcNormalizer()],
  ] as const)('%s', (_name, config, make) => {
    const ours = buildNormalizer(config)!;
    const reference = make();
    for (const text of TEXTS) expect({ text, out: ours(text) }).toEqual({ text, out: reference.normalizeString(text) });
  });
});

const PRE_TOKENIZER_CASES: Array<[string, object, () => RustPreTokenizer]> = [
  ['BertPreTokenizer', { type: 'BertPreTokenizer' }, () => rust.bertPreTokenizer()],
  ['Whitespace', { type: 'Whitespace' }, () => rust.whitespacePreTokenizer()],
  ['WhitespaceSplit', { type: 'WhitespaceSplit' }, () => rust.whitespaceSplitPreTokenizer()],
  [
    'ByteLevel',
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    () => rust.byteLevelPreTokenizer(false, true),
  ],
  [
    'ByteLevel (prefix space)',
    { type: 'ByteLevel', add_prefix_space: true, use_regex: true },
    () => rust.byteLevelPreTokenizer(true, true),
  ],
  [
    'Metaspace',
    { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    () => rust.metaspacePreTokenizer('▁', 'always', true),
  ],
  [
    'Metaspace (no split)',
    { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: false },
    () => rust.metaspacePreTokenizer('▁', 'never', false),
  ],
  ['Punctuation', { type: 'Punctuation' }, () => rust.punctuationPreTokenizer()],
  ['Punctuation (contiguous)', { type: 'Punctuation', behavior: 'Contiguous' }, () => rust.punctuationPreTokenizer('contiguous')],
  ['Digits', { type: 'Digits', individual_digits: false }, () => rust.digitsPreTokenizer(false)],
  ['Digits (individual)', { type: 'Digits', individual_digits: true }, () => rust.digitsPreTokenizer(true)],
  ['CharDelimiterSplit', { type: 'CharDelimiterSplit', delimiter: '-' }, () => rust.charDelimiterSplit('-')],
  ...(['removed', 'isolated', 'mergedWithPrevious', 'mergedWithNext', 'contiguous'] as const).map(
    (b) =>
      [
        `Split ${b}`,
        { type: 'Split', pattern: { String: ' ' }, behavior: b[0].toUpperCase() + b.slice(1), invert: false },
        () => rust.splitPreTokenizer(' ', b, false),
      ] as [string, object, () => RustPreTokenizer],
  ),
];

describe('pre-tokenizers match the Rust library', () => {
  it.each(PRE_TOKENIZER_CASES)('%s', (_name, config, make) => {
    const ours = buildPreTokenizer(config)!;
    const reference = make();
    for (const text of TEXTS) {
      const expected = reference.preTokenizeString(text).map(([piece]: [string, unknown]) => piece);
      expect({ text, pieces: ours([{ text, first: true }]).map((p) => p.text) }).toEqual({ text, pieces: expected });
    }
  });

  it('refuses unsupported types and bad settings with TOKENIZER_INVALID naming the supported ones', () => {
    expect(() => buildPreTokenizer({ type: 'UnicodeScripts' })).toThrow(/not supported \(supported: BertPreTokenizer/);
    expect(() => buildPreTokenizer({ type: 'Punctuation', behavior: 'Sideways' })).toThrow(/behavior/);
    expect(() => buildPreTokenizer({ type: 'Split', pattern: { Glob: '*' }, behavior: 'Isolated' })).toThrow(/pattern/);
    expect(() => buildNormalizer({ type: 'ByteLevel' })).toThrow(/not supported \(supported: BertNormalizer/);
  });
});
