import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/**
 * Runs `fn` and asserts that `tf.memory().numTensors` is the same before and after (tfjs's
 * `expectNoLeakedTensors`). Every test that touches tensors goes through this.
 */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return result;
}

/** Max absolute difference between two equally long numeric arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
