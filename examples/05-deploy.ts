// %% [markdown]
// # 05 · Deploy: export for the web, benchmark, stream predictions
//
// A distilled student is only useful where it runs. This example takes a freshly distilled spam filter and
// 1. exports it as a static web page (`model.json` + uint8 weights + tokenizer + a page that classifies what you
//    type on the fastest backend the browser has, with the stock TF.js browser builds), ready for any static file
//    server;
// 2. benchmarks it next to its teacher (latency percentiles and throughput per batch size, memory, size on disk);
// 3. serves it: a predictor that groups concurrent `predict` calls into micro-batches, the latency/throughput
//    trade-off of that grouping, and `predictStream` turning a JSONL stream of emails into a JSONL stream of
//    predictions in input order.
//
// **Run:** `npx tsx examples/05-deploy.ts` (a few minutes on 2 CPU cores). **Seed:** 5.
// **Prints:** the exported files, the benchmark and comparison tables, the micro-batching table, the first
// streamed predictions, then
// `RESULT: web export <n> files, <kB> kB weights · student b1 p50 <ms> ms (<x>x faster than teacher) · streamed <n> emails at <r> texts/s, mean micro-batch <m>, accuracy <acc>%`.
//
// Imports come from `'../src/index.js'` so this runs from a checkout; in your project: `from 'tfdistill'`.

// %%
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import {
  benchmark,
  compareBenchmarks,
  createPredictor,
  distill,
  exportWeb,
  formatBenchmark,
  formatComparison,
  formatTradeoff,
  microBatchTradeoff,
  predictStream,
  useBackend,
  type StreamResult,
} from '../src/index.js';
import { freshOutDir, pct, QUICK, spamSplit, trainTeacher } from './_common.js';

const seed = 5;
const s = QUICK
  ? {
      rows: 300,
      maxLength: 32,
      vocabSize: 500,
      teacherEpochs: 1,
      studentEpochs: 1,
      runs: 3,
      tradeoffTexts: 32,
      teacher: { dModel: 32, numLayers: 2, numHeads: 2, ffnDim: 64 },
      student: { dModel: 16, numLayers: 1, numHeads: 2, ffnDim: 32 },
    }
  : {
      rows: 1500,
      maxLength: 64,
      vocabSize: 3000,
      teacherEpochs: 2,
      studentEpochs: 3,
      runs: 20,
      tradeoffTexts: 256,
      teacher: { dModel: 128, numLayers: 2, numHeads: 4, ffnDim: 512 },
      student: { dModel: 64, numLayers: 1, numHeads: 2, ffnDim: 256 },
    };
await useBackend('auto');
const out = await freshOutDir('05-deploy');
const { train, test } = await spamSplit({ rows: s.rows, seed });
const teacherDir = await trainTeacher({
  out: path.join(out, 'teacher'),
  train,
  seed,
  epochs: s.teacherEpochs,
  maxLength: s.maxLength,
  vocabSize: s.vocabSize,
  shape: s.teacher,
});
const distilled = await distill({
  teacher: teacherDir,
  train,
  seed,
  out: path.join(out, 'student'),
  student: s.student,
  schedule: { epochs: s.studentEpochs, batchSize: 32 },
  loss: { temperature: 2, alpha: 0.7 },
});
distilled.student.dispose();
const studentDir = distilled.checkpointDir;

// %% [markdown]
// ## 1. Export for the web
// `exportWeb` writes a self-contained folder. Serve it with any static server (`npx http-server web/`) and open
// `index.html`; the page loads `tf.min.js`, the model and the tokenizer, and classifies text in the browser.
// `quantize: 'uint8'` stores weights at a quarter of their float32 size (TF.js dequantizes them on load).

// %%
const web = await exportWeb(studentDir, path.join(out, 'web'), { quantize: 'uint8', title: 'Spam or ham?' });
console.log(`exported to ${web.outDir}: ${web.files.join(', ')} (weights ${(web.weightBytes / 1024).toFixed(1)} kB)`);

// %% [markdown]
// ## 2. Benchmark
// Synthetic inputs of `seqLen` tokens, a few untimed warm-up runs, then timed runs per batch size on the current
// backend. The comparison shows what distillation bought in speed.

// %%
const options = { batchSizes: [1, 8, 32], seqLen: s.maxLength, warmup: 2, runs: s.runs };
const studentBench = await benchmark(studentDir, options);
const teacherBench = await benchmark(teacherDir, options);
console.log(formatBenchmark(studentBench));
const comparison = compareBenchmarks(teacherBench, studentBench);
console.log(formatComparison(comparison));

// %% [markdown]
// ## 3. Serve: micro-batching and streaming
// Under concurrent load, a predictor waits up to `maxWaitMs` for companions and runs up to `maxBatchSize` texts in
// one forward pass. Batch size 1 answers each request alone; bigger batches trade a little latency for throughput.

// %%
const texts = test.map((r) => r.text).slice(0, s.tradeoffTexts);
const tradeoff = await microBatchTradeoff(
  (setting) => createPredictor(studentDir, setting),
  texts,
  [
    { maxBatchSize: 1, maxWaitMs: 0 },
    { maxBatchSize: 8, maxWaitMs: 2 },
    { maxBatchSize: 32, maxWaitMs: 5 },
  ],
  { concurrency: 32 },
);
console.log(formatTradeoff(tradeoff));

// %% [markdown]
// `predictStream` reads records from any stream (stdin, a file, a socket; JSONL, CSV or plain lines), keeps a
// bounded number in flight so the predictor can batch them, and writes one JSON line per record in input order;
// a bad record becomes `{ line, error }` instead of stopping the stream. The CLI equivalent is
// `tfdistill predict student/ emails.jsonl > predictions.jsonl`.

// %%
const input = Readable.from(test.map((r) => `${JSON.stringify({ text: r.text })}\n`));
const lines: string[] = [];
const output = new Writable({
  write(chunk, _enc, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});
const predictor = await createPredictor(studentDir, { maxBatchSize: 32, maxWaitMs: 5 });
const t0 = performance.now();
const summary = await predictStream(predictor, input, output, { format: 'jsonl', maxInFlight: 128 });
const seconds = (performance.now() - t0) / 1000;
const stats = predictor.stats();
await predictor.close();
const results = lines.map((l) => JSON.parse(l) as StreamResult);
results.slice(0, 3).forEach((r) => {
  console.log(JSON.stringify(r));
});
const correct = results.filter((r) => 'label' in r && r.label === String(test[r.line - 1].label)).length;

// %%
const b1 = studentBench.batches.find((b) => b.batchSize === 1)!;
const speedup = comparison.rows.find((r) => r.batchSize === 1)!.speedup;
console.log(
  `RESULT: web export ${web.files.length} files, ${(web.weightBytes / 1024).toFixed(1)} kB weights · student b1 p50 ` +
    `${b1.latencyMs.p50.toFixed(2)} ms (${speedup.toFixed(2)}x faster than teacher) · streamed ${summary.records} emails at ` +
    `${(summary.records / seconds).toFixed(0)} texts/s, mean micro-batch ${(stats.items / stats.batches).toFixed(1)}, accuracy ${pct(correct / summary.records)}`,
);
