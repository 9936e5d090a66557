import * as tf from '@tensorflow/tfjs';
import { require_ } from '../errors.js';
import type { GradientAccumulator } from './accumulate.js';
import type { AdamW } from './adamw.js';
import { clipByGlobalNorm, globalNorm } from './clip.js';
import { lossAndGradients } from './gradients.js';
import { combineWithPeers, type PeerGradients } from './parallel/combine.js';
import { allFinite, type DynamicLossScale } from './loss-scale.js';

/**
 * What a training loss function returns: the scalar to minimize and its named parts for logging.
 *
 * @example
 * ```ts
 * const out: LossOutput = { total: tf.add(kd, ce), terms: { kd, ce } };
 * ```
 */
export interface LossOutput {
  /** The loss that is differentiated (already weighted and summed). */
  total: tf.Scalar;
  /** Named parts, e.g. `{ kd, ce, hidden }`; logged, not differentiated separately. */
  terms: Record<string, tf.Scalar>;
}

/**
 * Options of {@link trainStep}.
 */
export interface TrainStepOptions {
  /** The only variables that get gradients and updates (the student's); anything else stays frozen. */
  variables: tf.Variable[];
  /** Runs teacher and student forward and returns the loss; called inside `tf.variableGrads`. */
  lossFn: () => LossOutput;
  /** Applies the update; its learning rate is set by the caller beforehand. */
  optimizer: AdamW;
  /** Clip the (unscaled, accumulated) gradients to this global L2 norm. */
  clipGlobalNorm?: number;
  /** Dynamic loss scaling; costs one scalar read per applied update. */
  lossScale?: DynamicLossScale;
  /** Accumulate micro-batches; the update happens on the call that makes it `ready`. */
  accumulator?: GradientAccumulator;
  /** Samples in this micro-batch (weights it in the accumulator). Required with `accumulator` or `peers`. */
  batchSize?: number;
  /**
   * Data parallelism: the gradients other replicas are computing on the rest of the batch (see `ReplicaPool`). They
   * are averaged with this thread's (weighted by shard size) before accumulation, clipping and the update; `batchSize`
   * is then this thread's shard, and the result's loss is the whole batch's.
   */
  peers?: Promise<PeerGradients[]>;
}

/**
 * Result of {@link trainStep}; the caller owns the tensors (see {@link disposeStepResult}).
 *
 * @example
 * ```ts
 * const { total, terms, applied }: TrainStepResult = await trainStep(options);
 * ```
 */
export interface TrainStepResult {
  /** Unscaled total loss of this (micro-)batch. */
  total: tf.Scalar;
  /** Unscaled loss terms of this (micro-)batch. */
  terms: Record<string, tf.Scalar>;
  /** Global gradient norm before clipping, when an update was attempted and finite; else null. */
  gradNorm: tf.Scalar | null;
  /** Whether the optimizer updated the variables. */
  applied: boolean;
  /** True when loss scaling found NaN/Inf gradients and skipped the update (scale lowered). */
  skipped: boolean;
}

/**
 * One training step: gradients of `lossFn().total` with respect to `variables` only
 * (`tf.variableGrads`), optional loss scaling, optional accumulation, optional global-norm clipping,
 * then one AdamW update. Every intermediate tensor is disposed; the loss values come back as tensors
 * so the caller decides when to read them (reading every step stalls the pipeline). Without loss
 * scaling the step performs no device-to-host read at all.
 *
 * @example
 * ```ts
 * const result = await trainStep({
 *   variables: student.trainableWeights.map((w) => w.read() as tf.Variable),
 *   lossFn: () => tf.tidy(() => {
 *     const t = teacher.predict(x) as tf.Tensor2D;  // [batch, classes], frozen
 *     const s = student.predict(x) as tf.Tensor2D;  // [batch, classes]
 *     const kd = softTargetKL(s, t, { temperature: 2 });
 *     return { total: kd, terms: { kd } };
 *   }),
 *   optimizer,
 *   clipGlobalNorm: 1,
 * });
 * if (step % 50 === 0) console.log((await result.total.data())[0]);
 * disposeStepResult(result);
 * ```
 */
export async function trainStep(options: TrainStepOptions): Promise<TrainStepResult> {
  const { variables, lossFn, optimizer, clipGlobalNorm, lossScale, accumulator, batchSize } = options;
  require_(variables.length > 0, 'trainStep: variables is empty; pass the student variables to train');
  require_(!accumulator || batchSize !== undefined, 'trainStep: batchSize is required when accumulating gradients');
  require_(!options.peers || batchSize !== undefined, 'trainStep: batchSize is required with peers');

  let local: ReturnType<typeof lossAndGradients>;
  try {
    local = lossAndGradients(lossFn, variables, lossScale && ((t) => lossScale.scaleLoss(t)));
  } catch (e) {
    options.peers?.catch(() => {}); // this thread's error is the one to report
    throw e;
  }
  let { total, terms, grads } = local;
  if (lossScale) {
    grads = lossScale.unscale(local.grads);
    tf.dispose(local.grads);
  }
  let samples = batchSize;
  if (options.peers) {
    const peers = await options.peers.catch((e) => {
      tf.dispose([total, ...Object.values(terms), ...Object.values(grads)]);
      throw e;
    });
    ({ total, terms, grads } = combineWithPeers({ total, terms, grads, batchSize: batchSize! }, peers, variables));
    samples = batchSize! + peers.reduce((s, p) => s + p.batchSize, 0);
  }
  if (accumulator) {
    accumulator.add(grads, samples!);
    tf.dispose(grads);
    if (!accumulator.ready) return { total, terms, gradNorm: null, applied: false, skipped: false };
    grads = accumulator.mean();
    accumulator.reset();
  }

  if (lossScale) {
    const finiteFlag = allFinite(Object.values(grads));
    const finite = (await finiteFlag.data())[0] === 1;
    finiteFlag.dispose();
    if (!lossScale.update(finite)) {
      tf.dispose(grads);
      return { total, terms, gradNorm: null, applied: false, skipped: true };
    }
  }

  let gradNorm: tf.Scalar;
  if (clipGlobalNorm !== undefined) {
    const clipped = clipByGlobalNorm(grads, clipGlobalNorm);
    tf.dispose(grads);
    grads = clipped.grads;
    gradNorm = clipped.norm;
  } else {
    gradNorm = globalNorm(Object.values(grads));
  }
  optimizer.applyGradients(grads);
  tf.dispose(grads);
  return { total, terms, gradNorm, applied: true, skipped: false };
}

/**
 * Frees the tensors of a {@link TrainStepResult} (after reading what you want to log).
 *
 * @example
 * ```ts
 * const r = await trainStep(opts);
 * disposeStepResult(r);
 * ```
 */
export function disposeStepResult(result: TrainStepResult): void {
  tf.dispose([result.total, ...Object.values(result.terms), ...(result.gradNorm ? [result.gradNorm] : [])]);
}
