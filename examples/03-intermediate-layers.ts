// %% [markdown]
// # 03 · Intermediate layers: hidden states and attention
//
// Logits are not the only thing a teacher knows. TinyBERT-style distillation also matches what happens inside:
// each student block's hidden states (through a learned projection when the widths differ) and its attention
// maps, block to block as a `layerMap` says. This example trains two students from the same teacher with the same
// seed and the same data order, one on logits only and one with hidden-state MSE + attention KL added, and
// compares them on held-out emails. Whether the extra terms help depends on the sizes and the budget; this prints
// what happened, not what we hoped.
//
// **Run:** `npx tsx examples/03-intermediate-layers.ts` (a few minutes on 2 CPU cores). **Seed:** 3.
// **Prints:** both students' test accuracy, macro-F1 and agreement with the teacher, then
// `RESULT: logits-only <acc>% (agreement <a>%) · +hidden+attention <acc>% (agreement <a>%) · gain <d> pts`.
//
// Imports come from `'../src/index.js'` so this runs from a checkout; in your project: `from 'tfdistill'`.

// %%
import path from 'node:path';
import { distill, evaluate, useBackend, type IntermediateSpec } from '../src/index.js';
import { freshOutDir, pct, QUICK, spamSplit, trainTeacher } from './_common.js';

const seed = 3;
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
      studentEpochs: 2,
      teacher: { dModel: 64, numLayers: 2, numHeads: 2, ffnDim: 256 },
      student: { dModel: 32, numLayers: 1, numHeads: 2, ffnDim: 128 },
    };
await useBackend('auto');
const out = await freshOutDir('03-intermediate-layers');
const { train, test } = await spamSplit({ rows: s.rows, seed });

// %% [markdown]
// ## The teacher exposes its internals
// An encoder built with `outputs: ['logits', 'hidden', 'attention']` returns every block's output
// `[batch, seq, d]` and attention probabilities `[batch, heads, seq, seq]` besides the logits. The student gets
// the same outputs automatically when intermediate losses are asked for.

// %%
const teacherDir = await trainTeacher({
  out: path.join(out, 'teacher'),
  train,
  seed,
  epochs: s.teacherEpochs,
  maxLength: s.maxLength,
  vocabSize: s.vocabSize,
  shape: s.teacher,
  outputs: ['logits', 'hidden', 'attention'],
});

// %% [markdown]
// ## Two students, one difference
// The student has one block and the teacher two, so the layer map sends student block 0 to teacher block 1 (the
// last one). `hiddenMse` learns a `d_student -> d_teacher` projection; `attentionKl` compares the attention rows
// over non-padding keys (heads are averaged when the counts differ).

// %%
const intermediate: IntermediateSpec[] = [
  { loss: 'hiddenMse', weight: 1, layerMap: [[0, 1]] },
  { loss: 'attentionKl', weight: 1, layerMap: [[0, 1]] },
];
const runs = { 'logits-only': [], '+hidden+attention': intermediate } satisfies Record<string, IntermediateSpec[]>;
const results: Record<string, { accuracy?: number; macroF1?: number; agreement?: number }> = {};
for (const [name, specs] of Object.entries(runs)) {
  const r = await distill({
    teacher: teacherDir,
    train,
    seed,
    out: path.join(out, name),
    student: s.student,
    data: { cacheTeacher: false }, // same teacher pass in both runs
    schedule: { epochs: s.studentEpochs, batchSize: 32 },
    loss: { temperature: 2, alpha: 0.7, intermediate: specs },
  });
  r.student.dispose();
  results[name] = await evaluate(r.checkpointDir, test, { teacher: teacherDir });
}

// %%
console.table(
  Object.fromEntries(
    Object.entries(results).map(([k, v]) => [k, { accuracy: pct(v.accuracy), macroF1: pct(v.macroF1), agreement: pct(v.agreement) }]),
  ),
);
const base = results['logits-only'],
  rich = results['+hidden+attention'];
const gain = 100 * ((rich.accuracy ?? 0) - (base.accuracy ?? 0));
console.log(
  `RESULT: logits-only ${pct(base.accuracy)} (agreement ${pct(base.agreement)}) · +hidden+attention ${pct(rich.accuracy)} ` +
    `(agreement ${pct(rich.agreement)}) · gain ${gain >= 0 ? '+' : ''}${gain.toFixed(2)} pts`,
);
