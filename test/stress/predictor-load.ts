/**
 * Load on the predictor: N concurrent callers of `predictor.predict` (N = 1..256), every answer checked against the
 * text's own single-call answer (so a micro-batch never hands one caller another caller's result), with p50/p99
 * latency; then a streamed input of 1,000,000 lines through `predictStream`: every line answered exactly once and in
 * order, with memory sampled along the way. Run `node --expose-gc --import tsx test/stress/predictor-load.ts [lines]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { useBackend } from '../../src/backend/use-backend.js';
import { saveClassifier } from '../../src/io/classifier-checkpoint.js';
import { predictStream } from '../../src/serve/predict-stream.js';
import { createPredictor } from '../../src/serve/predictor.js';
import type { Predictor } from '../../src/serve/predictor-core.js';
import { Rng } from '../../src/util/rng.js';
import { TASK_LABELS, tinyEncoder, tinyTokenizer } from '../integration/tiny-task.js';
import { growth, percentile, sampleMemory, type MemorySample } from './measure.js';

/** Figures for one concurrency level. */
export interface ConcurrencyRow {
  callers: number;
  requests: number;
  answered: number;
  wrong: number;
  p50Ms: number;
  p99Ms: number;
  perSec: number;
}

/** What the load test measured. */
export interface LoadReport {
  concurrency: ConcurrencyRow[];
  stream: {
    lines: number;
    answered: number;
    outOfOrder: number;
    errors: number;
    perSec: number;
    curve: MemorySample[];
    memory: ReturnType<typeof growth>;
  };
  seconds: number;
}

const TEXTS = Array.from({ length: 32 }, (_, i) => {
  const rng = new Rng(100 + i);
  return Array.from({ length: 3 + rng.int(10) }, () => `t${rng.int(95)}`).join(' ');
});

async function concurrency(predictor: Predictor, callers: number, perCaller: number, reference: number[][]): Promise<ConcurrencyRow> {
  const latencies: number[] = [];
  let answered = 0,
    wrong = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let r = 0; r < perCaller; r++) {
        const k = (c * 7 + r) % TEXTS.length;
        const t0 = performance.now();
        const p = await predictor.predict(TEXTS[k]);
        latencies.push(performance.now() - t0);
        answered++;
        const probs = TASK_LABELS.map((l) => p.probabilities[l]);
        if (probs.some((x, j) => Math.abs(x - reference[k][j]) > 1e-5)) wrong++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    callers,
    requests: callers * perCaller,
    answered,
    wrong,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    perSec: answered / seconds,
  };
}

async function stream(predictor: Predictor, lines: number, log: (s: string) => void): Promise<LoadReport['stream']> {
  async function* input() {
    const batch = 1000;
    for (let i = 0; i < lines; i += batch) {
      let chunk = '';
      for (let j = i; j < Math.min(lines, i + batch); j++) chunk += `${TEXTS[j % TEXTS.length]}\n`;
      yield chunk;
    }
  }
  let answered = 0,
    outOfOrder = 0,
    errors = 0,
    expectLine = 1,
    pending = '';
  const curve: MemorySample[] = [];
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      const parts = (pending + chunk.toString()).split('\n');
      pending = parts.pop()!;
      for (const part of parts) {
        const r = JSON.parse(part) as { line: number; error?: string };
        if (r.line !== expectLine) outOfOrder++;
        expectLine = r.line + 1;
        if (r.error) errors++;
        answered++;
        if (answered % 100_000 === 0) {
          curve.push(sampleMemory(answered));
          log(`stream ${answered} lines: ${curve.at(-1)!.numTensors} tensors, RSS ${curve.at(-1)!.rssMiB.toFixed(1)} MiB`);
        }
      }
      done();
    },
  });
  const started = performance.now();
  await predictStream(predictor, Readable.from(input()), output, { format: 'text' });
  const seconds = (performance.now() - started) / 1000;
  return {
    lines,
    answered,
    outOfOrder,
    errors,
    perSec: answered / seconds,
    curve,
    memory: growth(curve.length > 1 ? curve.slice(1) : curve),
  };
}

/**
 * Runs both parts on a tiny saved classifier.
 *
 * @example
 * ```ts
 * const r = await predictorLoad({ lines: 1_000_000 });
 * ```
 */
export async function predictorLoad(opts: { lines: number; perCaller?: number; log?: (s: string) => void }): Promise<LoadReport> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  await useBackend('wasm');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-load-'));
  const model = tinyEncoder({ seed: 4 });
  try {
    await saveClassifier(model, path.join(dir, 'student'), { tokenizer: tinyTokenizer, labels: [...TASK_LABELS] });
    const single = await createPredictor(path.join(dir, 'student'), { maxBatchSize: 1, maxWaitMs: 0 });
    const reference: number[][] = [];
    for (let k = 0; k < TEXTS.length; k++) {
      const p = await single.predict(TEXTS[k]);
      reference[k] = TASK_LABELS.map((l) => p.probabilities[l]);
    }
    await single.close();
    const predictor = await createPredictor(path.join(dir, 'student'), { maxBatchSize: 32, maxWaitMs: 2 });
    const rows: ConcurrencyRow[] = [];
    for (const callers of [1, 2, 4, 16, 64, 256]) {
      const row = await concurrency(predictor, callers, opts.perCaller ?? Math.max(4, Math.ceil(2048 / callers)), reference);
      rows.push(row);
      log(
        `callers ${callers}: ${row.answered}/${row.requests} answered, ${row.wrong} wrong, p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms`,
      );
    }
    const s = await stream(predictor, opts.lines, log);
    await predictor.close();
    return { concurrency: rows, stream: s, seconds: (performance.now() - started) / 1000 };
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await predictorLoad({ lines: Number(process.argv[2]) || 1_000_000, log: console.log });
  console.log(JSON.stringify({ stream: { ...r.stream, curve: undefined }, seconds: r.seconds }));
}
