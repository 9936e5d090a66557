import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import { nameFilter } from './patterns.js';

/**
 * Weights left alone by default: embeddings, LayerNorm parameters and biases (tiny, and pruning them hurts
 * far more than it saves).
 */
export const DEFAULT_PRUNE_EXCLUDE: readonly string[] = ['*embedding*', '*norm*', '*bias*', '*gamma*', '*beta*'];

/**
 * Options of {@link magnitudeMasks}.
 */
export interface MagnitudeOptions {
  /** Fraction of prunable weights set to zero, in [0, 1). */
  sparsity: number;
  /** `'layer'`: every weight tensor reaches the sparsity; `'global'`: one threshold across all of them. */
  scope?: 'layer' | 'global';
  /** Weight-name globs to prune (default all); see `DEFAULT_PRUNE_EXCLUDE` for the default exclusions. */
  include?: readonly string[];
  exclude?: readonly string[];
  /** Masks from an earlier step: weights they pruned stay pruned (progressive schedules). */
  previous?: PruneMasks;
}

/**
 * Binary masks over a model's prunable weights (1 = kept). Call {@link PruneMasks.apply} after every
 * optimizer step of a fine-tuning run so pruned weights stay exactly zero.
 *
 * @example
 * ```ts
 * const masks = magnitudeMasks(model, { sparsity: 0.5 });
 * masks.apply();
 * optimizer.minimize(loss); masks.apply();
 * masks.dispose();
 * ```
 */
export class PruneMasks {
  constructor(readonly entries: ReadonlyArray<{ variable: tf.LayerVariable; mask: tf.Tensor }>) {}

  /** Names of the masked weights. */
  get names(): string[] {
    return this.entries.map((e) => e.variable.originalName);
  }

  /** Zeroes the pruned weights in place. `where`, not `w * mask`: negative weights would become -0, which gzip does not see as zero bytes. */
  apply(): void {
    for (const { variable, mask } of this.entries) {
      const next = tf.tidy(() => tf.where(tf.cast(mask, 'bool'), variable.read(), tf.zerosLike(variable.read())));
      variable.write(next);
      next.dispose();
    }
  }

  /** Fraction of masked-out values over all masked weights. */
  sparsity(): number {
    let zeros = 0;
    let total = 0;
    for (const { mask } of this.entries) {
      const m = mask.dataSync();
      total += m.length;
      for (const v of m) if (v === 0) zeros++;
    }
    return total === 0 ? 0 : zeros / total;
  }

  dispose(): void {
    for (const { mask } of this.entries) mask.dispose();
  }
}

/**
 * The float32 weights of `model` that pruning may touch (rank >= 2, name passes include/exclude).
 *
 * @example
 * ```ts
 * prunableWeights(model).map((v) => v.originalName); // ['block_0/qkv_kernel', ...]
 * ```
 */
export function prunableWeights(model: tf.LayersModel, opts: Pick<MagnitudeOptions, 'include' | 'exclude'> = {}): tf.LayerVariable[] {
  const keep = nameFilter({ include: opts.include, exclude: opts.exclude ?? DEFAULT_PRUNE_EXCLUDE });
  return model.weights.filter((w) => w.dtype === 'float32' && w.shape.length >= 2 && keep(w.originalName));
}

/**
 * Validates a sparsity: a number in [0, 1).
 *
 * @example
 * ```ts
 * requireSparsity(0.5);
 * ```
 */
export function requireSparsity(sparsity: unknown, name = 'sparsity'): asserts sparsity is number {
  if (typeof sparsity !== 'number' || !(sparsity >= 0 && sparsity < 1)) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `${name} must be a number in [0, 1), got ${String(sparsity)}`,
      'e.g. 0.5 prunes half of the prunable weights',
    );
  }
}

/**
 * L1 magnitude pruning masks with an exact count: in each group (one tensor, or all of them for `global`)
 * exactly round(sparsity * n) values are masked, the smallest |w| first; ties at the threshold are broken by
 * position, so the count never overshoots. Previously pruned values rank below everything (score -1), so
 * progressive steps only ever add zeros.
 *
 * @example
 * ```ts
 * const masks = magnitudeMasks(model, { sparsity: 0.7, scope: 'global' });
 * ```
 */
export function magnitudeMasks(model: tf.LayersModel, opts: MagnitudeOptions): PruneMasks {
  requireSparsity(opts.sparsity);
  const scope = opts.scope ?? 'layer';
  if (scope !== 'layer' && scope !== 'global') {
    throw new TfdistillError('INVALID_ARGUMENT', `scope must be 'layer' or 'global', got ${String(scope)}`);
  }
  const vars = prunableWeights(model, opts);
  if (vars.length === 0) throw new TfdistillError('INVALID_ARGUMENT', 'no weight matches the prune include/exclude patterns');
  const prev = new Map((opts.previous?.entries ?? []).map((e) => [e.variable, e.mask.dataSync()]));
  const scores = vars.map((v) => {
    const w = v.read().dataSync() as Float32Array;
    const p = prev.get(v);
    return Float32Array.from(w, (x, i) => (p && p[i] === 0 ? -1 : Math.abs(x)));
  });
  const groups = scope === 'layer' ? scores.map((s) => [s]) : [scores];
  const masks: Float32Array[] = [];
  for (const group of groups) masks.push(...maskGroup(group, opts.sparsity));
  return new PruneMasks(vars.map((variable, i) => ({ variable, mask: tf.tensor(masks[i], variable.shape as number[]) })));
}

/** Masks for one group of score arrays: exactly round(sparsity * total) zeros. */
function maskGroup(group: Float32Array[], sparsity: number): Float32Array[] {
  const total = group.reduce((n, s) => n + s.length, 0);
  const k = Math.round(sparsity * total);
  const masks = group.map((s) => new Float32Array(s.length).fill(1));
  if (k === 0) return masks;
  const all = new Float32Array(total);
  let at = 0;
  for (const s of group) {
    all.set(s, at);
    at += s.length;
  }
  const threshold = all.sort()[k - 1];
  let below = 0;
  for (const s of group) for (const v of s) if (v < threshold) below++;
  let tiesLeft = k - below; // values equal to the threshold still to prune, taken in position order
  group.forEach((s, g) => {
    for (let i = 0; i < s.length; i++) {
      if (s[i] < threshold) masks[g][i] = 0;
      else if (s[i] === threshold && tiesLeft > 0) {
        masks[g][i] = 0;
        tiesLeft--;
      }
    }
  });
  return masks;
}
