/**
 * The merge loop behind `trainWordPiece`: BPE-style merges over unique words, as HF `tokenizers`' WordPieceTrainer
 * does (it runs its BpeTrainer with the `##` continuation prefix and keeps the resulting vocabulary).
 *
 * Each unique word is a list of symbol ids weighted by its corpus count. We keep, for every adjacent pair, its
 * weighted count and the words it occurs in; each step merges the most frequent pair everywhere it occurs and
 * updates only the counts of the pairs next to the merged positions. A max-heap with lazy re-checks picks the next
 * pair, so a step costs O(words containing the pair), not O(corpus).
 */

/** Vocabulary ids fit in 21 bits, so a pair packs into one exact double: left * 2^21 + right. */
const PAIR_SHIFT = 2 ** 21;
/** Largest vocabulary the pair packing supports. */
export const MAX_MERGE_VOCAB = PAIR_SHIFT;

/** Input of {@link learnMerges}. */
export interface LearnMergesOptions {
  /** Initial vocabulary (specials, characters, `##` characters); new tokens are appended. Mutated. */
  vocab: string[];
  /** Unique words as symbol ids into `vocab`. Mutated as merges apply. */
  words: number[][];
  /** Corpus count of each word. */
  counts: number[];
  /** Stop when the vocabulary has this many tokens. */
  vocabSize: number;
  /** Stop when the best pair occurs fewer times than this. */
  minFrequency: number;
  /** Continuation prefix, `##`: dropped from the right piece when two pieces merge. */
  prefix: string;
}

interface HeapEntry {
  key: number;
  count: number;
}

/**
 * Runs merges until `vocabSize` is reached or no pair occurs `minFrequency` times; returns the vocabulary.
 * Order: highest count first; ties go to the pair whose left token, then right token, sorts first
 * (JavaScript string order), so the result is deterministic and independent of the input order.
 *
 * @example
 * ```ts
 * const vocab = learnMerges({ vocab: ['a', '##b'], words: [[0, 1]], counts: [3], vocabSize: 3, minFrequency: 2, prefix: '##' });
 * // ['a', '##b', 'ab']
 * ```
 */
export function learnMerges(options: LearnMergesOptions): string[] {
  const { vocab, words, counts, vocabSize, minFrequency, prefix } = options;
  const ids = new Map(vocab.map((t, i) => [t, i]));
  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();

  const addPair = (left: number, right: number, delta: number, word: number) => {
    const key = left * PAIR_SHIFT + right;
    pairCounts.set(key, (pairCounts.get(key) ?? 0) + delta);
    if (delta > 0) {
      let where = pairWords.get(key);
      if (!where) {
        where = new Set();
        pairWords.set(key, where);
      }
      where.add(word);
    }
  };
  words.forEach((w, wi) => {
    for (let j = 0; j + 1 < w.length; j++) addPair(w[j], w[j + 1], counts[wi], wi);
  });

  const heap = new PairHeap((x, y) => {
    if (x.count !== y.count) return x.count > y.count;
    const [xl, xr] = [vocab[Math.floor(x.key / PAIR_SHIFT)], vocab[x.key % PAIR_SHIFT]];
    const [yl, yr] = [vocab[Math.floor(y.key / PAIR_SHIFT)], vocab[y.key % PAIR_SHIFT]];
    return xl !== yl ? xl < yl : xr < yr;
  });
  for (const [key, count] of pairCounts) heap.push({ key, count });

  while (vocab.length < vocabSize && heap.size > 0) {
    const top = heap.pop();
    const current = pairCounts.get(top.key) ?? 0;
    if (current !== top.count) {
      // Stale entry: the pair lost occurrences to an earlier merge. Re-queue it at its true count.
      if (current > 0) heap.push({ key: top.key, count: current });
      continue;
    }
    if (current < minFrequency || current < 1) break;

    const a = Math.floor(top.key / PAIR_SHIFT);
    const b = top.key % PAIR_SHIFT;
    const right = vocab[b].startsWith(prefix) ? vocab[b].slice(prefix.length) : vocab[b];
    const merged = vocab[a] + right;
    let c = ids.get(merged);
    if (c === undefined) {
      c = vocab.length;
      vocab.push(merged);
      ids.set(merged, c);
    }

    // Pairs containing `c` only gain counts during this step; they are (re)queued with their final counts below.
    const touched = new Set<number>();
    const change = (left: number, rightId: number, delta: number, word: number) => {
      const key = left * PAIR_SHIFT + rightId;
      // Greedy left-to-right merging leaves no (a, b) behind; the pair is dropped wholesale after the loop.
      if (key === top.key) return;
      addPair(left, rightId, delta, word);
      if (left === c || rightId === c) touched.add(key);
    };
    for (const wi of pairWords.get(top.key) ?? []) mergeWord(words[wi], a, b, c, (l, r, d) => change(l, r, d * counts[wi], wi));
    pairCounts.delete(top.key);
    pairWords.delete(top.key);
    for (const key of touched) {
      const count = pairCounts.get(key) ?? 0;
      if (count > 0) heap.push({ key, count });
    }
  }
  return vocab;
}

/**
 * Replaces every (a, b) in `word` by c, left to right without overlap, reporting the pair-count changes:
 * (prev, a) -> (prev, c) and (b, next) -> (c, next).
 */
function mergeWord(word: number[], a: number, b: number, c: number, change: (left: number, right: number, delta: number) => void): void {
  for (let i = 0; i + 1 < word.length; i++) {
    if (word[i] !== a || word[i + 1] !== b) continue;
    if (i > 0) {
      change(word[i - 1], a, -1);
      change(word[i - 1], c, 1);
    }
    word.splice(i, 2, c);
    if (i + 1 < word.length) {
      change(b, word[i + 1], -1);
      change(c, word[i + 1], 1);
    }
  }
}

/** A binary max-heap ordered by `before(x, y)` = "x comes out first". */
class PairHeap {
  private readonly items: HeapEntry[] = [];
  constructor(private readonly before: (x: HeapEntry, y: HeapEntry) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(entry: HeapEntry): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): HeapEntry {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.before(items[l], items[best])) best = l;
        if (r < items.length && this.before(items[r], items[best])) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top;
  }
}
