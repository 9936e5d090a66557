import { require_ } from '../errors.js';

/**
 * How the learning rate falls after warmup.
 */
export type LrDecay = 'linear' | 'cosine' | 'constant';

/**
 * Options of {@link learningRateAt}.
 */
export interface LrScheduleOptions {
  /** Peak learning rate, reached at the end of warmup. */
  base: number;
  /** Updates spent rising linearly from 0 to `base`. */
  warmupSteps: number;
  /** Total number of optimizer updates in the run (decay reaches its floor here). */
  totalSteps: number;
  /** Shape after warmup: linear to the floor, half-cosine to the floor, or flat at `base`. */
  decay: LrDecay;
  /** Floor as a fraction of `base` for `linear`/`cosine` (HF's `min_lr_rate`). Default 0. */
  minRatio?: number;
}

/**
 * The learning rate for the update with index `step` (0 for the first update, i.e. the number of
 * updates already applied), with HF transformers' semantics:
 * `get_linear_schedule_with_warmup`, `get_cosine_schedule_with_warmup` (half a cycle) and
 * `get_constant_schedule_with_warmup`. As in HF, warmup starts at exactly 0, so with warmup the
 * first update has learning rate 0. `minRatio` rescales only the decay phase
 * (`factor · (1 − minRatio) + minRatio`, HF's `cosine_with_min_lr`). Past `totalSteps` the rate
 * stays at its floor (HF's cosine would rise again; that is never what a run wants).
 *
 * @example
 * ```ts
 * const schedule = { base: 5e-4, warmupSteps: 100, totalSteps: 1000, decay: 'linear' } as const;
 * learningRateAt(0, schedule);    // 0
 * learningRateAt(50, schedule);   // 2.5e-4
 * learningRateAt(100, schedule);  // 5e-4
 * learningRateAt(550, schedule);  // 2.5e-4
 * ```
 */
export function learningRateAt(step: number, options: LrScheduleOptions): number {
  const { base, warmupSteps, totalSteps, decay, minRatio = 0 } = options;
  require_(Number.isInteger(step) && step >= 0, `learningRateAt: step must be an integer >= 0, got ${step}`);
  require_(Number.isFinite(base) && base >= 0, `learningRateAt: base must be a finite number >= 0, got ${base}`);
  require_(Number.isInteger(warmupSteps) && warmupSteps >= 0, `learningRateAt: warmupSteps must be an integer >= 0, got ${warmupSteps}`);
  require_(
    Number.isInteger(totalSteps) && totalSteps >= warmupSteps,
    `learningRateAt: totalSteps must be an integer >= warmupSteps (${warmupSteps}), got ${totalSteps}`,
  );
  require_(minRatio >= 0 && minRatio <= 1, `learningRateAt: minRatio must be in [0, 1], got ${minRatio}`);
  require_(
    decay === 'linear' || decay === 'cosine' || decay === 'constant',
    `learningRateAt: decay must be 'linear', 'cosine' or 'constant', got '${String(decay)}'`,
  );

  if (step < warmupSteps) return base * (step / Math.max(1, warmupSteps));
  if (decay === 'constant') return base;
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  const factor = decay === 'linear' ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
  return base * (factor * (1 - minRatio) + minRatio);
}
