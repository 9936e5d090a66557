import { require_ } from '../errors.js';

/**
 * A hyper-parameter (temperature, alpha) that is either fixed or changes with the optimizer step.
 * For a schedule, with r = min(step / steps, 1):
 * - `'constant'`: `from` while step < steps, then `to` (set `to = from` for a value that never changes);
 * - `'linear'`: from + (to - from) * r;
 * - `'cosine'`: to + (from - to) * (1 + cos(pi * r)) / 2 (slow at both ends);
 * and from `steps` on every kind stays at `to`.
 *
 * @example
 * ```ts
 * import { scheduleValue } from 'tfdistill/advanced';
 * scheduleValue({ kind: 'linear', from: 8, to: 2, steps: 10_000 }, 5_000); // 5: the temperature halfway
 * ```
 */
export type ValueSchedule = number | { kind: 'constant' | 'linear' | 'cosine'; from: number; to: number; steps: number };

/**
 * The value of `schedule` at optimizer step `step` (0-based).
 *
 * @example
 * ```ts
 * scheduleValue({ kind: 'cosine', from: 1, to: 0, steps: 100 }, 50); // 0.5
 * scheduleValue(4, 123); // 4
 * ```
 */
export function scheduleValue(schedule: ValueSchedule, step: number): number {
  validateSchedule(schedule);
  require_(Number.isFinite(step) && step >= 0, `schedule step must be a finite number >= 0, got ${step}`);
  if (typeof schedule === 'number') return schedule;
  const { kind, from, to, steps } = schedule;
  const r = Math.min(step / steps, 1);
  if (kind === 'constant') return step < steps ? from : to;
  if (kind === 'linear') return from + (to - from) * r;
  return to + ((from - to) * (1 + Math.cos(Math.PI * r))) / 2;
}

/**
 * Throws INVALID_ARGUMENT unless `schedule` is a finite number or a well-formed schedule
 * (known kind, finite `from`/`to`, finite `steps` > 0).
 *
 * @example
 * ```ts
 * validateSchedule({ kind: 'linear', from: 0.9, to: 0.5, steps: 0 }); // throws: steps must be > 0
 * ```
 */
export function validateSchedule(schedule: ValueSchedule, what = 'schedule'): void {
  if (typeof schedule === 'number') {
    require_(Number.isFinite(schedule), `${what} must be finite, got ${schedule}`);
    return;
  }
  require_(typeof schedule === 'object' && schedule !== null, `${what} must be a number or a schedule object`);
  const { kind, from, to, steps } = schedule;
  require_(
    kind === 'constant' || kind === 'linear' || kind === 'cosine',
    `${what}.kind must be 'constant', 'linear' or 'cosine', got ${String(kind)}`,
  );
  require_(Number.isFinite(from) && Number.isFinite(to), `${what}.from and .to must be finite, got ${from} and ${to}`);
  require_(Number.isFinite(steps) && steps > 0, `${what}.steps must be a finite number > 0, got ${steps}`);
}
