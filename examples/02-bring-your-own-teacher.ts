// %% [markdown]
// # 02 · Bring your own teacher
//
// The teacher does not have to be a tfdistill model. This example distills the same kind of student from three
// teachers that tfdistill knows nothing about:
//
// - **(a)** any `tf.LayersModel`: a Keras-style GRU classifier trained here with `model.fit`;
// - **(b)** a `tf.GraphModel`, the format `tensorflowjs_converter` writes for a Keras/TF SavedModel;
// - **(c)** no model at all: a CSV whose `teacher_logits` column was filled by a model somewhere else
//   (a Python job, a large model behind an API).
//
// **Run:** `npx tsx examples/02-bring-your-own-teacher.ts` (a few minutes on 2 CPU cores). **Seed:** 7.
// **Prints:** per teacher its test accuracy, the student's test accuracy and their agreement, then
// `RESULT: (a) LayersModel <t>% -> student <s>% · (b) GraphModel <t>% -> student <s>% · (c) CSV logits <t>% -> student <s>%`.
//
// Imports come from `'../src/index.js'` so this runs from a checkout; in your project: `from 'tfdistill'`.

// %%
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  distill,
  evalMetrics,
  predictLogits,
  saveTokenizer,
  teacherFromGraphModel,
  trainWordPiece,
  useBackend,
  type DistillResult,
  type Teacher,
  type TextTokenizer,
} from '../src/index.js';
import { freshOutDir, pct, QUICK, spamSplit, teacherLogitsOf } from './_common.js';

const seed = 7;
const s = QUICK
  ? {
      rows: 300,
      maxLength: 32,
      vocabSize: 500,
      gruEpochs: 1,
      studentEpochs: 1,
      student: { dModel: 16, numLayers: 1, numHeads: 2, ffnDim: 32 },
    }
  : {
      rows: 2000,
      maxLength: 64,
      vocabSize: 3000,
      gruEpochs: 3,
      studentEpochs: 3,
      student: { dModel: 64, numLayers: 1, numHeads: 2, ffnDim: 256 },
    };
await useBackend('auto');
const out = await freshOutDir('02-bring-your-own-teacher');
const { train, test, labels } = await spamSplit({ rows: s.rows, seed });
const labelId = (l: string | number | undefined) => labels.indexOf(String(l));

// %% [markdown]
// A teacher you bring has to read the same token ids as the student, so the tokenizer travels with it: here we
// train a WordPiece tokenizer once, save it as a Hugging Face `tokenizer.json`, and give it to every `distill` call.
// (A BERT teacher from the Hub would bring its own `tokenizer.json`.)

// %%
const tokenizer: TextTokenizer = trainWordPiece(
  train.map((r) => r.text),
  { vocabSize: s.vocabSize },
);
await saveTokenizer(tokenizer, path.join(out, 'tokenizer.json'));
const encode = (text: string) => tokenizer.encode(text, s.maxLength);
const testIds = test.map((r) => encode(r.text));
const testLabels = test.map((r) => labelId(r.label));

/** Test accuracy of a teacher, and of the student plus its agreement with the teacher. */
async function report(name: string, teacherLogits: Float32Array, result: DistillResult) {
  const studentLogits = await predictLogits(
    result.student,
    testIds.map((ids, index) => ({ ids, index })),
  );
  result.student.dispose();
  const t = evalMetrics({ studentLogits: teacherLogits, labels: testLabels, numClasses: 2 });
  const m = evalMetrics({ studentLogits, teacherLogits, labels: testLabels, numClasses: 2 });
  console.log(`${name}: teacher ${pct(t.accuracy)}, student ${pct(m.accuracy)}, agreement ${pct(m.agreement)}`);
  return { teacher: t.accuracy!, student: m.accuracy! };
}
const common = {
  train,
  seed,
  student: s.student,
  data: { tokenizer, maxLength: s.maxLength },
  schedule: { epochs: s.studentEpochs, batchSize: 32 },
  loss: { temperature: 2, alpha: 0.7 },
};

// %% [markdown]
// ## (a) Any `tf.LayersModel`
// A GRU over masked embeddings, built with the Layers API and trained with `model.fit`, the way a Keras user would.
// Its output is logits (no softmax), which is what distillation needs. `distill` accepts the model as is; it feeds
// the token ids (cast to the input's dtype) and, for a two-input model, the attention mask.

// %%
const ids = tf.input({ shape: [null], dtype: 'int32', name: 'input_ids' });
const embedded = tf.layers
  .embedding({
    inputDim: tokenizer.vocabSize,
    outputDim: 32,
    maskZero: true,
    embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }),
  })
  .apply(ids);
const state = tf.layers
  .gru({
    units: 32,
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
  })
  .apply(embedded);
const classifier = tf.layers
  .dense({ units: 2, name: 'classifier', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }) })
  .apply(state) as tf.SymbolicTensor;
