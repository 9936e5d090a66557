// %% [markdown]
// # 01 · Quick start: distill a spam filter
//
// We train a transformer *teacher* on the built-in SpamAssassin emails (ham vs spam), distill a student four times
// smaller from it, and compare both on held-out emails they never saw.
//
// **Run:** `npx tsx examples/01-quickstart.ts` (a few minutes on 2 CPU cores). **Seed:** 42.
// **Prints:** a teacher/student table (parameters, size on disk, test accuracy, macro-F1, agreement) and the line
// `RESULT: teacher <acc>% · student <acc>% · <n>x fewer parameters · agreement <a>%`.
//
// The examples import from `'../src/index.js'` so they run from a checkout without a build; in your project you
// write `import { distill } from 'tfdistill'`. `TFDISTILL_EXAMPLE_QUICK=1` shrinks everything (the test suite uses it).

// %%
import path from 'node:path';
import { countParameters, distill, evaluate, loadClassifier, useBackend } from '../src/index.js';
import { freshOutDir, pct, QUICK, spamSplit } from './_common.js';

const seed = 42;
const settings = QUICK
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
      rows: 2000,
      maxLength: 64,
      vocabSize: 4000,
      teacherEpochs: 2,
      studentEpochs: 3,
      teacher: { dModel: 128, numLayers: 2, numHeads: 4, ffnDim: 512 },
      student: { dModel: 64, numLayers: 1, numHeads: 2, ffnDim: 256 },
    };
const backend = await useBackend('auto');
console.log(`backend: ${backend.name}`);
const out = await freshOutDir('01-quickstart');
const { train, test } = await spamSplit({ rows: settings.rows, seed });
console.log(`${train.length} training emails, ${test.length} held-out test emails`);

// %% [markdown]
// ## 1. A teacher
// Usually you already have one (example 02 shows how to bring it). Here we train one with the same entry point:
// `distill` without a teacher and with `alpha: 0` is plain supervised training on the labels. With no tokenizer
// given, tfdistill trains a WordPiece vocabulary on the training texts and saves it with the checkpoint.

// %%
const teacher = await distill({
  train,
  out: path.join(out, 'teacher'),
  seed,
  schedule: { epochs: settings.teacherEpochs, batchSize: 32 },
  student: { ...settings.teacher, dropout: 0.1 },
  loss: { alpha: 0 },
  data: { maxLength: settings.maxLength, vocabSize: settings.vocabSize },
});
teacher.student.dispose();

// %% [markdown]
// ## 2. Distill the student
// The loss is `alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(labels)`. The student reuses the
// teacher's tokenizer (it comes with the checkpoint), and the teacher's logits are computed once and cached.

// %%
const student = await distill({
  teacher: teacher.checkpointDir,
  train,
  out: path.join(out, 'student'),
  seed,
  student: settings.student,
  loss: { temperature: 4, alpha: 0.7 },
  schedule: { epochs: settings.studentEpochs, batchSize: 32 },
});
const studentParams = countParameters(student.student);
student.student.dispose();

// %% [markdown]
// ## 3. Compare on held-out emails
// `evaluate` loads each checkpoint, runs the test set and, given the teacher, measures agreement (same argmax)
// and KL(teacher || student).

// %%
const t = await evaluate(teacher.checkpointDir, test);
const s = await evaluate(student.checkpointDir, test, { teacher: teacher.checkpointDir });
const tk = await loadClassifier(teacher.checkpointDir);
const teacherParams = countParameters(tk.model);
tk.model.dispose();
console.table({
  teacher: { parameters: teacherParams, accuracy: pct(t.accuracy), macroF1: pct(t.macroF1) },
  student: { parameters: studentParams, accuracy: pct(s.accuracy), macroF1: pct(s.macroF1), agreement: pct(s.agreement) },
});
console.log(
  `RESULT: teacher ${pct(t.accuracy)} · student ${pct(s.accuracy)} · ${(teacherParams / studentParams).toFixed(1)}x fewer parameters · agreement ${pct(s.agreement)}`,
);
