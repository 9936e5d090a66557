/**
 * The performance issue's end-to-end job, measured instead of projected: `distill()` itself (data pipeline, teacher
 * cache, progress, checkpoints, export) on the standard workload: 10,000 examples of 128 random ids, teacher d256 x 4
 * blocks, student d128 x 2 blocks, 3 epochs, batch 32, T = 4, alpha = 0.7, AdamW lr 1e-4, no validation split.
 * Prints the wall time of the whole call and of its parts (teacher cache, training) from distill's own log.
 *
 * Run: `npx tsx bench/job.ts [--replicas N|auto] [--examples 10000] [--epochs 3]` (~15 min with 2 replicas here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BERT_SPECIAL_TOKENS, bertTokenizerJson } from '../src/data/tokenizer-json.js';
import { tokenizerFromJson } from '../src/data/tokenizer.js';
import type { Example } from '../src/data/types.js';
import { createEncoder } from '../src/models/encoder.js';
import { encoderPresets } from '../src/models/options.js';
import { distill } from '../src/train/distill.js';
import { benchReplicas, randomBatch, startBenchBackend, workload } from './workload.js';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const examplesCount = flag('--examples', 10_000);
const epochs = flag('--epochs', 3);
const replicas = benchReplicas(argv, 'auto');
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
const teacher = createEncoder({ ...encoderPresets.teacherBase, vocabSize: w.vocab, maxLength: w.maxLength, numClasses: w.classes,
  dropout: w.dropout, seed: 1, name: 'teacher' });
const out = mkdtempSync(path.join(os.tmpdir(), 'tfdistill-job-'));
const lines: { t: number; text: string }[] = [];
const t0 = performance.now();
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
    teacher, train: { examples, tokenizer, labels: ['0', '1'] }, data: { validationFraction: 0 },
    student: { ...encoderPresets.studentSmall, dropout: w.dropout }, loss: { temperature: w.temperature, alpha: w.alpha },
    optimizer: { learningRate: w.learningRate }, epochs, batchSize: w.batch, replicas, out, force: true, progress,
    handleSignals: false, logEvery: 50,
  });
  const total = (performance.now() - t0) / 1000;
  const cacheStart = lines.find((l) => l.text.startsWith('running the teacher once'))?.t;
  const trainStart = lines.find((l) => l.text.startsWith('data-parallel') || l.text.startsWith('epoch'))?.t ?? 0;
  const cache = cacheStart === undefined ? 'no teacher cache (live teacher)' : `teacher cache ${(trainStart - cacheStart).toFixed(0)} s`;
  console.log(`\n${examplesCount.toLocaleString('en-US')} examples x ${epochs} epochs, ${replicas} replica(s): ${total.toFixed(0)} s end to end `
    + `(setup ${(cacheStart ?? trainStart).toFixed(0)} s, ${cache}, training + export ${(total - trainStart).toFixed(0)} s; `
    + `${result.steps} steps, ${result.throughput.samplesPerSec.toFixed(1)} samples/s while training)`);
  result.student.dispose();
} finally {
  teacher.dispose();
  rmSync(out, { recursive: true, force: true });
}
