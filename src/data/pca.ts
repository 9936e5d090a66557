import { require_, TfdistillError } from '../errors.js';
import { topEigenpairs } from '../models/eigen.js';

/**
 * PCA of a teacher's sentence embeddings, to give a student narrower than its teacher a target space of its own width
 * (as sentence-transformers' dimensionality reduction does): targets are (t - mean) W with W the top-k eigenvectors of
 * the embeddings' covariance. Fitted once on the training texts' teacher vectors and stored with the checkpoint, so
 * teacher vectors (a query embedded elsewhere, say) can be brought into the student's space later.
 */

/**
 * A fitted PCA.
 *
 * @example
 * ```ts
 * const pca: Pca = fitPca({ values, n, dim: 384 }, 128);
 * ```
 */
export interface Pca {
  /** The teacher's width. */
  dim: number;
  /** The target width. */
  k: number;
  /** [dim], the embeddings' mean. */
  mean: Float32Array;
  /** [dim, k] row-major: column j is the j-th principal direction (largest-magnitude component positive). */
  components: Float32Array;
  /** Share of the embeddings' variance the k directions keep, in [0, 1]. */
  explained: number;
}

/**
 * Fits a k-component PCA to `n` vectors of width `dim` (row-major), in float64: the covariance (divided by n) and its
 * eigenvectors by Jacobi (`../models/eigen.ts`; ~1 s at dim 768).
 *
 * @example
 * ```ts
 * const pca = fitPca({ values: teacherVectors, n: 5000, dim: 384 }, 128);
 * ```
 */
export function fitPca(vectors: { values: Float32Array; n: number; dim: number }, k: number): Pca {
  const { values, n, dim } = vectors;
  require_(Number.isInteger(k) && k >= 1 && k <= dim, `PCA width must be an integer in [1, ${dim}], got ${k}`);
  require_(n >= 2, `PCA needs at least 2 vectors, got ${n}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) mean[c] += values[i * dim + c] / n;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dim; c++) row[c] = values[i * dim + c] - mean[c];
    for (let a = 0; a < dim; a++) {
      const ra = row[a] / n;
      for (let b = a; b < dim; b++) cov[a * dim + b] += ra * row[b];
    }
  }
  let trace = 0;
  for (let a = 0; a < dim; a++) {
    trace += cov[a * dim + a];
    for (let b = a + 1; b < dim; b++) cov[b * dim + a] = cov[a * dim + b];
  }
  const top = topEigenpairs(cov, dim, k);
  const kept = top.values.reduce((s, v) => s + Math.max(v, 0), 0);
  return { dim, k, mean: Float32Array.from(mean), components: Float32Array.from(top.vectors), explained: trace > 0 ? kept / trace : 0 };
}

/**
 * Brings `n` vectors of the PCA's input width into its space: (x - mean) W, float64 sums rounded to float32.
 *
 * @example
 * ```ts
 * const targets = applyPca(pca, teacherVectors, n); // Float32Array(n * pca.k)
 * ```
 */
export function applyPca(pca: Pca, values: Float32Array, n: number): Float32Array {
  require_(values.length === n * pca.dim, `PCA input must be ${n} x ${pca.dim} values, got ${values.length}`);
  const out = new Float32Array(n * pca.k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < pca.k; j++) {
      let sum = 0;
      for (let c = 0; c < pca.dim; c++) sum += (values[i * pca.dim + c] - pca.mean[c]) * pca.components[c * pca.k + j];
      out[i * pca.k + j] = sum;
    }
  }
  return out;
}

/** The file a checkpoint keeps its embedding PCA in (`data.teacherEmbedding.pca`). */
export const PCA_FILE = 'embedding-pca.json';

/**
 * A PCA as the JSON text of {@link PCA_FILE} (float32 values written with 9 significant digits: exact on reload).
 *
 * @example
 * ```ts
 * await fs.writeFile(path.join(dir, PCA_FILE), pcaToJson(pca));
 * ```
 */
export function pcaToJson(pca: Pca): string {
  const list = (a: Float32Array) => Array.from(a, (v) => Number(v.toPrecision(9)));
  return JSON.stringify({
    format: 'tfdistill-embedding-pca',
    dim: pca.dim,
    k: pca.k,
    explained: pca.explained,
    mean: list(pca.mean),
    components: list(pca.components),
  });
}

/**
 * Reads {@link pcaToJson}'s text back; `CHECKPOINT_INVALID` (naming `file`) when it is not one.
 *
 * @example
 * ```ts
 * const pca = pcaFromJson(await fs.readFile(path.join(dir, PCA_FILE), 'utf8'), PCA_FILE);
 * const inStudentSpace = applyPca(pca, teacherVectors, n);
 * ```
 */
export function pcaFromJson(text: string, file: string): Pca {
  const bad = (why: string) => new TfdistillError('CHECKPOINT_INVALID', `${file}: ${why}`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw bad('not JSON');
  }
  const { dim, k, explained, mean, components } = raw;
  if (raw.format !== 'tfdistill-embedding-pca') throw bad('not an embedding PCA');
  if (!Number.isInteger(dim) || !Number.isInteger(k) || (k as number) < 1 || (k as number) > (dim as number)) throw bad('bad dim or k');
  const numbers = (v: unknown, n: number) =>
    Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!numbers(mean, dim as number) || !numbers(components, (dim as number) * (k as number)))
    throw bad('mean or components of the wrong size');
  return {
    dim: dim as number,
    k: k as number,
    explained: typeof explained === 'number' ? explained : 0,
    mean: Float32Array.from(mean as number[]),
    components: Float32Array.from(components as number[]),
  };
}
