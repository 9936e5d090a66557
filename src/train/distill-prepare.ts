import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import type { ConcreteBackendName } from '../backend/backend-info.js';
import { batchFromExamples, teacherFeed } from '../data/batching/batch.js';
import { batchTeacherLogits } from '../data/batching/batch-teacher-logits.js';
import { prepareDatasets, type PreparedDatasets } from '../data/prepare.js';
import { splitRecords } from '../data/split.js';
import { cacheTeacherOutputs } from '../data/teacher-cache/write.js';
import { readTeacherCache } from '../data/teacher-cache/read.js';
import { loadTokenizer } from '../data/tokenizer/tokenizer-files.js';
import { TfdistillError } from '../errors.js';
import { checkIntermediateShapes, intermediateShapesOf } from '../losses/check-shapes.js';
import type { IntermediateSpec } from '../losses/intermediate-spec.js';
import { outputsRead, projectedBlocks } from '../losses/registry.js';
import { encoderOutputs } from '../models/outputs.js';
import type { EncoderOptions, EncoderOutputKind } from '../models/options.js';
import { teacherInputTensors } from '../models/teacher-logits.js';
import type { EncoderOutputs } from '../models/types.js';
import { maxLengthFor, studentTokenizerFor, wantsTeacherCache, type DistillConfig } from './distill-config.js';
import type { PreparedData, TeacherEmbeddingOptions } from './distill-options.js';
import type { OnnxEmbeddingOptions } from '../models/onnx-session.js';
import { applyPca, fitPca, type Pca } from '../data/pca.js';
import { teacherLogitsFor } from '../eval/logits-for.js';
import { startTeacherReplicas } from './parallel/distill-replicas.js';
import { resolveStudent } from './resolve-student.js';
import { resolveTeacher, type ResolvedTeacher } from '../io/resolve-teacher.js';

/** Everything a run trains with, before the first step. */
export interface PreparedRun {
  data: PreparedDatasets;
  student: { model: tf.LayersModel; config?: EncoderOptions; owned: boolean };
  teacher?: ResolvedTeacher;
  studentDim: number;
  teacherDim?: number;
  /** Whether train examples carry cached teacher logits (teacher not run per step). */
  teacherCached: boolean;
  /** Embedding task with `data.teacherEmbedding.pca`: the PCA the targets (train and validation) were projected by. */
  pca?: Pca;
}

const isPrepared = (d: unknown): d is PreparedData => typeof d === 'object' && d !== null && 'examples' in d;

/**
 * Resolves the teacher, loads and tokenizes the data (with the teacher's tokenizer and labels when it brings them),
 * builds the student, checks intermediate-layer shapes with one tiny forward pass, and fills the teacher cache
 * (`out/teacher-cache.bin`, reused by later runs and resumes when it still matches) when caching applies.
 *
 * @example
 * ```ts
 * const run = await prepareRun(resolveDistillConfig({ teacher: 'teacher/', train: 'train.csv', out: 'run/' }), { log: console.log });
 * ```
 */
export async function prepareRun(
  config: DistillConfig,
  ctx: { log: (m: string) => void; replicas?: number; backend?: ConcreteBackendName },
): Promise<PreparedRun> {
  const teacher =
    config.teacher !== undefined
      ? await resolveTeacher(config.teacher, {
          tokenizer: config.data.tokenizer,
          threads: config.runtime.teacherThreads,
          ...(config.task === 'embedding' ? { embedding: onnxEmbedding(config.data.teacherEmbedding) } : {}),
        })
      : undefined;
  const specs = config.loss.intermediate;
  try {
    if (teacher?.teacher.async && specs.length > 0) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        'intermediate-layer losses need a TF.js teacher; this one runs outside TF.js (ONNX)',
        'drop loss.intermediate (--intermediate), or distill from a tfdistill/TF.js teacher',
      );
    }
    const loaded = await loadData(config, teacher);
    // An embedding student learns vectors: labels in the data (a 'label' column, say) play no part.
    const data = config.task === 'embedding' ? withoutLabels(loaded) : loaded;
    const hardLabelsOnly = config.loss.alpha === 0 && data.labeled;
    if (config.task === 'embedding' && !teacher && !data.withTeacherLogits) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        "task 'embedding' needs the teacher's vectors: give a teacher, or data whose rows carry them",
        'pass --teacher DIR, or --teacher-logits-column with the name of a column of JSON arrays',
      );
    }
    if (!teacher && !data.withTeacherLogits && !hardLabelsOnly) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        'no teacher: give a teacher, or data whose rows carry teacher logits',
        'pass --teacher DIR, or --teacher-logits-column for logits computed elsewhere (or alpha 0 to train on labels alone)',
      );
    }
    if (data.trainedTokenizer) ctx.log(`trained a WordPiece tokenizer (${data.tokenizer.vocabSize} tokens) on the training text`);
    const outputs: EncoderOutputKind[] = ['logits', ...outputsRead(specs)];
    const pcaDim = config.task === 'embedding' ? config.data.teacherEmbedding?.pca : undefined;
    const numClasses = pcaDim ?? (data.labels.length || (await teacherClasses(data, teacher)));
    const student = resolveStudent(config.student, {
      vocabSize: data.tokenizer.vocabSize,
      maxLength: maxLengthFor(config.data.maxLength, teacher?.maxLength),
      numClasses,
      padId: data.tokenizer.padId,
      pairs: data.pairs,
      seed: config.seed,
      outputs,
      teacherModel: teacher?.layersModel,
    });
    if (student.init)
      ctx.log(`student initialised from teacher: ${student.init.copied.length} weights copied, ${student.init.initialised.length} derived`);
    try {
      const dims = specs.length > 0 ? checkShapes(specs, student.model, teacher, data) : undefined;
      const teacherCached = await maybeCacheTeacher(config, teacher, data, ctx, pcaDim !== undefined);
      const pca = pcaDim === undefined ? undefined : await projectTargets(pcaDim, teacherCached, data, teacher, config, ctx);
      return { data, student, teacher, studentDim: dims?.student ?? 0, teacherDim: dims?.teacher, teacherCached, pca };
    } catch (e) {
      if (student.owned) student.model.dispose();
      throw e;
    }
  } catch (e) {
    teacher?.dispose();
    throw e;
  }
}

