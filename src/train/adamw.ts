import * as tf from '@tensorflow/tfjs';
import { adamwKernelName } from '../backend/wasm-kernels/adamw.js';
import { require_, TfdistillError } from '../errors.js';
import type { NamedTensor } from '../io/optimizer-files.js';

/**
 * Options of {@link AdamW}; the defaults are torch.optim.AdamW's.
 */
export interface AdamWOptions {
  /** Initial learning rate; a schedule changes it with `setLearningRate` before every step. Default 1e-3. */
  learningRate?: number;
  /** Decoupled weight decay λ: each step multiplies decayed weights by `1 - lr * λ`. Default 0.01. */
  weightDecay?: number;
  /** Exponential decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Exponential decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Added to the bias-corrected RMS so the update never divides by zero. Default 1e-8. */
  epsilon?: number;
  /**
   * Variables whose name matches any of these get no weight decay (biases and LayerNorm gain/shift,
   * as in BERT and HF `Trainer`). Default {@link DEFAULT_NO_DECAY}. tfjs-layers names weights like
   * `dense_Dense1/bias` and `layer_normalization_LayerNormalization1/gamma`.
   */
  excludeFromWeightDecay?: RegExp[];
}

/**
 * Default weight-decay exclusions: biases, and LayerNorm parameters (tfjs-layers calls them
 * `gamma`/`beta`; other code uses `layer_norm`, `layernorm`, `ln_1`).
 *
 * @example
 * ```ts
 * const opt = new AdamW({ excludeFromWeightDecay: [...DEFAULT_NO_DECAY, /embeddings/] });
 * ```
 */
export const DEFAULT_NO_DECAY: readonly RegExp[] = [/bias/i, /layer_?norm|ln_?\d|gamma|beta/i];

/**
 * Saved optimizer state: the update count and one `m` and one `v` tensor per variable.
 *
 * @example
 * ```ts
 * const state: AdamWState = await optimizer.getState(); // { step: 120, weights: [{ name: 'dense_Dense1/kernel/m', tensor }, ...] }
 * ```
 */
export interface AdamWState {
  /** Number of updates applied so far (torch's `state['step']`). */
  step: number;
  /** Moments named `<variable name>/m` and `<variable name>/v`. */
  weights: NamedTensor[];
}

/** Whether this backend has the one-pass AdamW kernel for a gradient of this dtype (wasm with tfdistill's kernels). */
const fusedAdamW = (g: tf.Tensor): boolean => g.dtype === 'float32' && tf.getKernel(adamwKernelName, tf.getBackend()) !== undefined;

