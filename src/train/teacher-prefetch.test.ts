import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { EpochIterator } from '../data/batching/epoch-iterator.js';
import type { Example } from '../data/types.js';
import type { Teacher } from '../models/types.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { TeacherPrefetch } from './teacher-prefetch.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const examples: Example[] = Array.from({ length: 6 }, (_, i) => ({ ids: Int32Array.from([2, 10 + i, 3]), index: i }));

/** A teacher whose logits are [sum of ids, first id]; records the first id of every batch it is sent. */
function recordingTeacher(sent: number[][]): Teacher {
  return {
    async: true,
    predict: async (ids) => {
      const rows = ids.arraySync() as number[][]; // read at once, as the ONNX teacher posts its batch to its thread
      sent.push(rows.map((r) => r[1]));
      await new Promise((r) => setTimeout(r, 1));
      return { logits: tf.tensor2d(rows.map((r) => [r.reduce((a, b) => a + b, 0), r[0]])) };
    },
  };
}

describe('TeacherPrefetch', () => {
  it('returns each batch with its logits and has already sent the next one to the teacher', async () => {
    await expectNoLeaks(async () => {
      const sent: number[][] = [];
      const iterator = new EpochIterator(examples, { batchSize: 2, seed: 1, shuffle: false, bucketByLength: false });
      const prefetch = new TeacherPrefetch(iterator, recordingTeacher(sent), { limit: 4 });
      const first = await prefetch.next();
      expect(Array.from(first.batch.teacherLogits!)).toEqual([15, 2, 16, 2]);
      expect(first.after).toEqual({ epoch: 0, batchIndex: 1 });
      // The second batch went to the teacher before the caller trained on the first.
      expect(sent).toEqual([
        [10, 11],
        [12, 13],
      ]);
      const second = await prefetch.next();
      expect(second.batchIndex).toBe(1);
      expect(Array.from(second.batch.teacherLogits!)).toEqual([17, 2, 18, 2]);
      await prefetch.next();
      const fourth = await prefetch.next(); // epoch 1, first batch
      expect(fourth.epoch).toBe(1);
      expect(fourth.after).toEqual({ epoch: 1, batchIndex: 1 });
      expect(sent.length).toBe(4); // the limit: nothing fetched past the last batch needed
    });
  });

  it("reports a teacher's failure from the next() that needs that batch", async () => {
    const iterator = new EpochIterator(examples, { batchSize: 2, seed: 1, shuffle: false, bucketByLength: false });
    let n = 0;
    const teacher: Teacher = {
      async: true,
      predict: async (ids) => {
        if (n++ === 1) throw new Error('teacher died');
        return { logits: tf.zeros([ids.shape[0], 2]) };
      },
    };
    const prefetch = new TeacherPrefetch(iterator, teacher, { limit: 3 });
    const first = await prefetch.next();
    expect(first.batch.numClasses).toBe(2);
    await expect(prefetch.next()).rejects.toThrow('teacher died');
  });
});
