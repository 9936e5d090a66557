import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './micro-batcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MicroBatcher', () => {
  it('groups concurrent callers up to maxBatchSize and answers each in order', async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher(
      async (xs: number[]) => {
        calls.push(xs);
        await sleep(1);
        return xs.map((x) => x * 10);
      },
      { maxBatchSize: 4, maxWaitMs: 50 },
    );
    const out = await Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(i)));
    expect(out).toEqual(Array.from({ length: 10 }, (_, i) => i * 10));
    expect(calls.map((c) => c.length)).toEqual([4, 4, 2]);
    expect(calls.flat()).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(b.stats()).toEqual({ items: 10, batches: 3 });
  });

  it('runs a full batch at once but waits maxWaitMs for a partial one', async () => {
    const b = new MicroBatcher(async (xs: number[]) => xs, { maxBatchSize: 2, maxWaitMs: 60 });
    const t0 = performance.now();
    await Promise.all([b.submit(1), b.submit(2)]);
    expect(performance.now() - t0).toBeLessThan(50);
    const t1 = performance.now();
    await b.submit(3);
    expect(performance.now() - t1).toBeGreaterThanOrEqual(55);
  });

  it('rejects only the failing batch and keeps serving', async () => {
    const b = new MicroBatcher(
      async (xs: number[]) => {
        if (xs.includes(-1)) throw new Error('boom');
        return xs;
      },
      { maxBatchSize: 2, maxWaitMs: 0 },
    );
    const bad = await Promise.allSettled([b.submit(-1), b.submit(5)]);
    expect(bad.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await b.submit(7)).toBe(7);
  });

  it('close() answers queued items, then refuses new ones', async () => {
    const b = new MicroBatcher(async (xs: number[]) => xs, { maxBatchSize: 8, maxWaitMs: 1000 });
    const pending = b.submit(1);
    await b.close();
    expect(await pending).toBe(1);
    await expect(b.submit(2)).rejects.toThrow(/closed/);
  });

  it('validates options', () => {
    expect(() => new MicroBatcher(async (x: number[]) => x, { maxBatchSize: 0, maxWaitMs: 1 })).toThrow(/maxBatchSize/);
    expect(() => new MicroBatcher(async (x: number[]) => x, { maxBatchSize: 1, maxWaitMs: -1 })).toThrow(/maxWaitMs/);
  });
});