interface Moments {
  m: tf.Variable; // same shape as the variable
  v: tf.Variable; // same shape as the variable
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter 2019, "Decoupled Weight Decay
 * Regularization"), step for step the same arithmetic as `torch.optim.AdamW`:
 *
 * ```text
 * p ← p · (1 − lr·λ)                       (skipped for names in excludeFromWeightDecay)
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 * ```
 *
 * TF.js only ships Adam, whose L2 penalty (if any) would be scaled by the adaptive denominator;
 * decoupling keeps the decay the same for every weight. Moments are keyed by variable name (not by
 * position, unlike tfjs's Adam), so calling `applyGradients` with different subsets is safe.
 * Bias corrections are computed on the host from the step count: no device read per step.
 *
 * @example
 * ```ts
 * const opt = new AdamW({ learningRate: 5e-4, weightDecay: 0.01 });
 * opt.setLearningRate(learningRateAt(step, schedule));
 * opt.minimize(() => loss(student(x), y), false, student.trainableWeights.map((w) => w.read() as tf.Variable));
 * const state = await opt.getState(); // save with the checkpoint, then dispose state.weights
 * ```
 */
export class AdamW extends tf.Optimizer {
  /** Name used by `tf.serialization` (registered at import). */
  static get className(): string {
    return 'tfdistill.AdamW';
  }

  private learningRate: number;
  private readonly weightDecay: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly noDecay: RegExp[];
  private readonly moments = new Map<string, Moments>();

  constructor(options: AdamWOptions = {}) {
    super();
    this.learningRate = options.learningRate ?? 1e-3;
    this.weightDecay = options.weightDecay ?? 0.01;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.noDecay = [...(options.excludeFromWeightDecay ?? DEFAULT_NO_DECAY)];
    require_(this.learningRate >= 0, `AdamW: learningRate must be >= 0, got ${this.learningRate}`);
    require_(this.weightDecay >= 0, `AdamW: weightDecay must be >= 0, got ${this.weightDecay}`);
    require_(this.beta1 >= 0 && this.beta1 < 1, `AdamW: beta1 must be in [0, 1), got ${this.beta1}`);
    require_(this.beta2 >= 0 && this.beta2 < 1, `AdamW: beta2 must be in [0, 1), got ${this.beta2}`);
    require_(this.epsilon > 0, `AdamW: epsilon must be > 0, got ${this.epsilon}`);
  }

  /**
   * Sets the learning rate used by the next `applyGradients`.
   *
   * @example
   * ```ts
   * opt.setLearningRate(learningRateAt(step, { base: 5e-4, warmupSteps: 100, totalSteps: 1000, decay: 'linear' }));
   * ```
   */
  setLearningRate(lr: number): void {
    require_(Number.isFinite(lr) && lr >= 0, `AdamW: learning rate must be a finite number >= 0, got ${lr}`);
    this.learningRate = lr;
  }

  /** The learning rate the next step will use. @example `progress.update({ lr: opt.getLearningRate() })` */
  getLearningRate(): number {
    return this.learningRate;
  }

  /** Updates applied so far. @example `if (opt.step % 100 === 0) await save()` */
  get step(): number {
    return this.iterations;
  }

  /** Whether the variable called `name` gets weight decay. @example `opt.decays('dense_Dense1/bias') // false` */
  decays(name: string): boolean {
    return !this.noDecay.some((re) => {
      re.lastIndex = 0; // a /g or /y pattern would otherwise remember its position between names
      return re.test(name);
    });
  }

  /**
   * Applies one AdamW update. `grads` maps registered variable names to gradients (as returned by
   * `tf.variableGrads`); variables with a missing gradient are left untouched. Does not dispose the
   * gradients.
   *
   * @example
   * ```ts
   * const { value, grads } = tf.variableGrads(lossFn, studentVars);
   * opt.applyGradients(grads);
   * tf.dispose([value, grads]);
   * ```
   */
  applyGradients(grads: tf.NamedTensorMap | NamedTensor[]): void {
    const named = Array.isArray(grads) ? grads : Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
    const t = this.iterations + 1;
    const lr = this.learningRate;
    // Host-side float64 scalars, exactly torch's `step_size` and `bias_correction2_sqrt`.
    const stepSize = lr / (1 - this.beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    const registered = tf.engine().registeredVariables;
    tf.tidy(() => {
      for (const { name, tensor: g } of named) {
        if (g == null) continue;
        const p = registered[name];
        if (p == null) {
          throw new TfdistillError(
            'INVALID_ARGUMENT',
            `AdamW: no variable named "${name}" is registered`,
            'Pass gradients keyed by variable name, e.g. from tf.variableGrads.',
          );
        }
        const { m, v } = this.momentsFor(p);
        const decays = this.weightDecay > 0 && this.decays(name);
        if (fusedAdamW(g)) {
          // One SIMD pass, bit-identical to the ops below.
          const attrs = {
            decay: decays ? 1 - lr * this.weightDecay : 1,
            beta1: this.beta1,
            beta2: this.beta2,
            bc2Sqrt,
            epsilon: this.epsilon,
            stepSize,
          };
          const [pNew, mNew, vNew] = tf
            .engine()
            .runKernel(adamwKernelName, { p, g, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
          m.assign(mNew);
          v.assign(vNew);
          p.assign(pNew);
          continue;
        }
        const decayed = decays ? tf.mul(p, 1 - lr * this.weightDecay) : p;
        const mNew = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(vNew), bc2Sqrt), this.epsilon);
        m.assign(mNew);
        v.assign(vNew);
        p.assign(tf.sub(decayed, tf.mul(tf.div(mNew, denom), stepSize)));
      }
    });
    this.incrementIterations();
  }

  /**
   * A copy of the optimizer state (the caller owns and disposes `weights`); `setState` on a fresh
   * optimizer restores it bit for bit.
   *
   * @example
   * ```ts
   * const state = await opt.getState();
   * await writeCheckpoint({ optimizer: state });
   * tf.dispose(state.weights.map((w) => w.tensor));
   * ```
   */
  async getState(): Promise<AdamWState> {
    const weights: NamedTensor[] = [];
    for (const [name, { m, v }] of this.moments) {
      weights.push({ name: `${name}/m`, tensor: m.clone() }, { name: `${name}/v`, tensor: v.clone() });
    }
    return { step: this.iterations, weights };
  }

  /**
   * Restores a state from `getState` (the caller keeps ownership of its tensors). Moments are matched
   * to variables by name when the variable next trains, so the student must be rebuilt with the same
   * weight names; tfjs-layers uniquifies names per process (`dense_Dense1` becomes `dense_Dense2` for
   * a second model), so pass `rename` to map saved names to the current ones if they differ.
   *
   * @example
   * ```ts
   * await opt.setState(saved);
   * await opt.setState(saved, { rename: (name) => name.replace('student_1/', 'student_2/') });
   * ```
   */
  async setState(state: AdamWState, options: { rename?: (savedVariableName: string) => string } = {}): Promise<void> {
    require_(Number.isInteger(state.step) && state.step >= 0, `AdamW: state.step must be an integer >= 0, got ${state.step}`);
    const byVar = new Map<string, { m?: tf.Tensor; v?: tf.Tensor }>();
    for (const { name, tensor } of state.weights) {
      const match = /^(.*)\/(m|v)$/.exec(name);
      if (!match) {
        throw new TfdistillError('CHECKPOINT_INVALID', `AdamW state: unexpected weight name "${name}"`, 'Moment names end in /m or /v.');
      }
      const varName = options.rename ? options.rename(match[1]) : match[1];
      const entry = byVar.get(varName) ?? {};
      entry[match[2] as 'm' | 'v'] = tensor;
      byVar.set(varName, entry);
    }
    for (const [name, { m, v }] of byVar) {
      if (!m || !v || !tf.util.arraysEqual(m.shape, v.shape)) {
        throw new TfdistillError('CHECKPOINT_INVALID', `AdamW state: "${name}" needs an m and a v of the same shape`);
      }
    }
    this.disposeMoments();
    for (const [name, { m, v }] of byVar) {
      // A variable shares the tensor's buffer by reference count and `assign` swaps buffers, so the
      // caller may dispose its tensors without affecting ours.
      this.moments.set(name, { m: tf.variable(m!, false), v: tf.variable(v!, false) });
    }
    this.iterations_ = state.step;
  }

  /** tf.Optimizer protocol: `[iter, ...m, ...v]` like tfjs's Adam. @example `await opt.getWeights()` */
  override async getWeights(): Promise<NamedTensor[]> {
    const { step, weights } = await this.getState();
    const ms = weights.filter((w) => w.name.endsWith('/m'));
    const vs = weights.filter((w) => w.name.endsWith('/v'));
    return [{ name: 'iter', tensor: tf.scalar(step, 'int32') }, ...ms, ...vs];
  }

  /** tf.Optimizer protocol, inverse of `getWeights`. @example `await opt.setWeights(await other.getWeights())` */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const [iter, ...rest] = weightValues;
    require_(iter?.name === 'iter', 'AdamW.setWeights: the first weight must be "iter"');
    const step = (await iter.tensor.data())[0];
    await this.setState({ step, weights: rest });
  }

  /** Serializable hyper-parameters (patterns as `{ source, flags }`). @example `AdamW.fromConfig(AdamW, opt.getConfig())` */
  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      weightDecay: this.weightDecay,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      excludeFromWeightDecay: this.noDecay.map((re) => ({ source: re.source, flags: re.flags })),
    };
  }

