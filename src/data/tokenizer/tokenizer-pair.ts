/**
 * Truncating and assembling encodings: how many tokens of each text fit in `maxLength`, exactly as the Rust
 * `tokenizers` library decides (`truncate_encodings`, strategy `longest_first`), and filling a layout
 * (tokenizer-layout.ts) with the texts' ids and type ids.
 */
import type { LayoutItem } from './tokenizer-layout.js';

/**
 * How many tokens of each text a pair keeps when the texts (`n1`, `n2` tokens, special tokens excluded) must fit in
 * `room` tokens. Rust's `longest_first` (tokenizers 0.23, src/utils/truncation.rs): if the shorter text fits in half
 * the room, it is kept whole and the longer one gets the rest; otherwise each gets half, the odd token going to the
 * longer text, or to the second text when both are equally long. (Not "remove one token at a time from the longer":
 * 6 + 5 tokens in 9 keeps 5 + 4, where one-at-a-time would keep 4 + 5.)
 *
 * @example
 * ```ts
 * longestFirst(3, 10, 8); // [3, 5]
 * longestFirst(6, 5, 9);  // [5, 4]
 * longestFirst(5, 5, 9);  // [4, 5]
 * ```
 */
export function longestFirst(n1: number, n2: number, room: number): [number, number] {
  if (n1 + n2 <= room) return [n1, n2];
  const swap = n1 > n2;
  let short = Math.min(n1, n2);
  let long = short > room ? short : Math.max(short, room - short);
  if (short + long > room) {
    short = Math.floor(room / 2);
    long = short + (room % 2);
  }
  return swap ? [long, short] : [short, long];
}

/**
 * The ids and type ids of `layout` with `texts[i]` in place of text i (already truncated to fit).
 *
 * @example
 * ```ts
 * assemble([{ special: 2, typeId: 0 }, { text: 0, typeId: 0 }, { special: 3, typeId: 0 }], [[7, 8]]);
 * // { ids: Int32Array [2, 7, 8, 3], typeIds: Int32Array [0, 0, 0, 0] }
 * ```
 */
export function assemble(layout: readonly LayoutItem[], texts: ReadonlyArray<ArrayLike<number>>): { ids: Int32Array; typeIds: Int32Array } {
  let length = 0;
  for (const item of layout) length += 'text' in item ? texts[item.text].length : 1;
  const ids = new Int32Array(length);
  const typeIds = new Int32Array(length);
  let at = 0;
  for (const item of layout) {
    if ('text' in item) {
      const body = texts[item.text];
      ids.set(body, at);
      typeIds.fill(item.typeId, at, at + body.length);
      at += body.length;
    } else {
      ids[at] = item.special;
      typeIds[at++] = item.typeId;
    }
  }
  return { ids, typeIds };
}
