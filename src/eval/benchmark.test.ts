import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { makeTinyCheckpoint } from '../../test/tiny-checkpoint.js';
import { benchmark } from './benchmark.js';
import { compareBenchmarks, formatBenchmark, formatComparison } from './format-benchmark.js';
import { latencyStats, percentile } from './latency-stats.js';

const root = mkdtempSync(path.join(tmpdir(), 'tfd-bench-'));
const small = path.join(root, 'small');
const big = path.join(root, 'big');

beforeAll(async () => {
  await useBackend('wasm');
  (await makeTinyCheckpoint(small, { dModel: 8 })).model.dispose();
  (await makeTinyCheckpoint(big, { dModel: 32 })).model.dispose();
});

describe('latencyStats', () => {
  it('uses nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100 reversed
    expect(latencyStats(samples)).toEqual({ min: 1, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(() => percentile([], 50)).toThrow(/zero samples/);
  });
});

describe('benchmark', () => {
  it('times each batch size with an injected clock and reports model facts', async () => {
    await expectNoLeaks(async () => {
      let t = 0;
      // Each timed run calls now() twice; the clock advances 1 ms per call, so every sample is exactly 1 ms.
      const r = await benchmark(small, { batchSizes: [1, 4], seqLen: 16, warmup: 1, runs: 3, now: () => t++ });
      expect(r.backend).toBe('wasm');
      expect(r.batches.map((b) => b.batchSize)).toEqual([1, 4]);
      expect(r.batches[1].latencyMs).toEqual({ min: 1, p50: 1, p95: 1, p99: 1, max: 1, mean: 1 });
      expect(r.batches[1].textsPerSecond).toBe(4000);
      expect(r.parameters).toBeGreaterThan(0);
      expect(r.sizeOnDiskBytes).toBeGreaterThan(r.parameters * 4);
      expect(r.batches[0].rssBytes).toBeGreaterThan(0);
      expect(formatBenchmark(r)).toMatch(/backend wasm[\s\S]*p99 ms/);
    });
  });

  it('caps seqLen at the model maxLength and compares two models', async () => {
    await expectNoLeaks(async () => {
      const opts = { batchSizes: [2], seqLen: 500, warmup: 0, runs: 2 };
      const a = await benchmark(big, opts);
      const b = await benchmark(small, opts);
      expect(a.seqLen).toBe(32);
      const c = compareBenchmarks(a, b);
      expect(c.parameterRatio).toBeCloseTo(a.parameters / b.parameters, 10);
      expect(c.parameterRatio).toBeGreaterThan(1);
      expect(c.sizeRatio).toBeGreaterThan(1);
      expect(c.rows[0].speedup).toBeCloseTo(a.batches[0].latencyMs.p50 / b.batches[0].latencyMs.p50, 10);
      expect(formatComparison(c)).toMatch(/speed-up/);
      expect(() => compareBenchmarks(a, { ...b, seqLen: 8 })).toThrow(/seqLen/);
    });
  });

  it('rejects bad options', async () => {
    await expectNoLeaks(async () => {
      await expect(benchmark(small, { batchSizes: [0] })).rejects.toThrow(/batchSizes/);
      await expect(benchmark(small, { runs: 0 })).rejects.toThrow(/runs/);
    });
  });
});
