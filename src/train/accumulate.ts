import * as tf from '@tensorflow/tfjs';
import { require_ } from '../errors.js';

/**
 * Options of {@link GradientAccumulator}.
 */
export interface GradientAccumulatorOptions {
  /** Micro-batches summed per optimizer update (`ready` turns true after this many `add`s). */
  steps: number;
}

/**
 * Sums gradients over several micro-batches so a big batch fits in memory. Each micro-batch's
 * gradient (of a mean-reduced loss) is weighted by its size, so `mean()` is exactly the gradient of
 * the mean loss over all samples: `Σᵢ nᵢ·gᵢ / Σᵢ nᵢ`, also when the last micro-batch is smaller.
 * The running sums are kept out of any surrounding `tf.tidy` and freed by `reset()`/`dispose()`.
 *
 * @example
 * ```ts
 * const acc = new GradientAccumulator({ steps: 4 });
 * for (const micro of microBatches) {
 *   const { value, grads } = tf.variableGrads(() => loss(micro), studentVars);
 *   acc.add(grads, micro.size);
 *   tf.dispose([value, grads]);
 * }
 * const grads = acc.mean();
 * optimizer.applyGradients(grads);
 * tf.dispose(grads);
 * acc.reset();
 * ```
 */
export class GradientAccumulator {
  /** Micro-batches per update. */
  readonly steps: number;
  private sums = new Map<string, tf.Tensor>(); // name -> Σ nᵢ·gᵢ, same shape as the variable
  private micro = 0;
  private sampleCount = 0;

  constructor(options: GradientAccumulatorOptions) {
    require_(
      Number.isInteger(options.steps) && options.steps >= 1,
      `GradientAccumulator: steps must be an integer >= 1, got ${options.steps}`,
    );
    this.steps = options.steps;
  }

  /** Micro-batches added since the last reset. @example `if (acc.count === 0) startTimer()` */
  get count(): number {
    return this.micro;
  }

  /** Samples added since the last reset. @example `progress.update({ samples: acc.samples })` */
  get samples(): number {
    return this.sampleCount;
  }

  /** True once `steps` micro-batches were added. @example `if (acc.ready) apply(acc.mean())` */
  get ready(): boolean {
    return this.micro >= this.steps;
  }

  /**
   * Adds one micro-batch's gradients (of its mean loss) with weight `batchSize`. The gradients are
   * not disposed.
   *
   * @example
   * ```ts
   * acc.add(grads, 16);
   * ```
   */
  add(grads: tf.NamedTensorMap, batchSize: number): void {
    require_(Number.isInteger(batchSize) && batchSize >= 1, `GradientAccumulator.add: batchSize must be an integer >= 1, got ${batchSize}`);
    for (const [name, g] of Object.entries(grads)) {
      const old = this.sums.get(name);
      const next = tf.tidy(() => (old ? tf.add(old, tf.mul(g, batchSize)) : tf.mul(g, batchSize)));
      this.sums.set(name, tf.keep(next));
      old?.dispose();
    }
    this.micro += 1;
    this.sampleCount += batchSize;
  }

  /**
   * The size-weighted mean gradient, as new tensors the caller owns.
   *
   * @example
   * ```ts
   * const grads = acc.mean(); // same names as the added gradients
   * ```
   */
  mean(): tf.NamedTensorMap {
    require_(this.sampleCount > 0, 'GradientAccumulator.mean: nothing was added since the last reset');
    const out: tf.NamedTensorMap = {};
    for (const [name, sum] of this.sums) out[name] = tf.div(sum, this.sampleCount);
    return out;
  }

  /** Frees the running sums and starts a new accumulation. @example `acc.reset()` */
  reset(): void {
    tf.dispose([...this.sums.values()]);
    this.sums.clear();
    this.micro = 0;
    this.sampleCount = 0;
  }

  /** Frees everything the accumulator holds. @example `acc.dispose()` */
  dispose(): void {
    this.reset();
  }
}
