import { describe, expect, it } from 'vitest';
import { TfdistillError } from '../../errors.js';
import { trainWordPiece } from './wordpiece-trainer.js';

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/** Tokens in id order. */
function vocabOf(texts: string[], options: Parameters<typeof trainWordPiece>[1]): string[] {
  const json = trainWordPiece(texts, options).toJSON() as { model: { vocab: Record<string, number> } };
  const out: string[] = [];
  for (const [token, id] of Object.entries(json.model.vocab)) out[id] = token;
  return out;
}

describe('trainWordPiece', () => {
  it('merges the most frequent pair first and stops below minFrequency', () => {
    // Words: ab x3, abc x2, bc x1. Pairs: (a,##b)=5, (##b,##c)=2, (b,##c)=1.
    // 1st merge a+##b -> "ab"; then (ab,##c)=2 -> "abc"; then the best pair (b,##c)=1 < minFrequency 2.
    const vocab = vocabOf(['ab ab ab abc abc', 'bc'], { vocabSize: 100, minFrequency: 2 });
    expect(vocab).toEqual([...SPECIALS, 'a', 'b', 'c', '##b', '##c', 'ab', 'abc']);
    // With minFrequency 1 the last pair merges too.
    expect(vocabOf(['ab ab ab abc abc', 'bc'], { vocabSize: 100, minFrequency: 1 })).toEqual([
      ...SPECIALS,
      'a',
      'b',
      'c',
      '##b',
      '##c',
      'ab',
      'abc',
      'bc',
    ]);
  });

  it('breaks count ties by string order and joins ## pieces without the prefix', () => {
    // (a,##b) and (##b,##c) both occur twice; "##b" < "a" in string order, so ##b+##c -> "##bc" first.
    expect(vocabOf(['abc abc'], { vocabSize: 100 })).toEqual([...SPECIALS, 'a', 'b', 'c', '##b', '##c', '##bc', 'abc']);
    // (x,##y) and (z,##w) tie at 2: "x" < "z"; only one merge fits in vocabSize 12.
    for (const texts of [
      ['xy zw', 'xy zw'],
      ['zw xy', 'zw xy'],
    ]) {
      expect(vocabOf(texts, { vocabSize: 12 })).toEqual([...SPECIALS, 'w', 'x', 'y', 'z', '##w', '##y', 'xy']);
    }
  });

  it('is deterministic and independent of text order', () => {
    const texts = Array.from({ length: 200 }, (_, i) => `message ${i % 17} about topic${i % 5} and item-${(i * 7) % 13}`);
    const a = JSON.stringify(trainWordPiece(texts, { vocabSize: 120 }).toJSON());
    const b = JSON.stringify(trainWordPiece([...texts].reverse(), { vocabSize: 120 }).toJSON());
    expect(b).toBe(a);
  });

  it('reaches vocabSize exactly when the corpus allows, and lowercases unless told not to', () => {
    const texts = ['The Quick Brown Fox', 'the quick brown fox', 'THE QUICK BROWN FOX jumps'];
    // 5 specials + 19 characters + 14 `##` characters = 38 before any merge.
    const uncased = vocabOf(texts, { vocabSize: 45, minFrequency: 1 });
    expect(uncased.length).toBe(45);
    expect(uncased.some((t) => /[A-Z]/.test(t.replace(/\[[A-Z]+\]/g, '')))).toBe(false);
    const cased = vocabOf(texts, { vocabSize: 60, minFrequency: 1, lowercase: false });
    expect(cased).toContain('T');
    expect(cased).toContain('t');
  });

  it('does not learn from words longer than maxInputCharsPerWord', () => {
    const vocab = vocabOf(['short short', 'qqqqqqqqqqqq qqqqqqqqqqqq'], { vocabSize: 100, maxInputCharsPerWord: 10 });
    expect(vocab.some((t) => t.includes('q'))).toBe(false);
    expect(vocab).toContain('short');
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    for (const options of [{ vocabSize: 3 }, { vocabSize: 10.5 }, { minFrequency: 0 }, { maxInputCharsPerWord: 0 }]) {
      expect(() => trainWordPiece(['a b'], options)).toThrow(TfdistillError);
    }
    expect(() => trainWordPiece([42 as unknown as string])).toThrow(/text #0/);
  });
});
