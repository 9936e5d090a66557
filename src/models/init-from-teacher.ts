import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import { topEigenvectors } from './eigen.js';
import { encoderParts, type EncoderParts } from './parts.js';

/**
 * What {@link initStudentFromTeacher} did to each student weight (names like `block_0/qkv_kernel`).
 *
 * @example
 * ```ts
 * const { copied, leftRandom } = initStudentFromTeacher(student, teacher);
 * ```
 */
export interface InitReport {
  /** Teacher layer whose weights each student layer received (widths equal), else []. */
  layerMap: number[];
  /** Copied unchanged from the teacher. */
  copied: string[];
  /** Derived from teacher weights (truncated-SVD projection, or a partial copy). */
  initialised: string[];
  /** Untouched: still the student's own (seeded) initialisation. */
  leftRandom: string[];
}

const sameShape = (a: tf.LayerVariable, b: tf.LayerVariable) => a.shape.join(',') === b.shape.join(',');
const sameShapes = (a: tf.LayerVariable[], b: tf.LayerVariable[]) => a.length === b.length && a.every((v, i) => sameShape(v, b[i]));

/** DistilBERT-style default: student layer i takes teacher layer floor(i * Lt / Ls) (every other one for 2x). */
function defaultLayerMap(studentLayers: number, teacherLayers: number): number[] {
  return Array.from({ length: studentLayers }, (_, i) => Math.floor((i * teacherLayers) / studentLayers));
}

function copyWeights(to: tf.LayerVariable[], from: tf.LayerVariable[], report: InitReport): void {
  to.forEach((v, i) => {
    v.write(from[i].read());
    report.copied.push(v.originalName);
  });
}

function initSameWidth(s: EncoderParts, t: EncoderParts, layerMap: number[], report: InitReport): void {
  const [sTok, sPos] = [s.embedding.tokens, s.embedding.positions];
  const [tTok, tPos] = [t.embedding.tokens, t.embedding.positions];
  if (sameShape(sTok, tTok)) copyWeights([sTok], [tTok], report);
  else report.leftRandom.push(sTok.originalName);
  // Position tables may differ in length: copy the common prefix.
  const rows = Math.min(sPos.shape[0] as number, tPos.shape[0] as number);
  if (rows === sPos.shape[0] && rows === tPos.shape[0]) copyWeights([sPos], [tPos], report);
  else {
    tf.tidy(() => {
      sPos.write(tf.concat([tPos.read().slice(0, rows), sPos.read().slice(rows)]));
    });
    report.initialised.push(sPos.originalName);
  }
  const sTypes = s.embedding.tokenTypes;
  const tTypes = t.embedding.tokenTypes;
  if (sTypes && tTypes && sameShape(sTypes, tTypes)) copyWeights([sTypes], [tTypes], report);
  else if (sTypes) report.leftRandom.push(sTypes.originalName);
  const done = new Set<unknown>();
  s.layers.forEach((block, i) => {
    if (done.has(block)) return; // a shared block takes the teacher layer mapped to its first use
    done.add(block);
    const source = t.layers[layerMap[i]];
    if (sameShapes(block.weights, source.weights)) copyWeights(block.weights, source.weights, report);
    else report.leftRandom.push(...block.weights.map((v) => v.originalName));
  });
  for (const [sv, tv] of [
    [s.finalNorm, t.finalNorm],
    [s.head, t.head],
  ] as const) {
    if (!sv) continue;
    if (tv && sameShapes(sv.weights, tv.weights)) copyWeights(sv.weights, tv.weights, report);
    else report.leftRandom.push(...sv.weights.map((v) => v.originalName));
  }
}

/**
 * Widths differ: project the teacher's embedding space onto its top principal directions.
 * Token table E_t [V, d_t] ~ U S V^T (truncated SVD, V from the Gram matrix E_t^T E_t); with
 * k = min(d_s, d_t) and V_k [d_t, k]: student tokens E_s = E_t V_k (= U_k S_k), positions
 * P_s = P_t V_k and token types T_s = T_t V_k (same basis, so the summed embedding stays consistent),
 * head kernel W_s = V_k^T W_t and bias copied. When d_s > d_t the extra columns/rows are zeros.
 * Blocks and norms stay random.
 */
