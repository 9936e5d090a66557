import { describe, expect, it } from 'vitest';
import { symmetricEigen, topEigenvectors } from './eigen.js';

describe('symmetricEigen (cyclic Jacobi)', () => {
  it('recovers A v = lambda v with orthonormal vectors, sorted descending', () => {
    const n = 7;
    let s = 3;
    const rand = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    const b = Array.from({ length: n * n }, rand);
    const a = new Float64Array(n * n); // A = B^T B: symmetric positive semi-definite
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += b[k * n + i] * b[k * n + j];
    const { values, vectors } = symmetricEigen(a, n);
    for (let j = 1; j < n; j++) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[j][k];
        expect(Math.abs(av - values[j] * vectors[j][i])).toBeLessThan(1e-10);
      }
      for (let m = 0; m < n; m++) {
        const dot = vectors[j].reduce((acc, x, i) => acc + x * vectors[m][i], 0);
        expect(Math.abs(dot - (j === m ? 1 : 0))).toBeLessThan(1e-10);
      }
    }
  });

  it('topEigenvectors returns the leading k columns with a fixed sign', () => {
    // diag(1, 5, 3): leading eigenvectors e1 (5) then e2 (3).
    const v = topEigenvectors([1, 0, 0, 0, 5, 0, 0, 0, 3], 3, 2);
    expect(Array.from(v)).toEqual([0, 0, 1, 0, 0, 1]);
    const { values } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(3, 12);
    expect(values[1]).toBeCloseTo(1, 12);
  });
});
