/**
 * The latency/throughput trade-off of micro-batching: bigger batches and longer waits raise throughput under load
 * but add queueing delay to each request. `microBatchTradeoff` measures it for a few settings under a closed-loop
 * load (`concurrency` clients, each sending its next text as soon as the previous answer arrives).
 */
import { require_ } from '../errors.js';
import { latencyStats, type LatencyStats } from '../eval/latency-stats.js';
import type { Predictor } from './predictor-core.js';

/**
 * One micro-batching setting to try.
 */
export interface TradeoffSetting {
  maxBatchSize: number;
  maxWaitMs: number;
}

/**
 * Measurements for one setting.
 *
 * @example
 * ```ts
 * const row: TradeoffRow = rows[0];
 * console.log(row.maxBatchSize, row.latencyMs.p95, row.textsPerSecond, row.meanBatchSize);
 * ```
 */
export interface TradeoffRow extends TradeoffSetting {
  /** Per-request latency, from `predict` call to answer. */
  latencyMs: LatencyStats;
  textsPerSecond: number;
  meanBatchSize: number;
}

/**
 * Runs `texts` through a fresh predictor per setting with `concurrency` parallel clients and reports latency and
 * throughput. The factory builds the predictor (e.g. `(s) => createPredictor('student/', s)`); it is closed after.
 *
 * @example
 * ```ts
 * const rows = await microBatchTradeoff((s) => createPredictor('student/', s), texts,
 *   [{ maxBatchSize: 1, maxWaitMs: 0 }, { maxBatchSize: 32, maxWaitMs: 5 }], { concurrency: 32 });
 * console.log(formatTradeoff(rows));
 * ```
 */
export async function microBatchTradeoff(
  factory: (setting: TradeoffSetting) => Promise<Predictor>,
  texts: readonly string[],
  settings: readonly TradeoffSetting[],
  options: { concurrency?: number; now?: () => number } = {},
): Promise<TradeoffRow[]> {
  const concurrency = options.concurrency ?? 32;
  const now = options.now ?? (() => performance.now());
  require_(texts.length > 0, 'microBatchTradeoff needs at least one text');
  require_(Number.isInteger(concurrency) && concurrency >= 1, `concurrency must be a positive integer, got ${concurrency}`);
  const rows: TradeoffRow[] = [];
  for (const setting of settings) {
    const predictor = await factory(setting);
    try {
      await predictor.predict(texts[0]); // warm-up: first-call kernel setup is not a batching effect
      const before = predictor.stats();
      const latencies: number[] = [];
      let next = 0;
      const client = async (): Promise<void> => {
        while (next < texts.length) {
          const text = texts[next++];
          const t0 = now();
          await predictor.predict(text);
          latencies.push(now() - t0);
        }
      };
      const start = now();
      await Promise.all(Array.from({ length: concurrency }, client));
      const elapsed = now() - start;
      const after = predictor.stats();
      rows.push({
        ...setting,
        latencyMs: latencyStats(latencies),
        textsPerSecond: (texts.length * 1000) / elapsed,
        meanBatchSize: (after.items - before.items) / (after.batches - before.batches),
      });
    } finally {
      await predictor.close();
    }
  }
  return rows;
}

/**
 * The trade-off rows as a table.
 *
 * @example
 * ```ts
 * console.log(formatTradeoff(rows));
 * ```
 */
export function formatTradeoff(rows: readonly TradeoffRow[]): string {
  const header = ['maxBatchSize', 'maxWaitMs', 'mean batch', 'p50 ms', 'p95 ms', 'p99 ms', 'texts/s'];
  const body = rows.map((r) => [
    String(r.maxBatchSize),
    String(r.maxWaitMs),
    r.meanBatchSize.toFixed(1),
    r.latencyMs.p50.toFixed(1),
    r.latencyMs.p95.toFixed(1),
    r.latencyMs.p99.toFixed(1),
    r.textsPerSecond.toFixed(0),
  ]);
  const all = [header, ...body];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => r.map((cell, c) => cell.padStart(widths[c])).join('  ')).join('\n');
}
