import { require_ } from '../errors.js';

/**
 * How closely a student's sentence embeddings follow its teacher's, on held-out texts (float64 arithmetic on the host):
 *  - `meanCosine`: the mean cosine similarity of each text's two vectors (needs the same width);
 *  - `spearman`: Spearman's rank correlation between the pairwise cosine similarities of the texts under the student
 *    and under the teacher, over every pair i < j (average ranks for ties): does the student order pairs as the
 *    teacher does? Widths may differ;
 *  - `recallAtK`: for each text, the share of its teacher's k nearest neighbours (by cosine, itself excluded) that are
 *    among its student's k nearest, averaged over the texts (k is lowered to n - 1 on small sets). Widths may differ.
 */

/**
 * Row-major vectors of `n` texts.
 *
 * @example
 * ```ts
 * const v: Vectors = { values: new Float32Array(n * 384), n, dim: 384 };
 * ```
 */
export interface Vectors {
  values: Float32Array;
  n: number;
  dim: number;
}

/**
 * The three agreement figures of a student's vectors with its teacher's.
 *
 * @example
 * ```ts
 * const { meanCosine, spearman, recallAtK } = embeddingAgreement(student, teacher);
 * ```
 */
export interface EmbeddingAgreement {
  /** Absent when the widths differ. */
  meanCosine?: number;
  spearman: number;
  recallAtK: number;
  /** The k used (10, or n - 1 on fewer than 11 texts). */
  k: number;
}

/** Each row scaled to unit length (a zero row stays zero), in float64. */
function unitRows({ values, n, dim }: Vectors): Float64Array {
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let j = 0; j < dim; j++) sq += values[i * dim + j] ** 2;
    const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    for (let j = 0; j < dim; j++) out[i * dim + j] = values[i * dim + j] * inv;
  }
  return out;
}

/** The n x n cosine similarity matrix. */
function cosineMatrix(v: Vectors): Float64Array {
  const u = unitRows(v);
  const out = new Float64Array(v.n * v.n);
  for (let i = 0; i < v.n; i++) {
    for (let j = i; j < v.n; j++) {
      let dot = 0;
      for (let c = 0; c < v.dim; c++) dot += u[i * v.dim + c] * u[j * v.dim + c];
      out[i * v.n + j] = dot;
      out[j * v.n + i] = dot;
    }
  }
  return out;
}

/** Ranks 0..n-1 of `xs`, ties sharing their average rank. */
function ranks(xs: Float64Array): Float64Array {
  const order = Array.from(xs.keys()).sort((a, b) => xs[a] - xs[b]);
  const out = new Float64Array(xs.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && xs[order[end + 1]] === xs[order[start]]) end++;
    for (let i = start; i <= end; i++) out[order[i]] = (start + end) / 2;
    start = end + 1;
  }
  return out;
}

/** Pearson correlation of two equal-length series (0 when either is constant). */
function pearson(a: Float64Array, b: Float64Array): number {
  const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / x.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** Indices of the k largest of row i of an n x n matrix, i itself excluded (ties: lower index first). */
function nearest(m: Float64Array, n: number, i: number, k: number): Set<number> {
  const others = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
  others.sort((a, b) => m[i * n + b] - m[i * n + a] || a - b);
  return new Set(others.slice(0, k));
}

/**
 * Agreement of a student's vectors with its teacher's on the same `n` texts (see the module comment).
 *
 * @example
 * ```ts
 * embeddingAgreement({ values: s, n: 200, dim: 128 }, { values: t, n: 200, dim: 384 }); // { spearman, recallAtK, k: 10 }
 * ```
 */
export function embeddingAgreement(student: Vectors, teacher: Vectors, k = 10): EmbeddingAgreement {
  require_(student.n === teacher.n, `student and teacher vectors must cover the same texts, got ${student.n} and ${teacher.n}`);
  require_(student.n >= 2, `embedding agreement needs at least 2 texts, got ${student.n}`);
  const n = student.n;
  const kk = Math.min(k, n - 1);
  const [ms, mt] = [cosineMatrix(student), cosineMatrix(teacher)];
  const pairs = (n * (n - 1)) / 2;
  const [ps, pt] = [new Float64Array(pairs), new Float64Array(pairs)];
  for (let i = 0, p = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) {
      ps[p] = ms[i * n + j];
      pt[p] = mt[i * n + j];
    }
  }
  let recall = 0;
  for (let i = 0; i < n; i++) {
    const fromTeacher = nearest(mt, n, i, kk);
    let hits = 0;
    for (const j of nearest(ms, n, i, kk)) if (fromTeacher.has(j)) hits++;
    recall += hits / kk;
  }
  return {
    ...(student.dim === teacher.dim ? { meanCosine: meanCosine(student, teacher) } : {}),
    spearman: pearson(ranks(ps), ranks(pt)),
    recallAtK: recall / n,
    k: kk,
  };
}

/**
 * The mean cosine similarity of matching rows (same width).
 *
 * @example
 * ```ts
 * meanCosine({ values: s, n, dim }, { values: t, n, dim }); // 0.93
 * ```
 */
export function meanCosine(student: Vectors, teacher: Vectors): number {
  require_(student.n === teacher.n && student.dim === teacher.dim, 'mean cosine needs vectors of the same texts and width');
  const [us, ut] = [unitRows(student), unitRows(teacher)];
  let sum = 0;
  for (let i = 0; i < student.n * student.dim; i++) sum += us[i] * ut[i];
  return sum / student.n;
}

/**
 * An {@link EmbeddingAgreement} as evaluation metrics (`meanCosine` when there is one, `spearman`, `recallAt10`), the
 * names `distill`'s evaluation and `evaluate` report.
 *
 * @example
 * ```ts
 * const metrics = { count: n, ...agreementMetrics(embeddingAgreement(student, teacher)) };
 * ```
 */
export function agreementMetrics(a: EmbeddingAgreement): { meanCosine?: number; spearman: number; recallAt10: number } {
  return { ...(a.meanCosine === undefined ? {} : { meanCosine: a.meanCosine }), spearman: a.spearman, recallAt10: a.recallAtK };
}
