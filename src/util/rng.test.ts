import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(7),
      b = new Rng(7),
      c = new Rng(8);
    const xs = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
  });

  it('restores from its saved state exactly', () => {
    const a = new Rng(123);
    a.next();
    const saved = a.state;
    const rest = [a.next(), a.next()];
    const b = new Rng(0).setState(saved);
    expect([b.next(), b.next()]).toEqual(rest);
  });

  it('shuffles to a permutation and draws integers in range', () => {
    const r = new Rng(1);
    const p = r.shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (let i = 0; i < 1000; i++) {
      const k = r.int(3);
      expect(k >= 0 && k < 3 && Number.isInteger(k)).toBe(true);
    }
  });
});
