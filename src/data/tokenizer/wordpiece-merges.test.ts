import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { learnMerges } from './wordpiece-merges.js';

/**
 * The obvious, slow BPE: recount every pair of every word at every step. The incremental `learnMerges` must pick
 * exactly the same merges.
 */
function naiveMerges(vocab: string[], words: string[][], counts: number[], vocabSize: number, minFrequency: number): string[] {
  vocab = [...vocab];
  words = words.map((w) => [...w]);
  while (vocab.length < vocabSize) {
    const pairs = new Map<string, { l: string; r: string; n: number }>();
    words.forEach((w, wi) => {
      for (let j = 0; j + 1 < w.length; j++) {
        const key = `${w[j]}\u0001${w[j + 1]}`;
        const p = pairs.get(key) ?? { l: w[j], r: w[j + 1], n: 0 };
        p.n += counts[wi];
        pairs.set(key, p);
      }
    });
    const best = [...pairs.values()].sort((x, y) => y.n - x.n || (x.l !== y.l ? (x.l < y.l ? -1 : 1) : x.r < y.r ? -1 : 1))[0];
    if (!best || best.n < minFrequency) break;
    const merged = best.l + best.r.replace(/^##/, '');
    if (!vocab.includes(merged)) vocab.push(merged);
    words = words.map((w) => {
      const out: string[] = [];
      for (let j = 0; j < w.length; j++) {
        if (j + 1 < w.length && w[j] === best.l && w[j + 1] === best.r) {
          out.push(merged);
          j++;
        } else out.push(w[j]);
      }
      return out;
    });
  }
  return vocab;
}

describe('learnMerges', () => {
  it.each([1, 2, 3, 4, 5])('matches a naive recount-everything BPE on random corpus #%i', (seed) => {
    const rng = new Rng(seed);
    const letters = 'abcde'.slice(0, 2 + (seed % 4));
    const unique = new Map<string, number>();
    for (let i = 0; i < 120; i++) {
      const word = Array.from({ length: 1 + rng.int(7) }, () => letters[rng.int(letters.length)]).join('');
      unique.set(word, (unique.get(word) ?? 0) + 1 + rng.int(4));
    }
    const pieces = [...unique.keys()].map((w) => [...w].map((ch, i) => (i === 0 ? ch : `##${ch}`)));
    const counts = [...unique.values()];
    const vocab = [...new Set(pieces.flat())].sort();
    const ids = new Map(vocab.map((t, i) => [t, i]));
    const minFrequency = 1 + (seed % 3);
    const fast = learnMerges({
      vocab: [...vocab],
      words: pieces.map((w) => w.map((t) => ids.get(t)!)),
      counts,
      vocabSize: vocab.length + 60,
      minFrequency,
      prefix: '##',
    });
    const slow = naiveMerges(vocab, pieces, counts, vocab.length + 60, minFrequency);
    expect(fast.length).toBeGreaterThan(vocab.length + 10);
    expect(fast).toEqual(slow);
  });
});
