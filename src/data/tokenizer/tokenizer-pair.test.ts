import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble, longestFirst } from './tokenizer-pair.js';
import { loadTokenizer } from './tokenizer-files.js';

interface RustTokenizer {
  encode(
    text: string,
    pair: string | null,
    options: { addSpecialTokens: boolean },
  ): Promise<{ getIds(): number[]; getTypeIds(): number[] }>;
  setTruncation(maxLength: number, options: { strategy: string }): void;
}
const { Tokenizer } = createRequire(import.meta.url)('tokenizers') as { Tokenizer: { fromString(json: string): RustTokenizer } };
const WORDPIECE = path.resolve('test/fixtures/hf/tokenizers/wordpiece');

describe('longestFirst', () => {
  it('keeps a short text whole, halves two long ones, odd token to the longer (ties: the second)', () => {
    expect(longestFirst(3, 4, 10)).toEqual([3, 4]); // fits
    expect(longestFirst(3, 10, 8)).toEqual([3, 5]);
    expect(longestFirst(10, 3, 8)).toEqual([5, 3]);
    expect(longestFirst(6, 5, 9)).toEqual([5, 4]); // not [4, 5] as removing one at a time would give
    expect(longestFirst(5, 6, 9)).toEqual([4, 5]);
    expect(longestFirst(5, 5, 9)).toEqual([4, 5]);
    expect(longestFirst(100, 100, 1)).toEqual([0, 1]);
  });
});

describe('assemble', () => {
  it('fills the layout with the texts and their type ids', () => {
    const layout = [
      { special: 2, typeId: 0 },
      { text: 0, typeId: 0 },
      { special: 3, typeId: 0 },
      { text: 1, typeId: 1 },
      { special: 3, typeId: 1 },
    ] as const;
    const { ids, typeIds } = assemble(layout, [[7, 8], [9]]);
    expect(Array.from(ids)).toEqual([2, 7, 8, 3, 9, 3]);
    expect(Array.from(typeIds)).toEqual([0, 0, 0, 0, 1, 1]);
  });
});

describe('encodePair truncation equals the Rust library', () => {
  it('on every pair of lengths 0..14 and every room 1..12 (one-token words)', async () => {
    const json = readFileSync(path.join(WORDPIECE, 'tokenizer.json'), 'utf8');
    const rust = Tokenizer.fromString(json);
    const tok = await loadTokenizer(WORDPIECE);
    for (let room = 1; room <= 12; room++) {
      rust.setTruncation(room + 3, { strategy: 'LongestFirst' });
      for (let a = 0; a <= 14; a++) {
        for (let b = 0; b <= 14; b++) {
          const [text, pair] = ['a '.repeat(a), 'b '.repeat(b)];
          const r = await rust.encode(text, pair, { addSpecialTokens: true });
          const ours = tok.encodePair(text, pair, room + 3);
          expect({ a, b, room, ids: Array.from(ours.ids), typeIds: Array.from(ours.typeIds) }).toEqual({
            a,
            b,
            room,
            ids: r.getIds(),
            typeIds: r.getTypeIds(),
          });
        }
      }
    }
  }, 60_000);

  it('compares lengths as the Rust library sees them: a first text of many words counts only up to maxLength', async () => {
    // 14 + 12 in room 9 (maxLength 12): Rust stops reading the first text at 12 words, a tie, so the second gets 5.
    const tok = await loadTokenizer(WORDPIECE);
    const { typeIds } = tok.encodePair('a '.repeat(14), 'b '.repeat(12), 12);
    expect(typeIds.filter((t) => t === 1).length).toBe(5 + 1); // 5 tokens of B and its [SEP]
  });

  it('rejects a maxLength that leaves no room for text', async () => {
    const tok = await loadTokenizer(WORDPIECE);
    expect(() => tok.encodePair('a', 'b', 3)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => tok.encodePair('a', 7 as unknown as string, 10)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(tok.encodePair('a', 'b', 4).ids.length).toBe(4);
  });
});