const gru = tf.model({ inputs: ids, outputs: classifier, name: 'gru_teacher' });
gru.compile({ optimizer: tf.train.adam(2e-3), loss: (y, logits) => tf.losses.softmaxCrossEntropy(y, logits) });

const padded = (rows: Int32Array[]) =>
  tf.tensor2d(
    rows.flatMap((r) => [...r, ...new Array(s.maxLength - r.length).fill(0)]),
    [rows.length, s.maxLength],
    'int32',
  ); // [rows, maxLength], 0 = padding
const xs = padded(train.map((r) => encode(r.text)));
const ys = tf
  .oneHot(
    tf.tensor1d(
      train.map((r) => labelId(r.label)),
      'int32',
    ),
    2,
  )
  .toFloat(); // [rows, 2]
await gru.fit(xs, ys, { epochs: s.gruEpochs, batchSize: 32, shuffle: false, verbose: 0 });
tf.dispose([xs, ys]);

const a = await distill({ ...common, teacher: gru, out: path.join(out, 'a-layers-model') });
const resultA = await report(
  '(a) tf.LayersModel (GRU)',
  await teacherLogitsOf({ predict: (x) => ({ logits: gru.predict(x) as tf.Tensor }) }, testIds),
  a,
);
gru.dispose();

// %% [markdown]
// ## (b) A GraphModel converted from Keras / TensorFlow
// For a model trained in Python, export a SavedModel and convert it:
//
// ```sh
// pip install tensorflowjs
// tensorflowjs_converter --input_format=tf_saved_model --output_format=tfjs_graph_model \
//     --signature_name=serving_default --saved_model_tags=serve  my_saved_model/  teacher_tfjs/
// ```
//
// That writes `teacher_tfjs/model.json` (a GraphDef plus a weights manifest) and `group1-shard*of*.bin`. To stay
// offline, this example writes such a folder itself: a length-normalised naive-Bayes bag-of-words classifier
// (logits = bias + mean over the non-padding tokens of a per-token score row) as the GraphDef nodes the converter
// emits (`Placeholder`, `Const`, `GatherV2`, `NotEqual`, `Cast`, `Sum`, `RealDiv`, `AddV2`). Then it is loaded
// exactly like a converted model.

// %%
/**
 * Per-token log-likelihoods [vocab, 2] and log priors [2] from training counts (Laplace smoothing). The graph
 * averages the token rows instead of summing them, with the rows scaled by `EVIDENCE` = 8 (as if every email had 8
 * tokens): summed naive-Bayes logits differ by hundreds of nats between classes, absurdly overconfident soft
 * targets, while this keeps the logit gap within about 15 at the same test accuracy.
 */
const EVIDENCE = 8;
function naiveBayes(rows: Int32Array[], y: number[], vocab: number) {
  const counts = [new Float64Array(vocab), new Float64Array(vocab)];
  const totals = [0, 0];
  rows.forEach((r, i) => {
    r.forEach((t) => {
      counts[y[i]][t] += 1;
      totals[y[i]] += 1;
    });
  });
  const scores = new Float32Array(vocab * 2); // [vocab, 2]
  for (let v = 1; v < vocab; v++) {
    // row 0 (padding) stays 0
    const l = [0, 1].map((c) => Math.log((counts[c][v] + 1) / (totals[c] + vocab)));
    const mean = (l[0] + l[1]) / 2; // a per-token constant does not change the softmax; centring keeps logits small
    scores[v * 2] = EVIDENCE * (l[0] - mean);
    scores[v * 2 + 1] = EVIDENCE * (l[1] - mean);
  }
  const prior = [0, 1].map((c) => Math.log(y.filter((k) => k === c).length / y.length));
  return { scores, bias: Float32Array.from(prior) };
}
const nb = naiveBayes(
  train.map((r) => encode(r.text)),
  train.map((r) => labelId(r.label)),
  tokenizer.vocabSize,
);

const shape = (...dims: number[]) => ({ dim: dims.map((size) => ({ size: String(size) })) });
const float = { type: 'DT_FLOAT' },
  int32 = { type: 'DT_INT32' };
