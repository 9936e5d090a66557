/**
 * A small seeded pseudo-random generator (mulberry32) whose whole state is one 32-bit integer, so
 * it can be saved in a checkpoint and restored exactly. Used for shuffling, splits and dropout
 * seeds; never for anything security-related.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const saved = rng.state;
 * const a = rng.next();
 * const b = new Rng(0).setState(saved).next(); // a === b
 * ```
 */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** The full generator state; `new Rng(0).setState(rng.state)` continues the same sequence. */
  get state(): number {
    return this.s;
  }

  setState(state: number): this {
    this.s = state >>> 0;
    return this;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}
