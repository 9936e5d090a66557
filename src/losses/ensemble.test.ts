import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../../test/helpers.js';
import { ensembleLogits } from './ensemble.js';

/** PyTorch float64 golden values (test/fixtures/ensemble/make_ensemble.py). */
const golden = JSON.parse(readFileSync(new URL('../../test/fixtures/ensemble/ensemble.json', import.meta.url), 'utf8')) as {
  cases: Array<{
    name: string;
    rows: number;
    classes: number;
    weights: number[];
    temperature: number;
    teachers: number[][];
    probabilities: number[];
    asLogits: number[];
    meanLogits: number[];
  }>;
};

describe('ensembleLogits (golden values from PyTorch)', () => {
  it.each(golden.cases)('$name: mean of probabilities as logits, and mean of logits', (c) => {
    const opts = { rows: c.rows, classes: c.classes, temperature: c.temperature };
    const probs = ensembleLogits(c.teachers, c.weights, opts);
    expect(maxAbsDiff(probs, c.asLogits)).toBeLessThan(1e-5);
    // The returned logits give back the targets at T.
    for (let r = 0; r < c.rows; r++) {
      const z = Array.from(probs.subarray(r * c.classes, (r + 1) * c.classes), (v) => Math.exp(v / c.temperature));
      const sum = z.reduce((s, v) => s + v, 0);
      expect(
        maxAbsDiff(
          z.map((v) => v / sum),
          c.probabilities.slice(r * c.classes, (r + 1) * c.classes),
        ),
      ).toBeLessThan(1e-6);
    }
    expect(maxAbsDiff(ensembleLogits(c.teachers, c.weights, { ...opts, combine: 'logits' }), c.meanLogits)).toBeLessThan(1e-5);
  });

  it('refuses weights that do not match the teachers, and teachers of the wrong size', () => {
    const z = [new Float32Array(6), new Float32Array(6)];
    const opts = { rows: 2, classes: 3, temperature: 1 };
    expect(() => ensembleLogits(z, [1], opts)).toThrow(/1 weights for 2 teachers/);
    expect(() => ensembleLogits(z, [0, 0], opts)).toThrow(/not all 0/);
    expect(() => ensembleLogits([new Float32Array(6), new Float32Array(4)], [1, 1], opts)).toThrow(/teacher 2 gives 4 values/);
  });
});