  /** Inverse of `getConfig`. @example `const copy = AdamW.fromConfig(AdamW, opt.getConfig())` */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const patterns = config.excludeFromWeightDecay as Array<{ source: string; flags: string }> | undefined;
    const options: AdamWOptions = {
      learningRate: config.learningRate as number,
      weightDecay: config.weightDecay as number,
      beta1: config.beta1 as number,
      beta2: config.beta2 as number,
      epsilon: config.epsilon as number,
      excludeFromWeightDecay: patterns?.map((p) => new RegExp(p.source, p.flags)),
    };
    return new cls(options);
  }

  /** Frees the moment variables. @example `opt.dispose()` */
  override dispose(): void {
    this.disposeMoments();
  }

  private momentsFor(p: tf.Variable): Moments {
    let entry = this.moments.get(p.name);
    if (entry && !tf.util.arraysEqual(entry.m.shape, p.shape)) {
      throw new TfdistillError(
        'SHAPE_MISMATCH',
        `AdamW: saved moments for "${p.name}" have shape [${entry.m.shape}], the variable has [${p.shape}]`,
      );
    }
    if (!entry) {
      // Variables are never tracked by tidy, so these outlive applyGradients' scope; the zeros are freed.
      entry = { m: tf.variable(tf.zerosLike(p), false), v: tf.variable(tf.zerosLike(p), false) };
      this.moments.set(p.name, entry);
    }
    return entry;
  }

  private disposeMoments(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }
}

tf.serialization.registerClass(AdamW);