const constNode = (name: string, dtype: object, dims: number[]) => ({
  name,
  op: 'Const',
  attr: { dtype, value: { tensor: { dtype: (dtype as { type: string }).type, tensorShape: shape(...dims) } } },
});
const graphJson = {
  format: 'graph-model',
  generatedBy: '2.15.0',
  convertedBy: 'TensorFlow.js Converter v4.22.0 (hand-written stand-in)',
  modelTopology: {
    node: [
      { name: 'input_ids', op: 'Placeholder', attr: { dtype: int32, shape: { shape: shape(-1, -1) } } },
      constNode('token_scores', float, [tokenizer.vocabSize, 2]),
      constNode('gather_axis', int32, []),
      {
        name: 'per_token',
        op: 'GatherV2',
        input: ['token_scores', 'input_ids', 'gather_axis'], // [batch, seq, 2]
        attr: { Tparams: float, Tindices: int32, Taxis: int32, batch_dims: { i: '0' } },
      },
      constNode('sum_axis', int32, []),
      { name: 'summed', op: 'Sum', input: ['per_token', 'sum_axis'], attr: { T: float, Tidx: int32, keep_dims: { b: false } } }, // [batch, 2]
      constNode('pad_id', int32, []),
      { name: 'is_token', op: 'NotEqual', input: ['input_ids', 'pad_id'], attr: { T: int32 } }, // [batch, seq] bool
      { name: 'token_mask', op: 'Cast', input: ['is_token'], attr: { SrcT: { type: 'DT_BOOL' }, DstT: float } },
      { name: 'token_count', op: 'Sum', input: ['token_mask', 'sum_axis'], attr: { T: float, Tidx: int32, keep_dims: { b: true } } }, // [batch, 1]
      { name: 'mean_scores', op: 'RealDiv', input: ['summed', 'token_count'], attr: { T: float } }, // [batch, 2]
      constNode('bias', float, [2]),
      { name: 'logits', op: 'AddV2', input: ['mean_scores', 'bias'], attr: { T: float } }, // [batch, 2]
    ],
    library: {},
    versions: { producer: 1645 },
  },
  weightsManifest: [
    {
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'token_scores', shape: [tokenizer.vocabSize, 2], dtype: 'float32' },
        { name: 'gather_axis', shape: [], dtype: 'int32' },
        { name: 'sum_axis', shape: [], dtype: 'int32' },
        { name: 'pad_id', shape: [], dtype: 'int32' },
        { name: 'bias', shape: [2], dtype: 'float32' },
      ],
    },
  ],
};
const graphDir = path.join(out, 'teacher_tfjs');
await fs.mkdir(graphDir, { recursive: true });
await fs.writeFile(path.join(graphDir, 'model.json'), JSON.stringify(graphJson));
const bin = Buffer.concat(
  [nb.scores, Int32Array.of(0), Int32Array.of(1), Int32Array.of(0), nb.bias].map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength)),
);
await fs.writeFile(path.join(graphDir, 'group1-shard1of1.bin'), bin);

// From here on this is what you would do with a real converted model. In the browser, or with tfjs-node, load it
// with `tf.loadGraphModel(url)`. With plain @tensorflow/tfjs in Node, tfdistill's file:// handler reads layers
// models only, so read the converter's two files into memory:
async function loadConvertedGraph(dir: string): Promise<tf.GraphModel> {
  const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
  const [group] = json.weightsManifest as Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  const shards = await Promise.all(group.paths.map((p) => fs.readFile(path.join(dir, p))));
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  return tf.loadGraphModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: group.weights, weightData, format: json.format }),
  );
}
const graph = await loadConvertedGraph(graphDir);
console.log(`graph inputs: ${graph.inputs.map((i) => i.name).join(', ')}; outputs: ${graph.outputs.map((o) => o.name).join(', ')}`);
const graphTeacher: Teacher = teacherFromGraphModel(graph, { inputName: 'input_ids', outputName: 'logits' });
const b = await distill({ ...common, teacher: graphTeacher, out: path.join(out, 'b-graph-model') });
const resultB = await report('(b) tf.GraphModel (converter format)', await teacherLogitsOf(graphTeacher, testIds), b);
graph.dispose();

// %% [markdown]
// ## (c) Logits computed elsewhere, in a CSV
// When the teacher is too big to run in JavaScript (or only reachable behind an API), run it once wherever it lives
// and store its logits next to each text, as a JSON array in one column (or as `logit_0, logit_1, ...` columns,
// which are picked up automatically). Then no teacher model is needed at all. Here the "API" is the naive-Bayes
// scorer from (b), evaluated in plain JavaScript.

// %%
const apiLogits = (text: string): number[] => {
  const ids = encode(text);
  const z = [0, 1].map((c) => nb.bias[c] + ids.reduce((acc, t) => acc + nb.scores[t * 2 + c], 0) / ids.length);
  return z.map((v) => Number(v.toFixed(6)));
};
const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
const csvPath = path.join(out, 'train-with-logits.csv');
await fs.writeFile(
  csvPath,
  `${[
    'text,label,teacher_logits',
    ...train.map((r) => [quote(r.text), quote(String(r.label)), quote(JSON.stringify(apiLogits(r.text)))].join(',')),
  ].join('\n')}\n`,
);

const c = await distill({
  ...common,
  train: csvPath,
  data: { ...common.data, teacherLogitsColumn: 'teacher_logits' },
  out: path.join(out, 'c-csv-logits'),
});
const resultC = await report('(c) CSV teacher_logits column', Float32Array.from(test.flatMap((r) => apiLogits(r.text))), c);

// %%
const fmt = (r: { teacher: number; student: number }) => `${pct(r.teacher)} -> student ${pct(r.student)}`;
console.log(`RESULT: (a) LayersModel ${fmt(resultA)} · (b) GraphModel ${fmt(resultB)} · (c) CSV logits ${fmt(resultC)}`);
