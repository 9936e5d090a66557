import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TfdistillError } from '../errors.js';
import { classificationReport } from './classification-report.js';

interface Golden {
  logits: number[];
  labels: number[];
  classes: number;
  bins: number;
  confusion: number[][];
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  ece: number;
}
const golden = JSON.parse(readFileSync(new URL('../../test/fixtures/serve/classification_report.json', import.meta.url), 'utf8')) as Golden;

describe('classificationReport', () => {
  it('matches numpy on 200 random rows x 3 classes', () => {
    const names = ['a', 'b', 'c'];
    const r = classificationReport({ logits: golden.logits, labels: golden.labels, classNames: names, eceBins: golden.bins });
    expect(r.confusion).toEqual(golden.confusion);
    r.perClass.forEach((c, i) => {
      expect(c.label).toBe(names[i]);
      expect(c.precision).toBeCloseTo(golden.precision[i], 10);
      expect(c.recall).toBeCloseTo(golden.recall[i], 10);
      expect(c.f1).toBeCloseTo(golden.f1[i], 10);
      expect(c.support).toBe(golden.support[i]);
    });
    expect(r.ece).toBeCloseTo(golden.ece, 10);
    expect(r.ece).toBeGreaterThan(0);
  });

  it('gives 0 precision/recall for a class never predicted nor present, and ECE 0 for confident correct rows', () => {
    // Logits of 100 make the softmax exactly 1 in float64, so confidence = accuracy = 1.
    const r = classificationReport({ logits: [100, 0, 0, 0, 100, 0], labels: [0, 1], classNames: ['x', 'y', 'z'] });
    expect(r.perClass[2]).toEqual({ label: 'z', precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.confusion).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 0],
    ]);
    expect(r.ece).toBe(0);
  });

  it('rejects mismatched shapes and out-of-range labels', () => {
    expect(() => classificationReport({ logits: [1, 2, 3], labels: [0, 1], classNames: ['a', 'b'] })).toThrow(TfdistillError);
    expect(() => classificationReport({ logits: [1, 2], labels: [2], classNames: ['a', 'b'] })).toThrow(/not a class id/);
  });
});
