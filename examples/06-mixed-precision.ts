// %% [markdown]
// # 06 · Mixed precision: train with float16 casting, ship a float16 checkpoint
//
// TF.js has no half-precision kernels, so `precision: 'mixed-float16'` *emulates* it: float32 master weights, with
// weights and activations rounded to float16 at every layer boundary and a dynamic loss scale, and the exported
// checkpoint stores float16 weights (half the download). That tells you, before deploying to an fp16 WebGL/WebGPU
// device, whether the student survives half precision. This example distills the same student twice from the same
// teacher with the same seed, once in float32 and once in mixed-float16, and compares:
// - size on disk of the two exported checkpoints;
// - the float16 checkpoint against its own float32 master weights (the largest rounding error), and against the
//   float32 run's weights (how far the two trainings drifted apart);
// - test accuracy and agreement between the two students.
//
// **Run:** `npx tsx examples/06-mixed-precision.ts` (a few minutes on 2 CPU cores). **Seed:** 13.
// **Prints:** a comparison table, then
// `RESULT: float32 <acc>% <kB> · mixed-float16 <acc>% <kB> (<r>x smaller) · max |w16 - master| <e> · agreement <a>%`.
//
// Imports come from `'../src/index.js'` so this runs from a checkout; in your project: `from 'tfdistill'`.

// %%
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { distill, evaluate, loadClassifier, loadModel, readCheckpointMeta, useBackend, type DistillResult } from '../src/index.js';
import { freshOutDir, pct, QUICK, spamSplit, trainTeacher } from './_common.js';

const seed = 13;
const s = QUICK
  ? {
      rows: 300,
      maxLength: 32,
      vocabSize: 500,
      teacherEpochs: 1,
      studentEpochs: 1,
      teacher: { dModel: 32, numLayers: 2, numHeads: 2, ffnDim: 64 },
      student: { dModel: 16, numLayers: 1, numHeads: 2, ffnDim: 32 },
    }
  : {
      rows: 1500,
      maxLength: 64,
      vocabSize: 3000,
      teacherEpochs: 2,
      studentEpochs: 3,
      teacher: { dModel: 64, numLayers: 2, numHeads: 2, ffnDim: 256 },
      student: { dModel: 64, numLayers: 2, numHeads: 2, ffnDim: 256 },
    };
await useBackend('auto');
const out = await freshOutDir('06-mixed-precision');
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

// %% [markdown]
// ## Two runs, one difference: `precision`

// %%
const runs: Record<string, DistillResult> = {};
for (const precision of ['float32', 'mixed-float16'] as const) {
  runs[precision] = await distill({
    teacher: teacherDir,
    train,
    seed,
    out: path.join(out, precision),
    student: s.student,
    schedule: { epochs: s.studentEpochs, batchSize: 32 },
    runtime: { precision },
    loss: { temperature: 2, alpha: 0.7 },
  });
  runs[precision].student.dispose();
}

// %% [markdown]
// ## What the float16 checkpoint is
// The exported `student/` stores float16 weights; the step checkpoints under `checkpoints/` keep the float32
// master weights (they are what a resumed run continues from). Loading either gives float32 tensors in TF.js.

// %%
const dirBytes = async (dir: string) =>
  (await fs.readdir(dir)).reduce(async (n, f) => (await n) + (await fs.stat(path.join(dir, f))).size, Promise.resolve(0));
const f32 = runs.float32,
  f16 = runs['mixed-float16'];
const half = await loadClassifier(f16.checkpointDir);
const float = await loadClassifier(f32.checkpointDir);
const masterStep = f16.best?.step ?? f16.steps; // the exported student holds the best step's weights
const master = await loadModel(path.join(out, 'mixed-float16', 'checkpoints', `step-${String(masterStep).padStart(8, '0')}`));

/** Largest |a - b| over all weights of two models with the same architecture. */
function maxWeightDiff(a: tf.LayersModel, b: tf.LayersModel): number {
  return a.getWeights().reduce(
    (m, w, i) =>
      Math.max(
        m,
        tf.tidy(() => tf.max(tf.abs(tf.sub(w, b.getWeights()[i]))).dataSync()[0]),
      ),
    0,
  );
}
const roundingError = maxWeightDiff(half.model, master.model);
const drift = maxWeightDiff(half.model, float.model);
const largest = tf.tidy(() => Math.max(...master.model.getWeights().map((w) => tf.max(tf.abs(w)).dataSync()[0])));
[half, float, master].forEach((c) => {
  c.model.dispose();
});

const e32 = await evaluate(f32.checkpointDir, test, { teacher: teacherDir });
const e16 = await evaluate(f16.checkpointDir, test, { teacher: teacherDir });
const between = await evaluate(f16.checkpointDir, test, { teacher: f32.checkpointDir }); // agreement of the two students
const size32 = await dirBytes(f32.checkpointDir),
  size16 = await dirBytes(f16.checkpointDir);
const meta16 = await readCheckpointMeta(f16.checkpointDir);
console.log(`mixed-float16 checkpoint meta: precision ${String((meta16.extra as Record<string, unknown> | undefined)?.precision)}`);
console.table({
  float32: { 'size kB': (size32 / 1024).toFixed(1), accuracy: pct(e32.accuracy), 'teacher agreement': pct(e32.agreement) },
  'mixed-float16': { 'size kB': (size16 / 1024).toFixed(1), accuracy: pct(e16.accuracy), 'teacher agreement': pct(e16.agreement) },
});
console.log(
  `max |float16 checkpoint - its float32 master weights| = ${roundingError.toExponential(2)} (largest |w| ${largest.toFixed(3)}; ` +
    `float16 keeps 11 significant bits, so about ${(largest * 2 ** -11).toExponential(1)} at most)`,
);
console.log(`max |float16 student - float32 student| = ${drift.toFixed(4)} (two trainings, not a rounding error)`);

// %%
console.log(
  `RESULT: float32 ${pct(e32.accuracy)} ${(size32 / 1024).toFixed(1)} kB · mixed-float16 ${pct(e16.accuracy)} ` +
    `${(size16 / 1024).toFixed(1)} kB (${(size32 / size16).toFixed(2)}x smaller) · max |w16 - master| ${roundingError.toExponential(2)} · ` +
    `agreement ${pct(between.agreement)}`,
);
