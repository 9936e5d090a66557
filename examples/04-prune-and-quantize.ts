// %% [markdown]
// # 04 · Prune with recovery, then quantize to a target accuracy
//
// A distilled student can get smaller still. This example
// 1. distills a student from a teacher (as in 01);
// 2. prunes it progressively, 30% -> 50% -> 70% of its prunable weights by magnitude, with a short distillation
//    run after each step ("recovery") that re-applies the masks after every update so pruned weights stay zero;
// 3. searches a mixed-precision weight quantization (the most sensitive layers float16, the rest uint8) that
//    keeps accuracy within 1 point of the pruned float32 model on a calibration set, and writes it.
//
// **Run:** `npx tsx examples/04-prune-and-quantize.ts` (a few minutes on 2 CPU cores). **Seed:** 11.
// **Prints:** the compression table (sparsity, parameters, size raw/gzip, test accuracy, agreement with the
// unpruned student, KL, batch-1 latency), the quantization search curve, then
// `RESULT: student <acc>% <kB> gzip -> pruned 70% +recover <acc>% <kB> gzip -> <dtypes> <acc>% <kB> gzip (<r>x smaller than the float32 student)`.
//
// TF.js stores and multiplies dense float32: unstructured sparsity shrinks the gzip'd download, and quantized
// weights are dequantized on load, so neither changes latency (structured pruning, `method: 'structured'`, does).
// Imports come from `'../src/index.js'` so this runs from a checkout; in your project: `from 'tfdistill'`.

// %%
import path from 'node:path';
import {
  adaptiveAssignment,
  distill,
  distillRecovery,
  evalSetFromRecords,
  loadClassifier,
  prune,
  quantize,
  splitRecords,
  useBackend,
} from '../src/index.js';
import { freshOutDir, pct, QUICK, spamSplit, trainTeacher } from './_common.js';

const seed = 11;
const s = QUICK
  ? {
      rows: 300,
      maxLength: 32,
      vocabSize: 500,
      teacherEpochs: 1,
      studentEpochs: 1,
      recoverSteps: 3,
      teacher: { dModel: 32, numLayers: 2, numHeads: 2, ffnDim: 64 },
      student: { dModel: 16, numLayers: 1, numHeads: 2, ffnDim: 32 },
    }
  : {
      rows: 1500,
      maxLength: 64,
      vocabSize: 3000,
      teacherEpochs: 2,
      studentEpochs: 3,
      recoverSteps: 30,
      teacher: { dModel: 64, numLayers: 2, numHeads: 2, ffnDim: 256 },
      student: { dModel: 48, numLayers: 2, numHeads: 2, ffnDim: 192 },
    };
await useBackend('auto');
const out = await freshOutDir('04-prune-and-quantize');
const all = await spamSplit({ rows: s.rows, seed });
// A calibration set for the quantization search, apart from the training rows and from the test set we report on.
const { train, validation: calibration } = splitRecords(all.train, { validationFraction: 0.15, seed });

// %% [markdown]
// ## 1. Teacher and student

// %%
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
const { tokenizer, labels } = distilled;
const testSet = evalSetFromRecords(all.test, { tokenizer, labels, maxLength: s.maxLength });
const calibrationSet = evalSetFromRecords(calibration, { tokenizer, labels, maxLength: s.maxLength });

// %% [markdown]
// ## 2. Progressive pruning with recovery
// `prune` calls `recover(model, { step, sparsity, masks })` after each pruning step. `distillRecovery` builds that
// function from `distill` itself: a short run with the pruned model as the student and the original teacher, whose
// `afterUpdate` hook re-applies the masks after every optimizer update so pruned weights stay exactly zero. (Any
// `RecoverFn` works: a plain fine-tune on labels, or nothing at all.)

// %%
const recover = distillRecovery({
  teacher: teacherDir,
  data: train,
  maxSteps: s.recoverSteps,
  batchSize: 32,
  learningRate: 2e-4,
  loss: { temperature: 2, alpha: 0.7 },
  seed,
  progress: false,
});
const pruned = await prune(distilled.checkpointDir, {
  method: 'magnitude',
  sparsity: 0.7,
  schedule: [0.3, 0.5, 0.7],
  recover,
  data: testSet,
  out: path.join(out, 'student-pruned'),
  latency: { runs: 10 },
});
pruned.model.dispose();
pruned.masks?.dispose();

// %% [markdown]
// ## 3. Mixed-precision quantization to a target accuracy
// `adaptiveAssignment` ranks layers by how much quantizing each alone to uint8 moves the outputs (KL), then keeps
// the k most sensitive at float16 for k = 0, 1, ... until the calibration accuracy is within 1 point of float32.
// `quantize` then writes exactly what `tensorflowjs_converter --quantize_*` would, loadable by stock TF.js, and
// also reports the accuracy a runtime with int8 *activations* would get (simulated; TF.js computes in float32).

// %%
const prunedCkpt = await loadClassifier(path.join(out, 'student-pruned'));
const search = await adaptiveAssignment(prunedCkpt.model, calibrationSet, { target: '-1%', low: 'uint8', keep: 'float16' });
prunedCkpt.model.dispose();
console.log(`target: calibration accuracy >= ${pct(search.target)} (${search.met ? 'met' : 'not met: kept float32'})`);
console.table(
  search.curve.map((p) => ({ float16: p.kept.join(', ') || '(none)', accuracy: pct(p.accuracy), kB: (p.weightBytes / 1024).toFixed(1) })),
);
const quantized = await quantize(path.join(out, 'student-pruned'), {
  dtypeOf: search.dtypeOf,
  data: testSet,
  activations: { calibration: calibrationSet },
  out: path.join(out, 'student-pruned-mixed'),
  latency: { runs: 10 },
});

// %%
// The prune table, then the quantize table: its float32 baseline (the pruned model), the stored weights, and
// (simulated) int8 activations on top. Agreement and KL are against the unpruned student in the first table,
// against the pruned float32 model in the second.
console.log(`${pruned.table}\n\n${quantized.table}`);
console.log(quantized.note);
const first = pruned.rows[0],
  prunedRow = pruned.rows.at(-1)!,
  last = quantized.rows[1];
const kb = (b: number) => `${(b / 1024).toFixed(1)} kB`;
console.log(
  `RESULT: student ${pct(first.accuracy)} ${kb(first.sizeGzip)} gzip -> ${prunedRow.step} ${pct(prunedRow.accuracy)} ` +
    `${kb(prunedRow.sizeGzip)} gzip -> ${last.step} ${pct(last.accuracy)} ${kb(last.sizeGzip)} gzip ` +
    `(${(first.sizeGzip / last.sizeGzip).toFixed(1)}x smaller than the float32 student)`,
);
