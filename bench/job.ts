/**
 * The performance issue's end-to-end job, measured instead of projected: `distill()` itself (data pipeline, teacher
 * cache, progress, checkpoints, export) on the standard workload: 10,000 examples of 128 random ids, teacher d256 x 4
 * blocks, student d128 x 2 blocks, 3 epochs, batch 32, T = 4, alpha = 0.7, AdamW lr 1e-4, no validation split.
 * Prints the wall time of the whole call and of its parts: setup, teacher cache (from distill's log line to the cache
 * file's last write), starting the replicas' workers, training + export (from distill's first clock read).
 *
 * `--onnx-teacher`: the teacher is instead the PyTorch peer's (same architecture, seed 0) exported to ONNX
 * (`bench/onnx-teacher.ts`), given to distill() as a `.onnx` path with the job's tokenizer, so ONNX Runtime
 * (`--teacher-threads N`, default one per core) fills the teacher cache. The student and the data are the same.
 *
 * Run: `npx tsx bench/job.ts [--replicas N|auto] [--examples 10000] [--epochs 3] [--onnx-teacher [--teacher-threads N]]`
 * (~15 min with 2 replicas here).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BERT_SPECIAL_TOKENS, bertTokenizerJson } from '../src/data/tokenizer/tokenizer-json.js';
import { tokenizerFromJson } from '../src/data/tokenizer/tokenizer.js';
import type { Example } from '../src/data/types.js';
import { createEncoder } from '../src/models/encoder.js';
import { encoderPresets } from '../src/models/options.js';
import { distill } from '../src/train/distill.js';
import { ensurePeerTeacherOnnx, onnxRuntimeVersion } from './onnx-teacher.js';
import { benchReplicas, randomBatch, startBenchBackend, workload } from './workload.js';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const examplesCount = flag('--examples', 10_000);
const epochs = flag('--epochs', 3);
const replicas = benchReplicas(argv, 'auto');
const onnx = argv.includes('--onnx-teacher');
const teacherThreads = flag('--teacher-threads', os.availableParallelism());
await startBenchBackend(argv);

const w = workload;
// A WordPiece vocabulary of exactly `vocab` entries, so the student built from the tokenizer has the workload's size.
const vocab = [...BERT_SPECIAL_TOKENS, ...Array.from({ length: w.vocab - BERT_SPECIAL_TOKENS.length }, (_, i) => `w${i}`)];
const tokenizer = tokenizerFromJson(bertTokenizerJson(vocab, { lowercase: true, maxInputCharsPerWord: 100 }));
const examples: Example[] = [];
for (let b = 0; examples.length < examplesCount; b++) {
  const { inputIds, labels } = randomBatch(w, b + 1);
  for (let r = 0; r < w.batch && examples.length < examplesCount; r++) {
    examples.push({ ids: inputIds.slice(r * w.seq, (r + 1) * w.seq), label: labels[r], index: examples.length });
  }
}
// The ONNX teacher reads the examples' ids as they are (no teacher-side tokenization): they are ids of its 8000-token vocabulary.
const teacher = onnx
  ? ensurePeerTeacherOnnx({ python: '/usr/bin/python3', log: (m) => process.stderr.write(`${m}\n`) })
  : createEncoder({
      ...encoderPresets.teacherBase,
      vocabSize: w.vocab,
      maxLength: w.maxLength,
      numClasses: w.classes,
      dropout: w.dropout,
      seed: 1,
      name: 'teacher',
    });
const teacherName = onnx
  ? `ONNX teacher (peer torch teacher exported, onnxruntime-node ${onnxRuntimeVersion()}, ${teacherThreads} threads)`
  : 'TF.js teacher (tfdistill encoder, wasm)';
const out = mkdtempSync(path.join(os.tmpdir(), 'tfdistill-job-'));
const lines: { t: number; text: string }[] = [];
const t0 = performance.now(),
  wallStart = Date.now();
// distill() reads its clock for the first time when its first training step starts (after the teacher cache and the
// replicas' workers): with one replica no log line marks that moment (the first progress line comes `logEvery` steps on).
let firstClockRead: number | undefined;
const now = () => {
  const t = performance.now();
  firstClockRead ??= (t - t0) / 1000;
  return t;
};
const progress = {
  isTTY: false,
  write(chunk: string) {
    for (const text of chunk.split('\n').filter(Boolean)) lines.push({ t: (performance.now() - t0) / 1000, text });
    process.stderr.write(chunk);
    return true;
  },
};
try {
  const result = await distill({
    teacher,
    train: { examples, tokenizer, labels: ['0', '1'] },
    out,
    data: { validationFraction: 0, ...(onnx ? { tokenizer } : {}) },
    student: { ...encoderPresets.studentSmall, dropout: w.dropout },
    loss: { temperature: w.temperature, alpha: w.alpha },
    optimizer: { learningRate: w.learningRate },
    schedule: { epochs, batchSize: w.batch },
    runtime: { replicas, handleSignals: false, ...(onnx ? { teacherThreads } : {}) },
    checkpoints: { force: true },
    logging: { progress, logEvery: 50, now },
  });
  const total = (performance.now() - t0) / 1000;
  const cacheLine = lines.find((l) => l.text.startsWith('running the teacher once'));
  const trainStart = firstClockRead ?? 0;
  // The cache phase ends with the cache file's last write (it is written to a temp file, then renamed: mtime is kept).
  const cacheFile = cacheLine?.text.match(/\(teacher cache: (.+)\)$/)?.[1];
  const cacheEnd = cacheFile ? (statSync(cacheFile).mtimeMs - wallStart) / 1000 : undefined;
  const phases =
    cacheLine && cacheEnd !== undefined
      ? `setup ${cacheLine.t.toFixed(0)} s, teacher cache ${(cacheEnd - cacheLine.t).toFixed(0)} s, ` +
        `${replicas > 1 ? `replica workers ${(trainStart - cacheEnd).toFixed(0)} s, ` : ''}`
      : `setup ${trainStart.toFixed(0)} s, no teacher cache (live teacher), `;
  console.log(
    `\n${examplesCount.toLocaleString('en-US')} examples x ${epochs} epochs, ${replicas} replica(s), ${teacherName}: ` +
      `${total.toFixed(0)} s end to end (${phases}training + export ${(total - trainStart).toFixed(0)} s; ` +
      `${result.steps} steps, ${result.throughput.samplesPerSec.toFixed(1)} samples/s while training)`,
  );
  result.student.dispose();
} finally {
  if (teacher instanceof tf.LayersModel) teacher.dispose(); // distill() frees the ONNX teacher it loaded itself
  rmSync(out, { recursive: true, force: true });
}