function initDifferentWidth(s: EncoderParts, t: EncoderParts, report: InitReport): void {
  const dT = t.embedding.tokens.shape[1] as number;
  const dS = s.embedding.tokens.shape[1] as number;
  const k = Math.min(dS, dT);
  const gram = tf.tidy(() => tf.matMul(t.embedding.tokens.read(), t.embedding.tokens.read(), true, false)); // [dT, dT]
  const vk = topEigenvectors(gram.dataSync(), dT, k);
  gram.dispose();
  tf.tidy(() => {
    const basis = tf.tensor2d(Float32Array.from(vk), [dT, k]).pad([
      [0, 0],
      [0, dS - k],
    ]); // [dT, dS]
    const project = (x: tf.Tensor) => tf.matMul(x as tf.Tensor2D, basis); // [n, dT] -> [n, dS]
    const { tokens, positions } = s.embedding;
    if (tokens.shape[0] === t.embedding.tokens.shape[0]) {
      tokens.write(project(t.embedding.tokens.read()));
      report.initialised.push(tokens.originalName);
    } else report.leftRandom.push(tokens.originalName);
    const rows = Math.min(positions.shape[0] as number, t.embedding.positions.shape[0] as number);
    const projected = project(t.embedding.positions.read().slice(0, rows));
    positions.write(rows === positions.shape[0] ? projected : tf.concat([projected, positions.read().slice(rows)]));
    report.initialised.push(positions.originalName);
    const [types, teacherTypes] = [s.embedding.tokenTypes, t.embedding.tokenTypes];
    if (types && teacherTypes && types.shape[0] === teacherTypes.shape[0]) {
      types.write(project(teacherTypes.read()));
      report.initialised.push(types.originalName);
    } else if (types) report.leftRandom.push(types.originalName);
    if (s.head.units === t.head.units) {
      s.head.kernel.write(tf.matMul(basis, t.head.kernel.read() as tf.Tensor2D, true, false)); // [dS, C]
      report.initialised.push(s.head.kernel.originalName);
      copyWeights([s.head.bias], [t.head.bias], report);
    } else report.leftRandom.push(...s.head.weights.map((v) => v.originalName));
  });
  for (const block of s.blocks) report.leftRandom.push(...block.weights.map((v) => v.originalName));
  if (s.finalNorm) report.leftRandom.push(...s.finalNorm.weights.map((v) => v.originalName));
}

/**
 * Initialises a student encoder from a teacher encoder, in place.
 * Same dModel: copies the embeddings (the token type table when both models have one of the same size), the
 * teacher blocks chosen by `layerMap` (default DistilBERT style, student layer i <- teacher layer
 * floor(i * Lt / Ls), i.e. every other layer for half depth), the final norm and the head, wherever shapes match.
 * A student type table the teacher cannot supply is reported in `leftRandom`. Different dModel: embeddings and head from a
 * truncated SVD of the teacher's token embedding (see `initDifferentWidth`); blocks stay random.
 *
 * @example
 * ```ts
 * const report = initStudentFromTeacher(student, teacher); // layerMap [0, 2] for 4 -> 2 layers
 * console.log(report.copied.length, 'weights copied');
 * ```
 */
export function initStudentFromTeacher(
  student: tf.LayersModel,
  teacher: tf.LayersModel,
  options: { layerMap?: number[] } = {},
): InitReport {
  const s = encoderParts(student);
  const t = encoderParts(teacher);
  const report: InitReport = { layerMap: [], copied: [], initialised: [], leftRandom: [] };
  const sameWidth = s.embedding.tokens.shape[1] === t.embedding.tokens.shape[1];
  if (!sameWidth) {
    if (options.layerMap) {
      throw new TfdistillError('INVALID_ARGUMENT', 'layerMap needs equal teacher and student widths (dModel)');
    }
    initDifferentWidth(s, t, report);
    return report;
  }
  const layerMap = options.layerMap ?? defaultLayerMap(s.layers.length, t.layers.length);
  if (layerMap.length !== s.layers.length || layerMap.some((i) => !Number.isInteger(i) || i < 0 || i >= t.layers.length)) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `layerMap must list ${s.layers.length} teacher layer indices in [0, ${t.layers.length}), got [${layerMap.join(', ')}]`,
    );
  }
  report.layerMap = layerMap;
  initSameWidth(s, t, layerMap, report);
  return report;
}