async function loadData(config: DistillConfig, teacher: ResolvedTeacher | undefined): Promise<PreparedDatasets> {
  const { data: d, seed } = config;
  if (isPrepared(config.train)) {
    const train = config.train;
    if (config.validation !== undefined && !isPrepared(config.validation)) {
      // Records or a file would need the caller's tokenization; silently ignoring them would turn evaluation off.
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        'validation must be prepared examples too when train is',
        'pass validation as { examples, tokenizer, labels } tokenized like train, or give train as records/a file',
      );
    }
    let validation = isPrepared(config.validation) ? config.validation.examples : [];
    let examples = train.examples;
    if (!config.validation && d.validationFraction > 0) {
      const split = splitRecords(examples, { validationFraction: d.validationFraction, seed });
      examples = split.train;
      validation = split.validation;
    }
    return {
      train: examples,
      validation,
      tokenizer: train.tokenizer,
      padding: { padId: train.tokenizer.padId },
      pairs: examples.some((e) => e.typeIds !== undefined),
      labels: train.labels,
      labeled: examples.some((e) => e.label !== undefined),
      withTeacherLogits: examples.every((e) => e.teacherLogits),
      badRows: { train: { count: 0, first: [] } },
      trainedTokenizer: false,
    };
  }
  const given = typeof d.tokenizer === 'string' ? await loadTokenizer(d.tokenizer) : d.tokenizer;
  const teacherTokenizer = teacher?.tokenizer ?? given;
  const choice = studentTokenizerFor(config, teacher?.external);
  const tokenizer =
    choice === 'teacher'
      ? teacherTokenizer
      : choice === 'train'
        ? undefined
        : typeof choice === 'string'
          ? await loadTokenizer(choice)
          : choice;
  return prepareDatasets({
    train: config.train,
    validation: isPrepared(config.validation) ? undefined : config.validation,
    textColumn: d.textColumn,
    textPairColumn: d.textPairColumn,
    // An embedding student needs no labels: a label column is neither required nor read.
    labelColumn: config.task === 'embedding' ? null : d.labelColumn,
    teacherLogitsColumn: d.teacherLogitsColumn,
    onBadRow: d.onBadRow,
    validationFraction: d.validationFraction,
    seed,
    maxLength: maxLengthFor(config.data.maxLength, teacher?.maxLength),
    tokenizer,
    teacherTokenizer: teacher ? teacherTokenizer : undefined,
    vocabSize: d.vocabSize,
    labels: config.task === 'embedding' ? undefined : teacher?.labels,
    teacherCache: d.teacherCache ? { file: d.teacherCache, teacherId: teacher?.id } : undefined,
  });
}

/** An embedding teacher's ONNX settings (everything of `data.teacherEmbedding` but `pca`, which is tfdistill's). */
function onnxEmbedding(options: TeacherEmbeddingOptions | undefined): OnnxEmbeddingOptions {
  const { pca: _pca, ...onnx } = options ?? {};
  return onnx;
}

/**
 * Fits a `k`-component PCA to the training rows' teacher vectors and replaces every target by its projection: the
 * training rows' cached vectors, and the validation rows' (computed here once, then attached).
 */
async function projectTargets(
  k: number,
  teacherCached: boolean,
  data: PreparedDatasets,
  teacher: ResolvedTeacher | undefined,
  config: DistillConfig,
  ctx: { log: (m: string) => void },
): Promise<Pca> {
  if (!teacherCached) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      "data.teacherEmbedding.pca needs every training row's teacher vectors before training",
      'leave data.cacheTeacher on (or give the vectors in a column); intermediate-layer losses turn the cache off',
    );
  }
  const dim = data.train[0].teacherLogits?.length ?? 0;
  const values = new Float32Array(data.train.length * dim);
  data.train.forEach((e, i) => {
    values.set(e.teacherLogits as Float32Array, i * dim);
  });
  const pca = fitPca({ values, n: data.train.length, dim }, k);
  for (const e of data.train) e.teacherLogits = applyPca(pca, e.teacherLogits as Float32Array, 1);
  const validation = await teacherLogitsFor(data.validation, teacher?.teacher, config.schedule.batchSize, data.padding);
  if (validation) {
    const projected = applyPca(pca, validation.logits, data.validation.length);
    data.validation.forEach((e, i) => {
      e.teacherLogits = projected.slice(i * k, (i + 1) * k);
    });
  }
  ctx.log(
    `targets: the teacher's ${dim}-dim vectors in their top ${k} principal components (${(100 * pca.explained).toFixed(1)}% of the variance)`,
  );
  return pca;
}

