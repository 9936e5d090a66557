import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import type { TfdistillError } from '../errors.js';
import { LossTracker } from './loss-tracker.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const s = (v: number) => tf.scalar(v);

async function failure(tracker: LossTracker): Promise<TfdistillError> {
  try {
    await tracker.flush();
  } catch (e) {
    return e as TfdistillError;
  } finally {
    tracker.dispose();
  }
  throw new Error('expected NON_FINITE');
}

describe('LossTracker', () => {
  it('returns the mean of each term since the last flush and never logs the checks', async () => {
    await expectNoLeaks(async () => {
      const tracker = new LossTracker();
      tracker.push(1, { total: s(1), soft: s(2) }, { 'teacher logits': s(5) });
      tracker.push(2, { total: s(3), soft: s(4) }, { 'teacher logits': s(7) });
      await tracker.check();
      tracker.push(3, { total: s(5), soft: s(6) });
      expect(await tracker.flush()).toEqual({ total: 3, soft: 4 });
      expect(await tracker.flush()).toBeUndefined();
      tracker.dispose();
    });
  });

  it('names the term that broke rather than the total it poisons', async () => {
    await expectNoLeaks(async () => {
      const tracker = new LossTracker();
      tracker.push(1, { total: s(1), soft: s(1), hard: s(1) });
      tracker.push(2, { total: s(NaN), soft: s(1), hard: s(Infinity) });
      const e = await failure(tracker);
      expect(e.code).toBe('NON_FINITE');
      expect(e.message).toBe('the hard loss became Infinity at step 2');
    });
  });

  it('reports a non-finite input tensor before the losses it poisons', async () => {
    await expectNoLeaks(async () => {
      const tracker = new LossTracker();
      tracker.push(7, { total: s(NaN), soft: s(NaN) }, { 'teacher logits': s(NaN) });
      const e = await failure(tracker);
      expect(e.message).toBe('the tensor "teacher logits" holds NaN or Infinity at step 7');
      expect(e.hint).toMatch(/teacher model/);
    });
  });
});
