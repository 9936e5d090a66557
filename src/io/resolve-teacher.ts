import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadTokenizer } from '../data/tokenizer/tokenizer-files.js';
import type { TextTokenizer } from '../data/types.js';
import { TfdistillError } from '../errors.js';
import { loadClassifier, resolveCheckpointDir } from './classifier-checkpoint.js';
import { fileSystemHandler } from './file-router.js';
import { loadGraphModelFile } from './graph-model-files.js';
import { findHfExport } from './hf-export.js';
import { isCheckpointDir } from './load-model.js';
import { teacherFromEncoder, teacherFromGraphModel, teacherFromLayersModel } from '../models/teacher.js';
import type { Teacher, TeacherSource } from '../models/types.js';
import { resolveOnnxTeacher } from './resolve-onnx-teacher.js';
import type { OnnxEmbeddingOptions } from '../models/onnx-session.js';

/** A teacher ready for training, with what it brings along (its tokenizer and class names, when it has them). */
export interface ResolvedTeacher {
  teacher: Teacher;
  /** Description used to key the teacher cache. */
  id: string;
  /**
   * Whether `id` names the same weights in another process (a checkpoint path + creation time, a model file). An
   * in-memory model's name is a per-process counter, so its cache is never reused across runs.
   */
  stableId: boolean;
  tokenizer?: TextTokenizer;
  labels?: string[];
  maxLength?: number;
  /** The underlying layers model, if any (for initialising the student from it). */
  layersModel?: tf.LayersModel;
  /**
   * True for a teacher from outside TF.js (ONNX, a tfdistill checkpoint is not): its tokenizer is large and its own,
   * so by default the student trains a small WordPiece tokenizer on the data instead of reusing it.
   */
  external?: boolean;
  /** Frees what this function loaded (never a model the caller passed in). */
  dispose(): void | Promise<void>;
}

/**
 * Options of {@link resolveTeacher}.
 */
export interface ResolveTeacherOptions {
  /** The teacher's tokenizer, for teachers that bring none (a TF.js model.json, a bare .onnx file). */
  tokenizer?: string | TextTokenizer;
  /** ONNX Runtime intra-op threads for an ONNX teacher. Default: the machine's cores. */
  threads?: number;
  /** The ONNX output holding the logits. Default `logits`, else the only output. */
  logitsOutput?: string;
  /** An ONNX teacher is a sentence-embedding model read this way (`task: 'embedding'`). */
  embedding?: OnnxEmbeddingOptions;
}

/**
 * Turns any accepted teacher into a {@link Teacher}: a tfdistill checkpoint directory (its tokenizer and labels come
 * along), a Hugging Face ONNX export folder or a `.onnx` file (run by onnxruntime-node; class names from `config.json`
 * `id2label`, tokenizer from the folder's `tokenizer.json`), a TF.js `model.json` path or URL (layers or graph model,
 * e.g. from tensorflowjs_converter; then a tokenizer must be given), a `tf.LayersModel` (a tfdistill encoder or any
 * single-input model), a `tf.GraphModel`, or an object that already implements `Teacher`.
 *
 * @example
 * ```ts
 * const { teacher, tokenizer, labels, dispose } = await resolveTeacher('teacher/');
 * ```
 */
export async function resolveTeacher(source: TeacherSource, opts: ResolveTeacherOptions = {}): Promise<ResolvedTeacher> {
  const givenTokenizer = typeof opts.tokenizer === 'string' ? await loadTokenizer(opts.tokenizer) : opts.tokenizer;
  if (typeof source === 'string') {
    const hf = /^https?:\/\//.test(source) ? undefined : await findHfExport(source);
    return hf ? resolveOnnxTeacher(hf, { ...opts, tokenizer: givenTokenizer }) : fromPath(source, givenTokenizer);
  }
  if (source instanceof tf.GraphModel) {
    return { teacher: teacherFromGraphModel(source), id: 'graph-model', stableId: false, tokenizer: givenTokenizer, dispose: () => {} };
  }
  if (source instanceof tf.LayersModel) {
    return {
      teacher: adaptLayers(source),
      id: `layers-model:${source.name}`,
      stableId: false,
      tokenizer: givenTokenizer,
      layersModel: source,
      dispose: () => {},
    };
  }
  if (source && typeof (source as Teacher).predict === 'function') {
    const labels = (source as Teacher).labels;
    return {
      teacher: source as Teacher,
      id: 'custom-teacher',
      stableId: false,
      tokenizer: givenTokenizer,
      labels: labels ? [...labels] : undefined,
      external: (source as Teacher).async === true,
      dispose: () => {},
    };
  }
  throw new TfdistillError(
    'INVALID_ARGUMENT',
    'teacher must be a checkpoint directory, a model.json path or URL, a tf.LayersModel, a tf.GraphModel or a Teacher',
  );
}

function adaptLayers(model: tf.LayersModel): Teacher {
  return model.outputNames[0] === 'logits' ? teacherFromEncoder(model) : teacherFromLayersModel(model);
}

async function fromPath(given: string, tokenizer: TextTokenizer | undefined): Promise<ResolvedTeacher> {
  const isUrl = /^https?:\/\//.test(given);
  const source = isUrl ? given : await resolveCheckpointDir(given);
  if (!isUrl && (await isCheckpointDir(source))) {
    const ck = await loadClassifier(source).catch(async (e) => {
      if (!(e instanceof TfdistillError) || !tokenizer) throw e;
      return undefined; // a checkpoint without tokenizer is fine when one is given
    });
    if (ck) {
      const meta = ck.meta;
      return {
        teacher: adaptLayers(ck.model),
        id: `checkpoint:${path.resolve(source)}:${meta.createdAt}`,
        stableId: true,
        tokenizer: tokenizer ?? ck.tokenizer,
        labels: ck.labels,
        maxLength: ck.maxLength,
        layersModel: ck.model,
        dispose: () => {
          ck.model.dispose();
        },
      };
    }
  }
  const modelJson = isUrl || source.endsWith('.json') ? source : path.join(source, 'model.json');
  if (!tokenizer) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `${source} is not a tfdistill checkpoint, so it brings no tokenizer`,
      'pass --tokenizer path/to/tokenizer.json (the tokenizer the teacher was trained with)',
    );
  }
  const format = await readFormat(modelJson, isUrl);
  if (format === 'graph-model') {
    const graph = isUrl ? await tf.loadGraphModel(modelJson) : await loadGraphModelFile(modelJson);
    return {
      teacher: teacherFromGraphModel(graph),
      id: `graph-model:${source}`,
      stableId: true,
      tokenizer,
      dispose: () => graph.dispose(),
    };
  }
  const model = await tf.loadLayersModel(isUrl ? modelJson : fileSystemHandler(modelJson));
  return {
    teacher: adaptLayers(model),
    id: `layers-model:${source}`,
    stableId: true,
    tokenizer,
    layersModel: model,
    dispose: () => {
      model.dispose();
    },
  };
}

async function readFormat(modelJson: string, isUrl: boolean): Promise<string | undefined> {
  try {
    const text = isUrl ? await (await fetch(modelJson)).text() : await fs.readFile(modelJson, 'utf8');
    const doc = JSON.parse(text) as { format?: string; modelTopology?: { node?: unknown } };
    return doc.format ?? (doc.modelTopology?.node ? 'graph-model' : 'layers-model');
  } catch (e) {
    throw new TfdistillError(
      'CHECKPOINT_NOT_FOUND',
      `cannot read teacher model ${modelJson}: ${(e as Error).message}`,
      'give a tfdistill checkpoint directory or the path/URL of a TF.js model.json',
    );
  }
}
