/**
 * One ONNX Runtime session of a sequence classifier: opening it (with the checks that turn a bad file into a clear
 * error) and running it on padded ids. Runs in the ONNX teacher's worker thread (`onnx-worker.ts`), because
 * onnxruntime-node's `run` computes on the calling JavaScript thread.
 */
import { TfdistillError } from '../errors.js';
import { fromFloat16Bits } from '../util/float16.js';
import type { OrtModule, OrtSession, OrtTensor, OrtValueMetadata } from './onnx-runtime.js';

/** Graph inputs tfdistill knows how to feed (Hugging Face's names). */
export const FEEDABLE_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;

/**
 * One of {@link FEEDABLE_INPUTS}.
 */
export type FeedableInput = (typeof FEEDABLE_INPUTS)[number];

/**
 * What was found in the graph: the inputs fed (with their element types) and the output read as logits.
 */
export interface OnnxGraphInfo {
  inputs: Array<{ name: FeedableInput; type: 'int64' | 'int32' }>;
  logitsOutput: string;
  /** An embedding teacher's settings (absent for a classifier): how token states are pooled, and L2 normalisation. */
  embedding?: Required<OnnxEmbeddingOptions>;
}

/**
 * How a sentence-embedding ONNX teacher's vectors are read (match the model card): the output (default
 * `sentence_embedding` when the graph has it, else `last_hidden_state`, else its only output), the pooling of token
 * states [batch, seq, d] (`mean` over real tokens, the default, or `cls`, the first token; an output that is already
 * [batch, d] is used as it is), and L2 normalisation (default false).
 *
 * @example
 * ```ts
 * await distill({ task: 'embedding', teacher: 'minilm-onnx/', train: 'texts.csv', data: { teacherEmbedding: { normalize: true } } });
 * ```
 */
export interface OnnxEmbeddingOptions {
  output?: string;
  pooling?: 'mean' | 'cls';
  normalize?: boolean;
}

/**
 * A padded batch as the session takes it: row-major [rows, seqLength] int32 arrays.
 */
export interface OnnxBatch {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  typeIds?: Int32Array;
  rows: number;
  seqLength: number;
}

/**
 * Opens `file` and checks it is a sequence classifier tfdistill can feed. Errors: `CHECKPOINT_INVALID` (not ONNX,
 * inputs it cannot feed, no usable logits output).
 *
 * @example
 * ```ts
 * const { session, info } = await openOnnxSession(await loadOnnxRuntime(), 'out/model.onnx', { threads: 2 });
 * ```
 */
