/**
 * Terminal views of benchmark results: one model's table, and two models side by side (speed-up, size ratio).
 */
import { TfdistillError } from '../errors.js';
import type { BenchmarkResult } from './benchmark.js';
import { table } from './format-evaluation.js';

/**
 * One batch size of a two-model comparison: `speedup` = baseline p50 / candidate p50 (> 1: candidate faster).
 *
 * @example
 * ```ts
 * const row: ComparisonRow = compareBenchmarks(teacher, student).rows[0]; // { batchSize: 1, speedup: 6.2, ... }
 * ```
 */
export interface ComparisonRow {
  batchSize: number;
  baselineP50Ms: number;
  candidateP50Ms: number;
  speedup: number;
  throughputRatio: number;
}

/**
 * A baseline (e.g. the teacher) against a candidate (e.g. the student).
 *
 * @example
 * ```ts
 * const c: BenchmarkComparison = compareBenchmarks(teacherResult, studentResult);
 * console.log(c.parameterRatio, c.rows.map((r) => r.speedup));
 * ```
 */
export interface BenchmarkComparison {
  baseline: BenchmarkResult;
  candidate: BenchmarkResult;
  /** Baseline parameters / candidate parameters. */
  parameterRatio: number;
  /** Baseline bytes on disk / candidate bytes on disk, when both are known. */
  sizeRatio?: number;
  rows: ComparisonRow[];
}

/**
 * Pairs two benchmark results by batch size. Throws `INVALID_ARGUMENT` when they share no batch size or differ in
 * sequence length (the numbers would not be comparable).
 *
 * @example
 * ```ts
 * const c = compareBenchmarks(await benchmark('teacher/'), await benchmark('student/'));
 * console.log(formatComparison(c));
 * ```
 */
export function compareBenchmarks(baseline: BenchmarkResult, candidate: BenchmarkResult): BenchmarkComparison {
  if (baseline.seqLen !== candidate.seqLen) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `cannot compare benchmarks at seqLen ${baseline.seqLen} and ${candidate.seqLen}`,
      "pass the same --seq-len for both models (it is capped at each model's maxLength)",
    );
  }
  const rows = baseline.batches.flatMap((b) => {
    const c = candidate.batches.find((x) => x.batchSize === b.batchSize);
    return c
      ? [
          {
            batchSize: b.batchSize,
            baselineP50Ms: b.latencyMs.p50,
            candidateP50Ms: c.latencyMs.p50,
            speedup: b.latencyMs.p50 / c.latencyMs.p50,
            throughputRatio: c.textsPerSecond / b.textsPerSecond,
          },
        ]
      : [];
  });
  if (rows.length === 0) throw new TfdistillError('INVALID_ARGUMENT', 'the two benchmarks share no batch size');
  const sizeRatio =
    baseline.sizeOnDiskBytes !== undefined && candidate.sizeOnDiskBytes !== undefined
      ? baseline.sizeOnDiskBytes / candidate.sizeOnDiskBytes
      : undefined;
  return { baseline, candidate, parameterRatio: baseline.parameters / candidate.parameters, ...(sizeRatio ? { sizeRatio } : {}), rows };
}

/**
 * One model's benchmark as a header and a table (what `tfdistill bench` prints).
 *
 * @example
 * ```ts
 * console.log(formatBenchmark(await benchmark('student/')));
 * ```
 */
export function formatBenchmark(r: BenchmarkResult): string {
  const head =
    `${r.model}: backend ${r.backend}, ${r.parameters.toLocaleString('en-US')} parameters` +
    (r.sizeOnDiskBytes !== undefined ? `, ${mib(r.sizeOnDiskBytes)} on disk` : '') +
    `, seqLen ${r.seqLen}, ${r.warmup} warm-up + ${r.runs} timed runs`;
  return (
    head +
    '\n' +
    table([
      ['batch', 'min ms', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'texts/s', 'tensor MiB', 'RSS MiB'],
      ...r.batches.map((b) => [
        String(b.batchSize),
        ...[b.latencyMs.min, b.latencyMs.p50, b.latencyMs.p95, b.latencyMs.p99, b.latencyMs.max].map(ms),
        b.textsPerSecond.toFixed(1),
        (b.tensorBytes / 2 ** 20).toFixed(2),
        (b.rssBytes / 2 ** 20).toFixed(0),
      ]),
    ])
  );
}

/**
 * Two models side by side (what `tfdistill bench --compare` prints).
 *
 * @example
 * ```ts
 * console.log(formatComparison(compareBenchmarks(teacher, student)));
 * ```
 */
export function formatComparison(c: BenchmarkComparison): string {
  const size = (r: BenchmarkResult): string => (r.sizeOnDiskBytes !== undefined ? mib(r.sizeOnDiskBytes) : 'n/a');
  return [
    table([
      ['', 'baseline', 'candidate', 'ratio'],
      ['model', c.baseline.model, c.candidate.model, ''],
      ['parameters', String(c.baseline.parameters), String(c.candidate.parameters), `${c.parameterRatio.toFixed(2)}x`],
      ['size on disk', size(c.baseline), size(c.candidate), c.sizeRatio !== undefined ? `${c.sizeRatio.toFixed(2)}x` : 'n/a'],
    ]),
    '',
    table([
      ['batch', 'baseline p50 ms', 'candidate p50 ms', 'speed-up', 'throughput ratio'],
      ...c.rows.map((r) => [
        String(r.batchSize),
        ms(r.baselineP50Ms),
        ms(r.candidateP50Ms),
        `${r.speedup.toFixed(2)}x`,
        `${r.throughputRatio.toFixed(2)}x`,
      ]),
    ]),
  ].join('\n');
}

const ms = (v: number): string => v.toFixed(2);
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
