import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';

/**
 * Holds each step's loss tensors on the device until the next log point, then reads them all in ONE device sync:
 * no per-step host round trip, yet a non-finite loss is still traced to its exact step and term.
 *
 * @example
 * ```ts
 * tracker.push(step, { total, soft, hard });  // takes ownership
 * await tracker.check();                     // before a checkpoint: throws NON_FINITE, logs nothing
 * const means = await tracker.flush();       // { total: 0.41, soft: 0.3, hard: 0.6 } or throws NON_FINITE
 * ```
 */
export class LossTracker {
  private pending: Array<{ step: number; names: string[]; values: tf.Scalar[]; checks: string[] }> = [];
  /** Host sums of the steps already checked but not yet logged: [sum, steps] per term. */
  private checked = new Map<string, [number, number]>();

  /**
   * Takes ownership of a step's loss `terms` and of optional `checks`: scalars that are finite exactly when a named
   * input tensor is (e.g. `{ 'teacher logits': sum(|logits|) }`), verified first so a NaN is reported at its source.
   * Checks are never logged.
   */
  push(step: number, terms: Record<string, tf.Scalar>, checks: Record<string, tf.Scalar> = {}): void {
    const checkNames = Object.keys(checks);
    const names = [...checkNames, ...Object.keys(terms)];
    this.pending.push({ step, names, values: names.map((n) => checks[n] ?? terms[n]), checks: checkNames });
  }

  get size(): number {
    return this.pending.length;
  }

  /**
   * Reads every pending value (one sync) and checks they are finite, keeping their sums for the next
   * {@link flush}: what a checkpoint needs (never save weights a NaN touched) without adding a log point.
   */
  async check(): Promise<void> {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    const all = pending.flatMap((p) => p.values);
    const stacked = tf.stack(all);
    const data = await stacked.data();
    stacked.dispose();
    tf.dispose(all);
    let k = 0;
    for (const p of pending) {
      const values = p.names.map(() => data[k++]);
      const badInput = p.checks.find((_, i) => !Number.isFinite(values[i]));
      if (badInput !== undefined) {
        throw new TfdistillError(
          'NON_FINITE',
          `the tensor "${badInput}" holds NaN or Infinity at step ${p.step}`,
          `check ${badInput.startsWith('teacher') ? 'the teacher model' : 'the data'} for NaN/Inf, then resume from the last checkpoint`,
        );
      }
      const bad = p.names.map((name, i) => ({ name, v: values[i] })).filter((t) => !Number.isFinite(t.v));
      if (bad.length > 0) {
        // Name the term that broke (e.g. `soft` for NaN teacher logits) rather than the total it poisons.
        const { name, v } = bad.find((t) => t.name !== 'total') ?? bad[0];
        throw new TfdistillError(
          'NON_FINITE',
          `the ${name} loss became ${v} at step ${p.step}`,
          'lower the learning rate, check the data and teacher logits for NaN/Inf, or resume from the last checkpoint',
        );
      }
      p.names.forEach((name, i) => {
        if (i < p.checks.length) return;
        const [sum, steps] = this.checked.get(name) ?? [0, 0];
        this.checked.set(name, [sum + values[i], steps + 1]);
      });
    }
  }

  /** Checks the pending values (see {@link check}) and returns the mean of each term since the last flush. */
  async flush(): Promise<Record<string, number> | undefined> {
    await this.check();
    if (this.checked.size === 0) return undefined;
    const means = Object.fromEntries([...this.checked].map(([n, [sum, steps]]) => [n, sum / steps]));
    this.checked.clear();
    return means;
  }

  dispose(): void {
    tf.dispose(this.pending.flatMap((p) => p.values));
    this.pending = [];
    this.checked.clear();
  }
}