export async function openOnnxSession(
  ort: OrtModule,
  file: string,
  opts: { threads: number; logitsOutput?: string; embedding?: OnnxEmbeddingOptions },
): Promise<{ session: OrtSession; info: OnnxGraphInfo }> {
  let session: OrtSession;
  try {
    // No spin-waiting between ops: the teacher's threads share the cores with the student's training step, which
    // spinning threads would compete with (on an idle machine spinning was only ~4% faster on the bench teacher).
    session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: opts.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (e) {
    const reason = String((e as Error)?.message ?? e)
      .split('\n')[0]
      .slice(0, 300);
    throw new TfdistillError(
      'CHECKPOINT_INVALID',
      `${file} is not a usable ONNX model: ${reason}`,
      'export it again (optimum-cli export onnx --task text-classification, or torch.onnx.export)',
    );
  }
  try {
    if (!opts.embedding) return { session, info: discover(file, session, opts.logitsOutput) };
    const e = opts.embedding;
    const outputs = session.outputNames;
    const output = e.output ?? ['sentence_embedding', 'last_hidden_state'].find((o) => outputs.includes(o)) ?? outputs[0];
    const info = discover(file, session, output, 'embedding');
    return { session, info: { ...info, embedding: { output, pooling: e.pooling ?? 'mean', normalize: e.normalize ?? false } } };
  } catch (e) {
    await session.release();
    throw e;
  }
}

function discover(
  file: string,
  session: OrtSession,
  wantedOutput: string | undefined,
  kind: 'logits' | 'embedding' = 'logits',
): OnnxGraphInfo {
  const meta = (name: string, list?: readonly OrtValueMetadata[]) => list?.find((m) => m.name === name);
  const inputs = session.inputNames.map((name) => {
    if (!(FEEDABLE_INPUTS as readonly string[]).includes(name)) {
      throw new TfdistillError(
        'CHECKPOINT_INVALID',
        `${file} has an input '${name}' tfdistill cannot feed`,
        `a text-classification teacher takes ${FEEDABLE_INPUTS.join(', ')}; its inputs are ${session.inputNames.join(', ')}`,
      );
    }
    const m = meta(name, session.inputMetadata);
    const type = m?.type ?? 'int64';
    if (m?.isTensor === false || (type !== 'int64' && type !== 'int32')) {
      throw new TfdistillError('CHECKPOINT_INVALID', `${file}: input '${name}' is ${type}, expected int64 or int32 token ids`);
    }
    return { name: name as FeedableInput, type: type as 'int64' | 'int32' };
  });
  if (!inputs.some((i) => i.name === 'input_ids')) {
    throw new TfdistillError('CHECKPOINT_INVALID', `${file} has no 'input_ids' input (inputs: ${session.inputNames.join(', ') || 'none'})`);
  }
  const outputs = session.outputNames;
  const logitsOutput = wantedOutput ?? (outputs.includes('logits') ? 'logits' : outputs.length === 1 ? outputs[0] : undefined);
  if (logitsOutput === undefined || !outputs.includes(logitsOutput)) {
    throw new TfdistillError(
      'CHECKPOINT_INVALID',
      `${file} has no usable ${kind === 'logits' ? 'logits' : 'embedding'} output${wantedOutput ? ` named '${wantedOutput}'` : ''} (outputs: ${outputs.join(', ') || 'none'})`,
      kind === 'logits'
        ? 'name the output with logitsOutput, or export with --task text-classification'
        : 'name the output holding the vectors or token states (--teacher-output)',
    );
  }
  const type = meta(logitsOutput, session.outputMetadata)?.type ?? 'float32';
  if (type !== 'float32' && type !== 'float16') {
    throw new TfdistillError('CHECKPOINT_INVALID', `${file}: output '${logitsOutput}' is ${type}, expected float32 or float16 logits`);
  }
  return { inputs, logitsOutput };
}

/**
 * Runs the session on one padded batch and returns its logits [rows, classes] as float32. Feeds each graph input in
 * the element type it declares; `token_type_ids` are zeros for single texts. Throws `SHAPE_MISMATCH` when the
 * output is not one logit vector per row.
 *
 * @example
 * ```ts
 * const { values, classes } = await runOnnxSession(ort, session, info, batch);
 * ```
 */
export async function runOnnxSession(
  ort: OrtModule,
  session: OrtSession,
  info: OnnxGraphInfo,
  batch: OnnxBatch,
): Promise<{ values: Float32Array; classes: number }> {
  const { rows, seqLength } = batch;
  const source: Record<FeedableInput, Int32Array> = {
    input_ids: batch.inputIds,
    attention_mask: batch.attentionMask,
    token_type_ids: batch.typeIds ?? new Int32Array(rows * seqLength),
  };
  const feeds: Record<string, OrtTensor> = {};
  for (const input of info.inputs) {
    const values = source[input.name];
    const data = input.type === 'int64' ? BigInt64Array.from(values, (v) => BigInt(v)) : values;
    feeds[input.name] = new ort.Tensor(input.type, data, [rows, seqLength]);
  }
  let out: OrtTensor;
  try {
    out = (await session.run(feeds, [info.logitsOutput]))[info.logitsOutput];
  } catch (e) {
    throw new TfdistillError(
      'SHAPE_MISMATCH',
      `the ONNX teacher failed on a [${rows}, ${seqLength}] batch: ${String((e as Error)?.message ?? e).split('\n')[0]}`,
    );
  }
  const embedding = info.embedding;
  const rank = embedding ? [2, 3] : [2];
  if (!rank.includes(out.dims.length) || out.dims[0] !== rows) {
    throw new TfdistillError(
      'SHAPE_MISMATCH',
      `the ONNX teacher's '${info.logitsOutput}' has shape [${out.dims.join(', ')}], expected [${rows}, ${embedding ? 'd] or [rows, seq, d' : 'classes'}]`,
      embedding
        ? 'name the output holding the vectors or token states (--teacher-output)'
        : 'a sequence-classification export gives one logit vector per row',
    );
  }
  const raw =
    out.type === 'float16' ? Float32Array.from(out.data as Uint16Array, fromFloat16Bits) : Float32Array.from(out.data as Float32Array);
  const width = out.dims[out.dims.length - 1];
  out.dispose?.();
  if (!embedding) return { values: raw, classes: width };
  const vectors = out.dims.length === 3 ? poolTokens(raw, batch, width, embedding.pooling) : raw;
  if (embedding.normalize) normalizeRows(vectors, width);
  return { values: vectors, classes: width };
}

/** Token states [rows, seq, d] pooled to [rows, d]: the mean over each row's real tokens (float64 sums), or its first. */
function poolTokens(states: Float32Array, batch: OnnxBatch, d: number, pooling: 'mean' | 'cls'): Float32Array {
  const { rows, seqLength, attentionMask } = batch;
  const out = new Float32Array(rows * d);
  const sum = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    if (pooling === 'cls') {
      out.set(states.subarray(r * seqLength * d, r * seqLength * d + d), r * d);
      continue;
    }
    sum.fill(0);
    let count = 0;
    for (let t = 0; t < seqLength; t++) {
      if (attentionMask[r * seqLength + t] === 0) continue;
      count++;
      for (let c = 0; c < d; c++) sum[c] += states[(r * seqLength + t) * d + c];
    }
    for (let c = 0; c < d; c++) out[r * d + c] = sum[c] / Math.max(count, 1);
  }
  return out;
}

/** Scales each row of [rows, d] to unit L2 length in place (a zero row stays zero), as torch's `F.normalize`. */
function normalizeRows(values: Float32Array, d: number): void {
  for (let r = 0; r < values.length / d; r++) {
    let sq = 0;
    for (let c = 0; c < d; c++) sq += values[r * d + c] ** 2;
    const scale = 1 / Math.max(Math.sqrt(sq), 1e-12);
    for (let c = 0; c < d; c++) values[r * d + c] *= scale;
  }
}
