import { TfdistillError } from '../errors.js';
import { requireSparsity } from './prune-masks.js';

/**
 * How sparsity grows: all at once, through explicit steps (e.g. `[0.1, 0.3, 0.5, 0.7]`), or TF-MOT's
 * `PolynomialDecay` s_t = s_f + (s_i - s_f) (1 - t/n)^power for t = 1..n.
 */
export type PruneSchedule = 'one-shot' | readonly number[] | { polynomial: { steps: number; initial?: number; power?: number } };

/**
 * The sparsity after each step of a schedule that ends at `target` (explicit steps end where they end).
 * Steps must be non-decreasing and each in [0, 1).
 *
 * @example
 * ```ts
 * scheduleSteps(0.7, 'one-shot'); // [0.7]
 * scheduleSteps(0.5, { polynomial: { steps: 2 } }); // [0.4375, 0.5]
 * ```
 */
export function scheduleSteps(target: number, schedule: PruneSchedule = 'one-shot'): number[] {
  if (schedule === 'one-shot') {
    requireSparsity(target);
    return [target];
  }
  if (Array.isArray(schedule)) {
    if (schedule.length === 0) throw new TfdistillError('INVALID_ARGUMENT', 'a step schedule needs at least one sparsity');
    schedule.forEach((s, i) => {
      requireSparsity(s, `schedule[${i}]`);
      if (i > 0 && s < schedule[i - 1]) throw new TfdistillError('INVALID_ARGUMENT', 'schedule sparsities must not decrease');
    });
    return [...schedule];
  }
  const poly = (schedule as { polynomial?: { steps: number; initial?: number; power?: number } }).polynomial;
  if (!poly)
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `unknown prune schedule ${JSON.stringify(schedule)}`,
      "use 'one-shot', a list, or { polynomial }",
    );
  requireSparsity(target);
  const { steps, initial = 0, power = 3 } = poly;
  if (!Number.isInteger(steps) || steps < 1)
    throw new TfdistillError('INVALID_ARGUMENT', `polynomial steps must be a positive integer, got ${steps}`);
  requireSparsity(initial, 'polynomial initial');
  return Array.from({ length: steps }, (_, i) => target + (initial - target) * (1 - (i + 1) / steps) ** power);
}
