import * as tf from '@tensorflow/tfjs';
import { require_, TfdistillError } from '../errors.js';

/**
 * Options of {@link DynamicLossScale}; defaults are Keras `LossScaleOptimizer`'s.
 */
export interface LossScaleOptions {
  /** Starting scale. Default 2^15. */
  initialScale?: number;
  /** Consecutive finite steps after which the scale is multiplied by `multiplier`. Default 2000. */
  growthSteps?: number;
  /** Factor to grow by, and to shrink by on overflow. Default 2 (exact in floating point). */
  multiplier?: number;
}

/**
 * Saved loss-scale state.
 *
 * @example
 * ```ts
 * const saved: LossScaleState = lossScale.getState(); // { scale: 32768, goodSteps: 17 }
 * ```
 */
export interface LossScaleState {
  /** Current scale. */
  scale: number;
  /** Consecutive finite steps since the scale last changed. */
  goodSteps: number;
}

/**
 * Dynamic loss scaling for (emulated) low-precision training, with Keras `LossScaleOptimizer`
 * semantics: multiply the loss by `scale` so small gradients survive float16 rounding, divide the
 * gradients by it again, and then
 * - if any gradient is NaN/±Inf: skip the update, `scale ← max(scale / 2, 1)`, reset the counter;
 * - otherwise apply it, and after `growthSteps` finite steps in a row `scale ← scale · 2`.
 *
 * The per-step cost is one device reduction ({@link allFinite}) and one scalar read, done by the
 * caller (`trainStep`) and passed to `update`.
 *
 * @example
 * ```ts
 * const ls = new DynamicLossScale();
 * const { value, grads } = tf.variableGrads(() => ls.scaleLoss(loss()), vars);
 * const unscaled = ls.unscale(grads);
 * const finite = allFinite(Object.values(unscaled));
 * if (ls.update((await finite.data())[0] === 1)) optimizer.applyGradients(unscaled);
 * tf.dispose([value, grads, unscaled, finite]);
 * ```
 */
export class DynamicLossScale {
  private current: number;
  private good = 0;
  private readonly growthSteps: number;
  private readonly multiplier: number;

  constructor(options: LossScaleOptions = {}) {
    this.current = options.initialScale ?? 2 ** 15;
    this.growthSteps = options.growthSteps ?? 2000;
    this.multiplier = options.multiplier ?? 2;
    require_(Number.isFinite(this.current) && this.current >= 1, `DynamicLossScale: initialScale must be >= 1, got ${this.current}`);
    require_(
      Number.isInteger(this.growthSteps) && this.growthSteps >= 1,
      `DynamicLossScale: growthSteps must be an integer >= 1, got ${this.growthSteps}`,
    );
    require_(this.multiplier > 1, `DynamicLossScale: multiplier must be > 1, got ${this.multiplier}`);
  }

  /** The current scale. @example `metrics.lossScale = ls.scale` */
  get scale(): number {
    return this.current;
  }

  /** `loss · scale` (a new tensor). @example `tf.variableGrads(() => ls.scaleLoss(lossFn()), vars)` */
  scaleLoss(loss: tf.Scalar): tf.Scalar {
    return tf.mul(loss, this.current);
  }

  /** `g / scale` for every gradient (new tensors; inputs not disposed). @example `const g = ls.unscale(grads)` */
  unscale(grads: tf.NamedTensorMap): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const [name, g] of Object.entries(grads)) out[name] = tf.div(g, this.current);
    return out;
  }

  /**
   * Advances the state machine after a step whose gradients were (not) all finite, and returns
   * whether the optimizer should apply them.
   *
   * @example
   * ```ts
   * if (ls.update(finite)) optimizer.applyGradients(grads);
   * ```
   */
  update(finite: boolean): boolean {
    if (!finite) {
      this.current = Math.max(this.current / this.multiplier, 1);
      this.good = 0;
      return false;
    }
    if (this.good + 1 >= this.growthSteps) {
      const grown = this.current * this.multiplier;
      if (Number.isFinite(grown)) this.current = grown;
      this.good = 0;
    } else {
      this.good += 1;
    }
    return true;
  }

  /** A copy of the state for checkpoints. @example `checkpoint.lossScale = ls.getState()` */
  getState(): LossScaleState {
    return { scale: this.current, goodSteps: this.good };
  }

  /** Restores `getState()` output. @example `ls.setState(checkpoint.lossScale)` */
  setState(state: LossScaleState): void {
    if (!(Number.isFinite(state.scale) && state.scale >= 1 && Number.isInteger(state.goodSteps) && state.goodSteps >= 0)) {
      throw new TfdistillError('CHECKPOINT_INVALID', `loss-scale state is invalid: ${JSON.stringify(state)}`);
    }
    this.current = state.scale;
    this.good = state.goodSteps;
  }
}

/**
 * A boolean scalar on the device: true iff every element of every tensor is finite. One read of it
 * is the only host sync loss scaling needs per step.
 *
 * @example
 * ```ts
 * const ok = allFinite(Object.values(grads));
 * const finite = (await ok.data())[0] === 1;
 * ok.dispose();
 * ```
 */
export function allFinite(tensors: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.scalar(true, 'bool');
    // x·0 is 0 for finite x and NaN for NaN/±Inf, so one sum per tensor carries every non-finite value.
    const probes = tensors.map((t) => tf.sum(tf.mul(t, 0)));
    return tf.isFinite(tf.addN(probes)).asScalar() as tf.Scalar;
  });
}
