import type { EncoderOutputs } from '../models/types.js';
import { TfdistillError, require_ } from '../errors.js';
import type { IntermediateSpec } from './intermediate-spec.js';
import type { ProjectionShape } from './projection.js';
import { intermediateLosses } from './registry.js';
import { shapeText } from './validate.js';

/**
 * The shapes of an encoder's intermediate outputs: hidden[i] [batch, seq, d], attention[i] [batch, heads, seq, seq].
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
  options: { projections?: Readonly<Record<number, ProjectionShape>> } = {},
): void {
  const problems: string[] = [];
  for (const spec of specs) {
    validateSpec(spec);
    const { reads: kind, shapeProblem } = intermediateLosses[spec.loss];
    for (const [si, ti] of spec.layerMap) {
      const where = `${spec.loss}: student ${kind}[${si}] vs teacher ${kind}[${ti}]`;
      const s = studentShapes[kind]?.[si];
      const t = teacherShapes[kind]?.[ti];
      if (s === undefined || t === undefined) {
        const count = (x: IntermediateShapes) => x[kind]?.length ?? 0;
        problems.push(`${where}: missing block (student has ${count(studentShapes)} ${kind} outputs, teacher ${count(teacherShapes)})`);
        continue;
      }
      const why = shapeProblem(s, t, options.projections?.[si]);
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

function validateSpec(spec: IntermediateSpec): void {
  require_(
    Object.hasOwn(intermediateLosses, spec.loss),
    `unknown intermediate loss '${String(spec.loss)}'`,
    `valid names: ${Object.keys(intermediateLosses).join(', ')}`,
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
