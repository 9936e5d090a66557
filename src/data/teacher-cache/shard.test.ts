import { describe, expect, it } from 'vitest';
import { TfdistillError } from '../../errors.js';
import { parseShard, shardFromEnv, shardRows } from './shard.js';

describe('shards', () => {
  it('parses 0-based "i/n"', () => {
    expect(parseShard('1/4', {})).toEqual({ index: 1, count: 4 });
    expect(parseShard(' 0 / 1 ', {})).toEqual({ index: 0, count: 1 });
    for (const bad of ['4/4', '-1/4', '1/0', '1', 'a/b', '1/4/2', '1.5/4']) {
      expect(() => parseShard(bad, {}), bad).toThrow(TfdistillError);
    }
  });

  it('falls back to the Kubernetes Indexed Job env vars when no flag is given', () => {
    const env = { JOB_COMPLETION_INDEX: '2', JOB_COMPLETIONS: '8' };
    expect(parseShard(undefined, env)).toEqual({ index: 2, count: 8 });
    expect(parseShard('', env)).toEqual({ index: 2, count: 8 });
    expect(parseShard('0/2', env)).toEqual({ index: 0, count: 2 }); // the flag wins
    expect(parseShard(undefined, {})).toBeUndefined();
    expect(shardFromEnv({ PATH: '/bin' })).toBeUndefined();
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '2' })).toThrow(/JOB_COMPLETIONS/);
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '8', JOB_COMPLETIONS: '8' })).toThrow(TfdistillError);
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: 'x', JOB_COMPLETIONS: '8' })).toThrow(TfdistillError);
  });

  it('row ranges tile [0, N) exactly for any N and n', () => {
    for (const total of [0, 1, 7, 23, 100]) {
      for (const count of [1, 2, 3, 7, 10]) {
        let next = 0;
        for (let index = 0; index < count; index++) {
          const { start, end } = shardRows({ index, count }, total);
          expect(start).toBe(next);
          expect(end - start).toBeGreaterThanOrEqual(Math.floor(total / count));
          expect(end - start).toBeLessThanOrEqual(Math.ceil(total / count));
          next = end;
        }
        expect(next).toBe(total);
      }
    }
    expect(shardRows({ index: 1, count: 4 }, 10)).toEqual({ start: 2, end: 5 });
  });
});
