// %% [markdown]
// # 07 · Distill a Hugging Face model (ONNX teacher, sentence pairs)
//
// Most teachers people hold are Hugging Face transformers fine-tuned in PyTorch. Their road into JavaScript is ONNX:
//
// ```sh
// pip install "optimum[onnxruntime]"
// optimum-cli export onnx --model textattack/bert-base-uncased-MRPC --task text-classification mrpc-onnx/
// ```
//
// writes `model.onnx`, `config.json` (class names in `id2label`), `tokenizer.json`, `tokenizer_config.json` and
// `special_tokens_map.json`. tfdistill takes that folder as the teacher: ONNX Runtime runs it (in a worker thread,
// a batch ahead of the student), its own tokenizer reads every row, `id2label` names the classes, and the student
// gets a small WordPiece tokenizer trained on the data.
//
// This example uses `test/fixtures/hf/bert-tiny`, a BERT-shaped sentence-pair classifier in exactly that layout
// (trained and exported with `torch.onnx.export` by `scripts/fixtures/make_onnx_teachers.py`), and the pairs of
// `test/fixtures/hf/pairs.csv`: the first and the rest of an email, labelled spam or ham.
//
// **Run:** `npx tsx examples/07-hugging-face-teacher.ts` (about 10 s on 2 CPU cores). **Seed:** 19.
// **Prints:** held-out accuracy of teacher and student, their agreement, the sizes, a prediction, then
// `RESULT: ONNX teacher <t>% · student <s>% · agreement <a>% · <x>x smaller than the teacher's model.onnx`.
//
// Imports come from `'../src/index.js'` so this runs from a checkout; in your project: `from 'tfdistill'`.

// %%
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPredictor, distill, evaluate, loadRecords, splitRecords, useBackend } from '../src/index.js';
import { freshOutDir, pct, QUICK } from './_common.js';

const seed = 19;
const s = QUICK
  ? { rows: 200, epochs: 1, maxLength: 32, vocabSize: 500, student: { dModel: 16, numLayers: 1, numHeads: 2, ffnDim: 32 } }
  : { rows: undefined, epochs: 8, maxLength: 128, vocabSize: 1000, student: { dModel: 32, numLayers: 1, numHeads: 2, ffnDim: 64 } };
const fixtures = fileURLToPath(new URL('../test/fixtures/hf/', import.meta.url));
const teacher = path.join(fixtures, 'bert-tiny');
await useBackend('auto');
const out = await freshOutDir('07-hugging-face-teacher');

// %% [markdown]
// ## The data: sentence pairs
// `textPairColumn` names the second text. Both tokenizers encode each row with their pair template
// (`[CLS] A [SEP] B [SEP]` with token type ids 0 / 1); the student gets a token-type embedding because the data
// are pairs. 20% of the rows are held out for the comparison below.

// %%
const { records } = await loadRecords(path.join(fixtures, 'pairs.csv'), { textPairColumn: 'text_pair' });
const sample = s.rows ? splitRecords(records, { validationFraction: s.rows / records.length, seed }).validation : records;
const { train, validation: test } = splitRecords(sample, { validationFraction: 0.2, seed: seed + 1 });
console.log(
  `${train.length} training pairs, ${test.length} held out; e.g. ${JSON.stringify(train[0].text.slice(0, 40))} + ${JSON.stringify(train[0].textPair?.slice(0, 40))}`,
);

// %% [markdown]
// ## Distill
// The teacher is the export folder itself. With more than one epoch the teacher runs once over the data, filling the
// teacher cache in `out/teacher-cache.bin`; with one epoch it runs live, one batch ahead of the student.

// %%
const result = await distill({
  teacher,
  train: train.map((r) => ({ text: r.text, textPair: r.textPair!, label: r.label })),
  seed,
  out: path.join(out, 'run'),
  student: s.student,
  data: { maxLength: s.maxLength, vocabSize: s.vocabSize },
  loss: { temperature: 2, alpha: 0.5 },
  optimizer: { learningRate: 1e-3 },
  schedule: { epochs: s.epochs, batchSize: 32 },
});
result.student.dispose();

// %% [markdown]
// ## Compare on the held-out pairs
// `evaluate` runs the student and, with `teacher`, the ONNX teacher on the same rows, each with its own tokenizer.

// %%
const report = await evaluate(result.checkpointDir, test, { teacher });
const teacherBytes = (await fs.stat(path.join(teacher, 'model.onnx'))).size;
const studentBytes = (
  await Promise.all(
    (await fs.readdir(result.checkpointDir)).filter((f) => f.endsWith('.bin')).map((f) => fs.stat(path.join(result.checkpointDir, f))),
  )
).reduce((sum, f) => sum + f.size, 0);
console.log(
  `teacher (ONNX) accuracy ${pct(report.teacherAccuracy)}, student accuracy ${pct(report.accuracy)}, agreement ${pct(report.agreement)}`,
);
console.log(`teacher model.onnx ${(teacherBytes / 1024).toFixed(1)} kB, student weights ${(studentBytes / 1024).toFixed(1)} kB`);

// %% [markdown]
// ## Predict a pair
// The predictor (and `tfdistill predict --text ... --text-pair ...`) takes the second text as a second argument.

// %%
const predictor = await createPredictor(result.checkpointDir);
console.log(await predictor.predict('Limited time offer: a FREE cruise', 'Click the link below to claim it now!!!'));
await predictor.close();
console.log(
  `RESULT: ONNX teacher ${pct(report.teacherAccuracy)} · student ${pct(report.accuracy)} · agreement ${pct(report.agreement)} · ` +
    `${(teacherBytes / studentBytes).toFixed(1)}x smaller than the teacher's model.onnx`,
);
