import type { EncoderOutputs } from '../models/types.js';
import { TfdistillError, require_ } from '../errors.js';
import type { IntermediateSpec } from './intermediate-spec.js';
import type { Projection } from './projection.js';
import { shapeText } from './validate.js';

/**
 * The shapes of an encoder's intermediate outputs: hidden[i] [batch, seq, d], attention[i] [batch, heads, seq, seq].
 *
 * @example
 * ```ts
 * const shapes: IntermediateShapes = { hidden: [[8, 128, 256]], attention: [[8, 4, 128, 128]] };
 * ```
 */
export interface IntermediateShapes {
  hidden?: number[][];
  attention?: number[][];
}

/**
 * The {@link IntermediateShapes} of a forward pass's outputs.
 *
 * @example
 * ```ts
 * checkIntermediateShapes(intermediateShapesOf(studentOut), intermediateShapesOf(teacherOut), specs);
 * ```
 */
export function intermediateShapesOf(outputs: EncoderOutputs): IntermediateShapes {
  return { hidden: outputs.hidden?.map((h) => h.shape), attention: outputs.attention?.map((a) => a.shape) };
}

/**
 * Checks, before training starts, that every layer pair of `specs` exists and has compatible
 * shapes: block indices in range, equal batch and seq, square attention maps, equal hidden widths
 * or a projection `projections[studentBlock]` mapping student width -> teacher width. All problems
 * are reported in ONE `TfdistillError('SHAPE_MISMATCH')` naming both layers and both shapes.
 * Malformed specs (unknown loss, bad weight, empty layerMap) throw INVALID_ARGUMENT.
 *
 * @example
 * ```ts
 * checkIntermediateShapes(
 *   { hidden: [[8, 128, 256]] }, { hidden: [[8, 128, 768], [8, 128, 768]] },
 *   [{ loss: 'hiddenMse', weight: 1, layerMap: [[0, 1]] }],
 *   { projections: { 0: createProjection(256, 768, 'proj0') } },
 * );
 * ```
 */
export function checkIntermediateShapes(
  studentShapes: IntermediateShapes,
  teacherShapes: IntermediateShapes,
  specs: readonly IntermediateSpec[],
  options: { projections?: Readonly<Record<number, Projection>> } = {},
): void {
  const problems: string[] = [];
  for (const spec of specs) {
    validateSpec(spec);
    const kind = spec.loss === 'attentionKl' || spec.loss === 'attentionMse' ? 'attention' : 'hidden';
    for (const [si, ti] of spec.layerMap) {
      const where = `${spec.loss}: student ${kind}[${si}] vs teacher ${kind}[${ti}]`;
      const s = studentShapes[kind]?.[si];
      const t = teacherShapes[kind]?.[ti];
      if (s === undefined || t === undefined) {
        const count = (x: IntermediateShapes) => x[kind]?.length ?? 0;
        problems.push(`${where}: missing block (student has ${count(studentShapes)} ${kind} outputs, teacher ${count(teacherShapes)})`);
        continue;
      }
      const why = kind === 'hidden' ? hiddenProblem(s, t, options.projections?.[si]) : attentionProblem(s, t);
      if (why) problems.push(`${where}: ${shapeText(s)} vs ${shapeText(t)}: ${why}`);
    }
  }
  if (problems.length > 0) {
    throw new TfdistillError(
      'SHAPE_MISMATCH',
      `intermediate layer shapes do not match:\n  ${problems.join('\n  ')}`,
      'fix the layerMap, or pass projections[studentBlock] = createProjection(studentDim, teacherDim, name)',
    );
  }
}

function hiddenProblem(s: number[], t: number[], projection: Projection | undefined): string | undefined {
  if (s.length !== 3 || t.length !== 3) return 'hidden states must be [batch, seq, d]';
  if (s[0] !== t[0] || s[1] !== t[1]) return 'batch/seq differ';
  if (projection === undefined) return s[2] === t[2] ? undefined : `widths ${s[2]} and ${t[2]} differ and no projection is given`;
  if (projection.studentDim !== s[2] || projection.teacherDim !== t[2]) {
    return `projection '${projection.name}' maps ${projection.studentDim} -> ${projection.teacherDim}, need ${s[2]} -> ${t[2]}`;
  }
  return undefined;
}

function attentionProblem(s: number[], t: number[]): string | undefined {
  if (s.length !== 4 || t.length !== 4) return 'attention maps must be [batch, heads, seq, seq]';
  if (s[2] !== s[3] || t[2] !== t[3]) return 'attention maps must be square';
  if (s[1] < 1 || t[1] < 1) return 'head count must be >= 1';
  if (s[0] !== t[0] || s[2] !== t[2]) return 'batch/seq differ';
  return undefined; // differing head counts are averaged to one map
}

const INTERMEDIATE_LOSSES = ['hiddenMse', 'cosine', 'attentionKl', 'attentionMse'];

function validateSpec(spec: IntermediateSpec): void {
  require_(
    INTERMEDIATE_LOSSES.includes(spec.loss),
    `unknown intermediate loss '${String(spec.loss)}'`,
    `valid names: ${INTERMEDIATE_LOSSES.join(', ')}`,
  );
  require_(Number.isFinite(spec.weight) && spec.weight >= 0, `${spec.loss}: weight must be finite and >= 0, got ${spec.weight}`);
  require_(Array.isArray(spec.layerMap) && spec.layerMap.length > 0, `${spec.loss}: layerMap must list [studentBlock, teacherBlock] pairs`);
  for (const pair of spec.layerMap) {
    require_(
      Array.isArray(pair) && pair.length === 2 && pair.every((i) => Number.isInteger(i) && i >= 0),
      `${spec.loss}: layerMap entry ${JSON.stringify(pair)} must be [studentBlock, teacherBlock] (integers >= 0)`,
    );
  }
}
