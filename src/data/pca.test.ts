import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../../test/helpers.js';
import { applyPca, fitPca } from './pca.js';

/** numpy's eigh on the same data (test/fixtures/embedding/make_embedding.py). */
const golden = JSON.parse(readFileSync(new URL('../../test/fixtures/embedding/embedding.json', import.meta.url), 'utf8')) as {
  pca: Array<{
    name: string;
    n: number;
    dim: number;
    k: number;
    x: number[];
    mean: number[];
    components: number[];
    projected: number[];
    explained: number;
  }>;
};

describe('fitPca / applyPca (golden values from numpy)', () => {
  it.each(golden.pca)('$name: mean, signed components, projection, variance kept', (c) => {
    const values = Float32Array.from(c.x);
    const pca = fitPca({ values, n: c.n, dim: c.dim }, c.k);
    expect(maxAbsDiff(pca.mean, c.mean)).toBeLessThan(1e-5);
    expect(maxAbsDiff(pca.components, c.components)).toBeLessThan(1e-5);
    expect(pca.explained).toBeCloseTo(c.explained, 6);
    const scale = Math.max(...c.projected.map(Math.abs));
    expect(maxAbsDiff(applyPca(pca, values, c.n), c.projected) / scale).toBeLessThan(1e-5);
  });

  it('refuses a width outside [1, dim], too few vectors and mis-sized input', () => {
    const values = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    expect(() => fitPca({ values, n: 4, dim: 3 }, 4)).toThrow(/integer in \[1, 3\]/);
    expect(() => fitPca({ values: values.slice(0, 3), n: 1, dim: 3 }, 2)).toThrow(/at least 2 vectors/);
    const pca = fitPca({ values, n: 4, dim: 3 }, 2);
    expect(() => applyPca(pca, values, 3)).toThrow(/3 x 3 values/);
  });
});
