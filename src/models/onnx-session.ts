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
  opts: { threads: number; logitsOutput?: string },
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
    return { session, info: discover(file, session, opts.logitsOutput) };
  } catch (e) {
    await session.release();
    throw e;
  }
}

function discover(file: string, session: OrtSession, wantedOutput: string | undefined): OnnxGraphInfo {
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
      `${file} has no usable logits output${wantedOutput ? ` named '${wantedOutput}'` : ''} (outputs: ${outputs.join(', ') || 'none'})`,
      'name the output with logitsOutput, or export with --task text-classification',
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
  if (out.dims.length !== 2 || out.dims[0] !== rows) {
    throw new TfdistillError(
      'SHAPE_MISMATCH',
      `the ONNX teacher's '${info.logitsOutput}' has shape [${out.dims.join(', ')}], expected [${rows}, classes]`,
      'a sequence-classification export gives one logit vector per row',
    );
  }
  const values =
    out.type === 'float16' ? Float32Array.from(out.data as Uint16Array, fromFloat16Bits) : Float32Array.from(out.data as Float32Array);
  out.dispose?.();
  return { values, classes: out.dims[1] };
}