/** The datasets with every label dropped. */
function withoutLabels(data: PreparedDatasets): PreparedDatasets {
  const strip = (examples: PreparedDatasets['train']) => examples.map(({ label: _label, ...rest }) => rest);
  return { ...data, train: strip(data.train), validation: strip(data.validation), labels: [], labeled: false };
}

async function teacherClasses(data: PreparedDatasets, teacher: ResolvedTeacher | undefined): Promise<number> {
  const fromData = data.train.find((e) => e.teacherLogits)?.teacherLogits?.length;
  if (fromData) return fromData;
  if (!teacher) throw new TfdistillError('DATA_INVALID', 'the data has neither labels nor teacher logits');
  return (await batchTeacherLogits(teacher.teacher, batchFromExamples(data.train.slice(0, 1), data.padding))).classes;
}

/** One forward pass of both models on two examples; throws SHAPE_MISMATCH naming layers before any training. */
function checkShapes(
  specs: readonly IntermediateSpec[],
  student: tf.LayersModel,
  teacher: ResolvedTeacher | undefined,
  data: PreparedDatasets,
) {
  if (!teacher) throw new TfdistillError('INVALID_ARGUMENT', 'intermediate-layer losses need a teacher model, not cached logits');
  const batch = batchFromExamples(data.train.slice(0, 2), data.padding);
  const feed = teacherFeed(batch);
  const [ids, , typeIds] = teacherInputTensors(batch.inputIds, batch.batchSize, batch.seqLength, { typeIds: batch.typeIds });
  const teacherInputs = teacherInputTensors(feed.inputIds, batch.batchSize, feed.seqLength, feed);
  const s = encoderOutputs(student, ids, { training: false, typeIds });
  const t = teacher.teacher.predict(...teacherInputs) as EncoderOutputs; // synchronous: async teachers take no intermediate losses
  try {
    const ss = intermediateShapesOf(s),
      ts = intermediateShapesOf(t);
    const studentDim = s.hidden?.[0]?.shape[2] ?? 0,
      teacherDim = t.hidden?.[0]?.shape[2];
    // Width differences are bridged by learned projections (created by distill), so compare as if projected.
    const plannedProjections =
      studentDim !== teacherDim && teacherDim
        ? Object.fromEntries(projectedBlocks(specs).map((i) => [i, { name: `projection_${i}`, studentDim, teacherDim }]))
        : undefined;
    checkIntermediateShapes(ss, ts, specs, { projections: plannedProjections });
    return { student: studentDim, teacher: teacherDim };
  } finally {
    tf.dispose([
      ids,
      typeIds,
      ...teacherInputs,
      s.logits,
      ...(s.hidden ?? []),
      ...(s.attention ?? []),
      t.logits,
      ...(t.hidden ?? []),
      ...(t.attention ?? []),
    ]);
  }
}

async function maybeCacheTeacher(
  config: DistillConfig,
  teacher: ResolvedTeacher | undefined,
  data: PreparedDatasets,
  ctx: { log: (m: string) => void; replicas?: number; backend?: ConcreteBackendName },
  needed = false,
): Promise<boolean> {
  if (!teacher || data.withTeacherLogits) return data.withTeacherLogits;
  if (!(needed || wantsTeacherCache(config)) || config.loss.intermediate.length > 0) return false;
  const file = path.join(path.resolve(config.out), 'teacher-cache.bin');
  const read = () => readTeacherCache(file, { examples: data.train, teacherId: teacher.id });
  // Reuse a cache from an earlier (interrupted) run only when the teacher id means the same weights across processes.
  let cache = config.checkpoints.resume && teacher.stableId ? await read().catch(() => undefined) : undefined;
  if (!cache) {
    const pool = await startTeacherReplicas({ replicas: ctx.replicas, backend: ctx.backend, teacher });
    ctx.log(
      `running the teacher once over ${data.train.length} training rows${pool ? ` on ${pool.size} replicas` : ''} (teacher cache: ${file})`,
    );
    try {
      await cacheTeacherOutputs(teacher.teacher, data.train, file, {
        teacherId: teacher.id,
        dtype: config.data.teacherCacheDtype ?? 'float32',
        batchSize: config.schedule.batchSize,
        pool,
        padding: data.padding,
      });
    } finally {
      await pool?.close();
    }
    cache = await read();
  }
  for (const e of data.train) e.teacherLogits = cache.get(e.index);
  return true;
}
