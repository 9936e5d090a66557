/**
 * Unigram (SentencePiece) segmentation exactly as the Rust `tokenizers` library does it (`encode_optimized`, after
 * sentencepiece's unigram_model.cc): a forward pass keeping, for every end position, the best-scoring path and the
 * piece that ends it, then a walk back.
 *
 * Why not `@huggingface/tokenizers`' lattice: it compares `bestEndingHere + nextPieceScore` where Rust compares
 * `bestEndingHere`, and floating-point rounding makes those disagree on near-ties: on the spam-assassin emails a run
 * of dots ("......An") came out as "▁... ... ... ...." instead of Rust's "▁... .... ... ...".
 */
import { TfdistillError } from '../../errors.js';

/** Rust's `K_UNK_PENALTY`: an unknown character scores this much below the worst piece. */
const UNK_PENALTY = 10;

/**
 * A Unigram model's segmenter: `segment(word)` returns the pieces of one pre-token; runs of unknown characters come
 * back fused into one string that is not in the vocabulary (it encodes to the unknown id), as Rust's `fuse_unk`.
 *
 * @example
 * ```ts
 * const seg = unigramSegmenter([['<unk>', 0], ['▁a', -1], ['b', -2]], 0);
 * seg('▁ab😀😀'); // ['▁a', 'b', '😀😀']
 * ```
 */
export function unigramSegmenter(vocab: ReadonlyArray<readonly [string, number]>, unkId: number | null): (word: string) => string[] {
  const ids = new Map<string, number>();
  let minScore = Infinity;
  let maxChars = 1;
  vocab.forEach(([piece, score], id) => {
    ids.set(piece, id);
    if (score < minScore) minScore = score;
    maxChars = Math.max(maxChars, [...piece].length);
  });
  const unkScore = minScore - UNK_PENALTY;

  return (word) => {
    const chars = Array.from(word);
    const n = chars.length;
    // For each end position: best path score, where its last piece starts (-1: unset), that piece's id.
    const score = new Float64Array(n + 1);
    const start = new Int32Array(n + 1).fill(-1);
    const pieceId = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) {
      const base = score[s];
      let piece = '';
      let single = false;
      for (let e = s; e < Math.min(n, s + maxChars); e++) {
        piece += chars[e];
        const id = ids.get(piece);
        if (id === undefined) continue;
        if (e === s) single = true;
        const candidate = vocab[id][1] + base;
        if (start[e + 1] < 0 || candidate > score[e + 1]) {
          score[e + 1] = candidate;
          start[e + 1] = s;
          pieceId[e + 1] = id;
        }
      }
      if (!single) {
        // No piece for this character: an unknown-token step of one character.
        if (unkId === null) {
          throw new TfdistillError(
            'DATA_INVALID',
            `the tokenizer cannot encode ${JSON.stringify(chars[s])}: its Unigram model has no unknown token`,
          );
        }
        const candidate = unkScore + base;
        if (start[s + 1] < 0 || candidate > score[s + 1]) {
          score[s + 1] = candidate;
          start[s + 1] = s;
          pieceId[s + 1] = unkId;
        }
      }
    }
    const pieces: string[] = [];
    let unknown = '';
    for (let e = n; e > 0; e = start[e]) {
      const text = chars.slice(start[e], e).join('');
      if (pieceId[e] === unkId) {
        unknown = text + unknown; // neighbouring unknowns fuse
        continue;
      }
      if (unknown) pieces.push(unknown);
      unknown = '';
      pieces.push(text);
    }
    if (unknown) pieces.push(unknown);
    return pieces.reverse();
  };
}
