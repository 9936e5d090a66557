import { describe, expect, it } from 'vitest';
import { timeRuns } from './time-runs.js';

/** A clock that advances by the given call durations: call k takes durations[k] ms. */
function fakeClock(durations: number[]) {
  let t = 0,
    call = 0;
  return {
    now: () => t,
    once: async () => {
      t += durations[call++] ?? 1;
    },
    calls: () => call,
  };
}

describe('timeRuns', () => {
  it('warms up untimed, then reports the timed calls only (nearest-rank median)', async () => {
    const c = fakeClock([100, 100, 3, 1, 2]);
    const s = await timeRuns(c.once, { warmup: 2, runs: 3, now: c.now });
    expect(c.calls()).toBe(5);
    expect([s.min, s.p50, s.max, s.mean]).toEqual([1, 2, 3, 2]);
  });

  it('keeps warming up until warmupMs has passed, even after the warm-up count', async () => {
    const c = fakeClock(new Array(20).fill(10));
    await timeRuns(c.once, { warmup: 1, warmupMs: 45, runs: 2, now: c.now });
    expect(c.calls()).toBe(5 + 2); // 5 x 10 ms reach 45 ms
  });

  it('refuses counts that are not integers', async () => {
    await expect(timeRuns(async () => {}, { runs: 0 })).rejects.toThrow('runs must be an integer >= 1');
    await expect(timeRuns(async () => {}, { warmup: -1 })).rejects.toThrow('warmup must be');
  });
});
