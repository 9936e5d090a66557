/**
 * Eigen-decomposition of a small symmetric matrix by the cyclic Jacobi method, in float64 on the host.
 * TF.js has no `linalg.svd`/`eig`; Jacobi is exact to rounding, deterministic and simple. Cost is
 * ~n^3 per sweep and it converges in ~6-10 sweeps: milliseconds for n = 256, a few seconds for n = 1024.
 */

/**
 * Eigenpairs sorted by decreasing eigenvalue; `vectors[j]` is the unit eigenvector of `values[j]`.
 *
 * @example
 * ```ts
 * const { values, vectors } = symmetricEigen(gram, n); // values[0] is the largest
 * ```
 */
export interface EigenPairs {
  values: number[];
  vectors: Float64Array[];
}

/**
 * Eigenvalues and eigenvectors of a symmetric n x n matrix (row-major).
 *
 * @example
 * ```ts
 * const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2); // values [3, 1]
 * ```
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number, options: { maxSweeps?: number } = {}): EigenPairs {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const total = a.reduce((s, x) => s + x * x, 0);
  for (let sweep = 0; sweep < (options.maxSweeps ?? 50); sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // Rotation angle that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // columns p, q
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          // rows p, q
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  return {
    values: order.map((i) => a[i * n + i]),
    vectors: order.map((i) => Float64Array.from({ length: n }, (_, k) => v[k * n + i])),
  };
}

/**
 * The k leading eigenvectors of a symmetric n x n matrix, as a row-major [n, k] matrix (column j =
 * eigenvector of the j-th largest eigenvalue, sign fixed so its largest-magnitude entry is positive).
 * Applied to a Gram matrix M^T M these are M's top-k right singular vectors V_k, and M V_k = U_k S_k
 * is the rank-k truncated SVD's left factor.
 *
 * @example
 * ```ts
 * const vk = topEigenvectors(gramData, dTeacher, dStudent); // [dTeacher, dStudent]
 * ```
 */
export function topEigenvectors(symmetric: ArrayLike<number>, n: number, k: number): Float64Array {
  return topEigenpairs(symmetric, n, k).vectors;
}

/**
 * The k largest eigenvalues and their eigenvectors as the columns of an [n, k] matrix (row-major), each signed so
 * that its largest-magnitude component is positive (eigenvectors are defined up to sign; this makes them
 * deterministic).
 *
 * @example
 * ```ts
 * const { values, vectors } = topEigenpairs(covariance, d, 64); // values[0] >= values[1] >= ...
 * ```
 */
export function topEigenpairs(symmetric: ArrayLike<number>, n: number, k: number): { values: number[]; vectors: Float64Array } {
  const { values, vectors } = symmetricEigen(symmetric, n);
  const out = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    const vec = vectors[j];
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(vec[i]) > Math.abs(big)) big = vec[i];
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) out[i * k + j] = sign * vec[i];
  }
  return { values: values.slice(0, k), vectors: out };
}
