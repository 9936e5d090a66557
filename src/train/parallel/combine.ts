import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../../errors.js';
import type { LossOutput } from '../step.js';

/**
 * What one data-parallel replica computed for its shard: unscaled gradients in the training thread's variable order
 * (`null` where the loss does not reach a variable) and its loss values.
 */
export interface PeerGradients {
  batchSize: number;
  grads: (Float32Array | null)[];
  total: number;
  terms: Record<string, number>;
}

/**
 * Averages this thread's gradients and loss with its replicas', each weighted by its shard's share of the batch: for
 * losses that are means over the batch this is exactly the full batch's gradient (what PyTorch's
 * DistributedDataParallel computes with equal shards). Disposes `local`; the caller owns the result.
 *
 * @example
 * ```ts
 * const merged = combineWithPeers({ ...local, batchSize: 16 }, [peer], variables); // batch 32 in all
 * ```
 */
export function combineWithPeers(
  local: LossOutput & { grads: tf.NamedTensorMap; batchSize: number },
  peers: PeerGradients[],
  variables: tf.Variable[],
): LossOutput & { grads: tf.NamedTensorMap } {
  const n = local.batchSize + peers.reduce((s, p) => s + p.batchSize, 0);
  const w0 = local.batchSize / n;
  for (const p of peers) {
    if (p.grads.length !== variables.length) {
      throw new TfdistillError('REPLICA_FAILED', `a replica returned ${p.grads.length} gradients for ${variables.length} variables`);
    }
  }
  try {
    return tf.tidy(() => {
      const grads: tf.NamedTensorMap = {};
      variables.forEach((v, i) => {
        const parts: tf.Tensor[] = [];
        if (local.grads[v.name]) parts.push(tf.mul(local.grads[v.name], w0));
        for (const p of peers) {
          const g = p.grads[i];
          if (g) parts.push(tf.mul(tf.tensor(g, v.shape, 'float32'), p.batchSize / n));
        }
        if (parts.length > 0) grads[v.name] = parts.length === 1 ? parts[0] : tf.addN(parts);
      });
      const mean = (t: tf.Scalar, pick: (p: PeerGradients) => number) =>
        tf.add(
          tf.mul(t, w0),
          peers.reduce((s, p) => s + (pick(p) * p.batchSize) / n, 0),
        ) as tf.Scalar;
      const total = mean(local.total, (p) => p.total);
      const terms = Object.fromEntries(Object.entries(local.terms).map(([k, t]) => [k, mean(t, (p) => p.terms[k] ?? 0)]));
      return { grads, total, terms } as unknown as tf.TensorContainer;
    }) as unknown as LossOutput & { grads: tf.NamedTensorMap };
  } finally {
    tf.dispose([local.total, ...Object.values(local.terms), ...Object.values(local.grads)]);
  }
}
